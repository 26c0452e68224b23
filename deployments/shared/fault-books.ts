// Bookkeeping every deployment keeps the same way for faults owned by several families (see
// core/cluster.ts): who holds each killed node down, and each owner's grudge with their union.
// Pure; the deployment does the killing and the iptables.
import { KcError } from "../../core/errors.ts";
import { grudgeEntry, mergeGrudges, type Grudge } from "../../core/faults.ts";

/** Kill holds: a node killed by two families starts again only when both have let go. */
export class KillHolds {
  private readonly by = new Map<string, Set<string>>();

  hold(node: string, owner: string): void {
    let s = this.by.get(node);
    if (!s) this.by.set(node, (s = new Set()));
    s.add(owner);
  }

  /** Releases `owner`'s hold; true when no hold is left (the node may start). */
  release(node: string, owner: string): boolean {
    const s = this.by.get(node);
    if (!s) return true;
    s.delete(owner);
    if (s.size) return false;
    this.by.delete(node);
    return true;
  }

  clear(): void {
    this.by.clear();
  }

  /** Nodes held down: a copy. */
  get down(): Set<string> {
    return new Set(this.by.keys());
  }
}

/** Each owner's grudge; the rules in force are their union. */
export class GrudgeBook {
  private readonly byOwner = new Map<string, Grudge>();
  /** The union in force (as last applied). */
  current: Grudge = {};

  set(owner: string, grudge: Grudge): void {
    this.byOwner.set(owner, grudge);
  }

  /** Forgets `owner`'s grudge, or every grudge. */
  drop(owner?: string): void {
    if (owner === undefined) this.byOwner.clear();
    else this.byOwner.delete(owner);
  }

  private chain: Promise<unknown> = Promise.resolve();

  /**
   * Runs `fn` after every earlier call has finished: families start and stop side by side (a
   * composite schedule), and two applies racing on one node could leave the older rule set last.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Applies the union of every owner's grudge through `setDrops`, touching only nodes whose entries change; one apply at a time. */
  apply(nodes: readonly string[], setDrops: (node: string, entries: string[]) => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      const { merged, changed } = this.next(nodes);
      await Promise.all(changed.map((n) => setDrops(n, merged[n] ?? [])));
      this.current = merged;
    });
  }

  /** The union of every owner's grudge, and the nodes whose entries differ from `current`. */
  next(nodes: readonly string[]): { merged: Grudge; changed: string[] } {
    const merged = mergeGrudges(this.byOwner.values());
    const changed = nodes.filter((n) => {
      const now = merged[n] ?? [];
      const before = this.current[n] ?? [];
      return !(now.length === before.length && now.every((e, i) => e === before[i]));
    });
    return { merged, changed };
  }
}

/**
 * The address a grudge entry names (`peer`, or `peer:port` for the connections the peer opens to
 * that local port), given how a deployment finds a peer's IP; throws on a bad port (and ipOf on
 * an unknown peer).
 */
export function grudgeAddress(entry: string, ipOf: (peer: string) => string): string {
  const { peer, port } = grudgeEntry(entry);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new KcError("KC_BAD_GRUDGE", `bad port in grudge entry ${entry}`);
  const ip = ipOf(peer);
  return port === undefined ? ip : `${ip}:${port}`;
}
