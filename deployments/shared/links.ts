// Links through Toxiproxy: the clients' (one proxy per broker, published on 127.0.0.1), and the
// links between nodes while a fault is on them (../docker/peer-links.ts keeps its own instance).
// Link faults (toxics, proxy down) are applied here; `reset()` removes every toxic of this
// instance's proxies and re-enables them, leaving another instance's alone. A proxy may have
// twins (the same broker's proxy for containers on the run's network): a fault put on the
// proxy is put on its twins too, so every client of the broker sees it.
import http from "node:http";
import { Toxiproxy, type Proxy, type ICreateToxicBody } from "toxiproxy-node-client";
import type { LinkFault } from "../../core/faults.ts";

export type { LinkFault, ToxicType } from "../../core/faults.ts";

export class Links {
  private readonly api: Toxiproxy;
  private readonly proxies = new Map<string, Proxy>();
  /** proxy → its twins. */
  private readonly twins = new Map<string, string[]>();
  private counter = 0;

  private readonly apiUrl: string;

  constructor(apiUrl: string) {
    this.apiUrl = apiUrl;
    this.api = new Toxiproxy(apiUrl);
  }

  async version(): Promise<string> {
    return this.api.getVersion();
  }

  /**
   * Whether Toxiproxy's API answers as Toxiproxy, on a connection of its own that is closed
   * after: "yes", or what answered instead. For a readiness wait on an address that may not be
   * routed yet, e.g. a Kubernetes Service before kube-proxy has written its rules: a connection
   * opened then goes out of this machine's default route, and whatever answers there (a 404, on
   * these machines) would stay behind in fetch's keep-alive pool, so that every later poll asked
   * the same wrong peer and never the Service (the "Service does not answer" of CI, 2026-12-04/05).
   */
  probe(timeoutMs = 5000): Promise<string> {
    return new Promise((resolve) => {
      const req = http.get(`${this.apiUrl}/version`, { agent: false, timeout: timeoutMs, headers: { connection: "close" } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          let version: unknown;
          try {
            version = (JSON.parse(body) as { version?: unknown }).version;
          } catch {
            version = undefined;
          }
          const server = res.headers.server ? ` from server "${res.headers.server}"` : "";
          resolve(res.statusCode === 200 && typeof version === "string" ? "yes" : `HTTP ${res.statusCode}${server}, not Toxiproxy's version`);
        });
        res.on("error", (e) => resolve(e.message));
      });
      req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
      req.on("error", (e) => resolve(e.message));
    });
  }

  /** A proxy; with `twinOf`, one that shares that proxy's faults. */
  async createProxy(broker: string, listenPort: number, upstream: string, twinOf?: string): Promise<void> {
    const proxy = await this.api.createProxy({ name: broker, listen: `0.0.0.0:${listenPort}`, upstream });
    this.proxies.set(broker, proxy);
    if (twinOf !== undefined) this.twins.set(twinOf, [...(this.twins.get(twinOf) ?? []), broker]);
  }

  /** The proxy and its twins. */
  private family(broker: string): string[] {
    return [broker, ...(this.twins.get(broker) ?? [])];
  }

  private proxy(broker: string): Proxy {
    const p = this.proxies.get(broker);
    if (!p) throw new Error(`no Toxiproxy proxy for ${broker}`);
    return p;
  }

  /** Takes the broker's client link down (connections refused/closed) or brings it back. */
  async setEnabled(broker: string, enabled: boolean): Promise<void> {
    for (const name of this.family(broker)) await this.enable(name, enabled);
  }

  /** One proxy, not its twins, up or down. */
  private async enable(name: string, enabled: boolean): Promise<void> {
    const p = this.proxy(name);
    this.proxies.set(name, await p.update({ enabled, listen: p.listen, upstream: p.upstream }));
  }

  async addToxic(broker: string, fault: LinkFault, name = `${fault.type}-${++this.counter}`): Promise<string> {
    const body = {
      name,
      type: fault.type,
      stream: fault.stream ?? "downstream",
      toxicity: fault.toxicity ?? 1,
      attributes: fault.attributes,
    } as unknown as ICreateToxicBody<unknown>;
    for (const proxy of this.family(broker)) await this.proxy(proxy).addToxic(body);
    return name;
  }

  /** Removes a proxy (its connections are closed). */
  async deleteProxy(name: string): Promise<void> {
    await this.proxy(name).remove();
    this.proxies.delete(name);
  }

  /** Removes one toxic by name; a toxic already gone is not an error. */
  async removeToxic(name: string, toxic: string): Promise<void> {
    const res = await fetch(`${this.apiUrl}/proxies/${encodeURIComponent(name)}/toxics/${encodeURIComponent(toxic)}`, { method: "DELETE" });
    if (!res.ok && res.status !== 404) throw new Error(`Toxiproxy: removing toxic ${toxic} of ${name} answered ${res.status}`);
  }

  /** This instance's proxies (not another's on the same Toxiproxy): enabled, no toxics. */
  async reset(): Promise<void> {
    const all = await this.state();
    for (const name of this.proxies.keys()) {
      for (const t of all[name]?.toxics ?? []) await this.removeToxic(name, t);
      if (all[name] && !all[name].enabled) await this.enable(name, true);
    }
  }

  /** What is in force now (for leak checks): broker → {enabled, toxics}. Read from the REST API
   *  itself, since the client's Proxy objects do not carry their toxics. */
  async state(): Promise<Record<string, { enabled: boolean; toxics: string[] }>> {
    const res = await fetch(`${this.apiUrl}/proxies`);
    const all = (await res.json()) as Record<string, { enabled: boolean; toxics: { name: string }[] }>;
    return Object.fromEntries(Object.entries(all).map(([name, p]) => [name, { enabled: p.enabled, toxics: p.toxics.map((t) => t.name) }]));
  }
}
