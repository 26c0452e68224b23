// Faults on the links between nodes (core/cluster.ts PeerLinkControl): a link is routed through a
// Toxiproxy proxy of its own only while a fault is on it (./peer-rules.ts), and made direct again
// by reset(). A partition must still cut a routed link: its packets reach `to` from the proxy's
// address, which no grudge names, so sync() puts a black-hole toxic on both directions of every
// routed link the grudge in force cuts, and takes it off when the grudge no longer does.
import { KcError } from "../../core/errors.ts";
import { grudgeEntry, type Grudge, type LinkFault } from "../../core/faults.ts";
import type { PeerLink } from "../../core/cluster.ts";
import type { Links } from "./links.ts";
import { LIST_PEER_RULES, redirectScript, unredirectScript } from "./peer-rules.ts";

export interface PeerLinkDeps {
  /** A Links instance of its own on the run's Toxiproxy (its reset leaves the client proxies alone). */
  links: Links;
  /** Every link a fault can be put on (the product's). */
  list: readonly PeerLink[];
  /** A node's address on the run's network. */
  ipOf(node: string): string;
  /** Toxiproxy's address on the run's network, and the first port its peer proxies listen on. */
  proxyIp: string;
  basePort: number;
  /** Runs a script in a node's network namespace. */
  shell(node: string, script: string): Promise<{ code: number; output: string }>;
}

const CUT = ["kc-cut-up", "kc-cut-down"] as const;

export class PeerLinks {
  private readonly deps: PeerLinkDeps;
  /** Routed links: name → the link and its proxy port; whether a partition's cut toxics are on. */
  private readonly routed = new Map<string, { link: PeerLink; proxyPort: number; cut: boolean }>();
  private grudge: Grudge = {};
  /** Families start and stop side by side (composite schedules): one change at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  constructor(deps: PeerLinkDeps) {
    this.deps = deps;
  }

  list(): PeerLink[] {
    return [...this.deps.list];
  }

  private find(from: string, to: string): { link: PeerLink; index: number } {
    const index = this.deps.list.findIndex((l) => l.from === from && l.to === to);
    if (index < 0) {
      const from_ = this.deps.list.filter((l) => l.from === from).map((l) => l.to);
      throw new KcError("KC_UNKNOWN_LINK", `no link from ${from} to ${to} can be faulted`, {
        hint: from_.length ? `${from} has links to ${from_.join(", ")}` : `links start at ${[...new Set(this.deps.list.map((l) => l.from))].join(", ") || "no node on this product"}`,
      });
    }
    return { link: this.deps.list[index], index };
  }

  static proxyName(from: string, to: string): string {
    return `peer-${from}-${to}`;
  }

  /** Routes the link through its proxy (once), cut at once if the grudge in force says so. */
  private async route(from: string, to: string): Promise<string> {
    const name = PeerLinks.proxyName(from, to);
    if (this.routed.has(name)) return name;
    const { link, index } = this.find(from, to);
    const proxyPort = this.deps.basePort + index;
    const toIp = this.deps.ipOf(to);
    await this.deps.links.createProxy(name, proxyPort, `${toIp}:${link.port}`);
    this.routed.set(name, { link, proxyPort, cut: false });
    const r = await this.deps.shell(from, redirectScript(toIp, link.port, this.deps.proxyIp, proxyPort));
    if (r.code !== 0) throw new KcError("KC_LINK_FAILED", `routing ${from} → ${to} through Toxiproxy failed: iptables in ${from}'s namespace exited ${r.code}`, { details: r.output });
    await this.syncOne(name);
    return name;
  }

  addToxic(from: string, to: string, fault: LinkFault): Promise<string> {
    return this.exclusive(async () => this.deps.links.addToxic(await this.route(from, to), fault));
  }

  setEnabled(from: string, to: string, enabled: boolean): Promise<void> {
    return this.exclusive(async () => {
      if (enabled && !this.routed.has(PeerLinks.proxyName(from, to))) return;
      await this.deps.links.setEnabled(await this.route(from, to), enabled);
    });
  }

  /** Every routed link direct again: rules removed, proxy removed (its connections close). */
  reset(): Promise<void> {
    return this.exclusive(() => this.resetNow());
  }

  private async resetNow(): Promise<void> {
    for (const [name, r] of [...this.routed]) {
      const { from, to, port } = r.link;
      const res = await this.deps.shell(from, unredirectScript(this.deps.ipOf(to), port, this.deps.proxyIp, r.proxyPort));
      if (res.code !== 0) throw new KcError("KC_LINK_FAILED", `making ${from} → ${to} direct again failed (exit ${res.code})`, { details: res.output });
      await this.deps.links.deleteProxy(name);
      this.routed.delete(name);
    }
  }

  /** The grudge in force changed: cut the routed links it cuts, uncut the others. */
  sync(grudge: Grudge): Promise<void> {
    return this.exclusive(async () => {
      this.grudge = grudge;
      for (const name of this.routed.keys()) await this.syncOne(name);
    });
  }

  private async syncOne(name: string): Promise<void> {
    const r = this.routed.get(name)!;
    const want = cuts(this.grudge, r.link);
    if (want === r.cut) return;
    for (const [i, stream] of (["upstream", "downstream"] as const).entries()) {
      if (want) await this.deps.links.addToxic(name, { type: "timeout", attributes: { timeout: 0 }, stream }, CUT[i]);
      else await this.deps.links.removeToxic(name, CUT[i]);
    }
    r.cut = want;
  }

  /** What is left, read from the nodes themselves: redirection rules, and routed links not reset. */
  async leaks(nodes: string[]): Promise<string[]> {
    const rules = await Promise.all(nodes.map(async (n) => ({ n, lines: (await this.deps.shell(n, LIST_PEER_RULES)).output.split("\n").filter((l) => l.trim()) })));
    const found = rules.filter((r) => r.lines.length).map((r) => `${r.n} still routes ${r.lines.length / 2} link(s) through Toxiproxy (iptables rules commented kc-peer-link)`);
    for (const name of this.routed.keys()) found.push(`link ${name} is still routed through its proxy`);
    return found;
  }
}

/** Whether a grudge cuts a link: `to` drops what `from` sends it (on any port or the link's), or `from` drops all of `to`. */
export function cuts(grudge: Grudge, link: PeerLink): boolean {
  const atTo = (grudge[link.to] ?? []).map(grudgeEntry).some((e) => e.peer === link.from && (e.port === undefined || e.port === link.port));
  const atFrom = (grudge[link.from] ?? []).map(grudgeEntry).some((e) => e.peer === link.to && e.port === undefined);
  return atTo || atFrom;
}
