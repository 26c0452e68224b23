// Links between nodes (peer-link): which links a Kafka topology has, when a grudge cuts one, the
// iptables rules that route one through its proxy, and PeerLinks' bookkeeping against fakes of
// Toxiproxy and the nodes' namespaces. The real thing: test/integration/nemeses.test.ts.
import { describe, expect, it } from "vitest";
import { kafkaPeerLinks, nodesOf, PORTS } from "../../products/kafka/topology.ts";
import { cuts, PeerLinks } from "../../deployments/shared/peer-links.ts";
import { LIST_PEER_RULES, redirectScript, unredirectScript } from "../../deployments/shared/peer-rules.ts";
import type { Links } from "../../deployments/shared/links.ts";
import type { LinkFault } from "../../core/faults.ts";
import type { PeerLink } from "../../core/cluster.ts";

const base = { kafkaVersion: "3.9.1", brokers: 3, zookeepers: 3, controllers: 3, combined: false } as const;
const count = (links: PeerLink[], kind: string) => links.filter((l) => l.kind === kind).length;

describe("kafkaPeerLinks", () => {
  it("ZooKeeper mode: every broker to every other broker, and to every ZooKeeper node", () => {
    const links = kafkaPeerLinks(nodesOf({ ...base, mode: "zookeeper" } as never));
    expect(count(links, "replication")).toBe(6);
    expect(links.filter((l) => l.kind === "quorum").map((l) => `${l.from}>${l.to}:${l.port}`)).toContain(`broker-2>zk-3:${PORTS.zk}`);
    expect(count(links, "quorum")).toBe(9);
    expect(links.find((l) => l.from === "broker-1" && l.to === "broker-2")).toEqual({ from: "broker-1", to: "broker-2", port: PORTS.internal, kind: "replication" });
  });
  it("KRaft: brokers to controllers and controllers to each other; combined nodes to the other voters", () => {
    const kraft = kafkaPeerLinks(nodesOf({ ...base, mode: "kraft" } as never));
    expect(count(kraft, "replication")).toBe(6);
    expect(count(kraft, "quorum")).toBe(9 + 6);
    expect(kraft.every((l) => l.kind === "replication" ? l.port === PORTS.internal : l.port === PORTS.controller)).toBe(true);
    const combined = kafkaPeerLinks(nodesOf({ ...base, mode: "kraft", combined: true } as never));
    expect(count(combined, "replication")).toBe(6);
    expect(count(combined, "quorum")).toBe(6);
    expect(combined.some((l) => l.from === l.to)).toBe(false);
  });
});

describe("cuts", () => {
  const link: PeerLink = { from: "broker-2", to: "broker-1", port: 9091, kind: "replication" };
  it("is cut when `to` drops `from` (wholly or on the link's port), or `from` drops all of `to`", () => {
    expect(cuts({ "broker-1": ["broker-2"] }, link)).toBe(true);
    expect(cuts({ "broker-1": ["broker-2:9091"] }, link)).toBe(true);
    expect(cuts({ "broker-2": ["broker-1"] }, link)).toBe(true);
  });
  it("is not cut by another port, the other direction's connections, or other nodes", () => {
    expect(cuts({ "broker-1": ["broker-2:9093"] }, link)).toBe(false);
    expect(cuts({ "broker-2": ["broker-1:9091"] }, link)).toBe(false);
    expect(cuts({ "broker-1": ["broker-3"], "broker-3": ["broker-2"] }, link)).toBe(false);
    expect(cuts({}, link)).toBe(false);
  });
});

describe("peer rules", () => {
  it("rewrites new connections to the proxy and resets the old ones, each rule added once and removed until gone", () => {
    const up = redirectScript("10.0.0.3", 9091, "10.0.0.9", 21004);
    expect(up).toContain("iptables -w -t nat -C OUTPUT -p tcp -d 10.0.0.3 --dport 9091 -m comment --comment kc-peer-link -j DNAT --to-destination 10.0.0.9:21004 2>/dev/null || iptables -w -t nat -A OUTPUT");
    expect(up).toContain("iptables -w -C OUTPUT -p tcp -d 10.0.0.3 --dport 9091 -m comment --comment kc-peer-link -j REJECT --reject-with tcp-reset");
    const down = unredirectScript("10.0.0.3", 9091, "10.0.0.9", 21004);
    expect(down).toContain("while iptables -w -t nat -D OUTPUT -p tcp -d 10.0.0.3 --dport 9091");
    expect(down).toContain("while iptables -w -D OUTPUT -p tcp -d 10.0.0.3 --dport 9091");
    expect(LIST_PEER_RULES).toContain("grep kc-peer-link");
  });
});

/** Fakes of Toxiproxy (proxies and their toxics) and of the nodes' namespaces (scripts run). */
function fakes() {
  const proxies = new Map<string, { upstream: string; port: number; enabled: boolean; toxics: string[] }>();
  const scripts: [string, string][] = [];
  let n = 0;
  const links = {
    createProxy: async (name: string, port: number, upstream: string) => void proxies.set(name, { upstream, port, enabled: true, toxics: [] }),
    deleteProxy: async (name: string) => void proxies.delete(name),
    addToxic: async (name: string, f: LinkFault, toxic = `${f.type}-${++n}`) => {
      proxies.get(name)!.toxics.push(toxic);
      return toxic;
    },
    removeToxic: async (name: string, toxic: string) => {
      const p = proxies.get(name)!;
      p.toxics = p.toxics.filter((t) => t !== toxic);
    },
    setEnabled: async (name: string, enabled: boolean) => void (proxies.get(name)!.enabled = enabled),
  } as unknown as Links;
  const list = kafkaPeerLinks(nodesOf({ ...base, mode: "zookeeper" } as never));
  const ips: Record<string, string> = { "broker-1": "10.0.0.11", "broker-2": "10.0.0.12", "broker-3": "10.0.0.13", "zk-1": "10.0.0.21" };
  const peer = new PeerLinks({
    links,
    list,
    ipOf: (node) => ips[node] ?? "10.0.0.99",
    proxyIp: "10.0.0.9",
    basePort: 21000,
    shell: async (node, script) => {
      scripts.push([node, script]);
      return { code: 0, output: "" };
    },
  });
  return { peer, proxies, scripts, list };
}

describe("PeerLinks", () => {
  it("routes a link through a proxy of its own on its first toxic, in the `from` node's namespace, once", async () => {
    const { peer, proxies, scripts, list } = fakes();
    await peer.addToxic("broker-2", "broker-1", { type: "latency", attributes: { latency: 100 }, stream: "upstream" });
    await peer.addToxic("broker-2", "broker-1", { type: "latency", attributes: { latency: 100 }, stream: "downstream" });
    const index = list.findIndex((l) => l.from === "broker-2" && l.to === "broker-1");
    expect([...proxies]).toEqual([["peer-broker-2-broker-1", { upstream: `10.0.0.11:${PORTS.internal}`, port: 21000 + index, enabled: true, toxics: ["latency-1", "latency-2"] }]]);
    expect(scripts).toHaveLength(1);
    expect(scripts[0][0]).toBe("broker-2");
    expect(scripts[0][1]).toContain(`-d 10.0.0.11 --dport ${PORTS.internal}`);
    expect(scripts[0][1]).toContain(`--to-destination 10.0.0.9:${21000 + index}`);
  });

  it("refuses a link the product does not have, naming the ones it has", async () => {
    const { peer } = fakes();
    await expect(peer.addToxic("zk-1", "broker-1", { type: "latency", attributes: {} })).rejects.toThrow(/no link from zk-1 to broker-1.*|links start at/);
    await expect(peer.addToxic("broker-1", "broker-1", { type: "latency", attributes: {} })).rejects.toMatchObject({ code: "KC_UNKNOWN_LINK" });
  });

  it("keeps a partition in force on a routed link with black-hole toxics both ways, and lifts them on heal", async () => {
    const { peer, proxies } = fakes();
    await peer.sync({ "broker-1": ["broker-2"] });
    // Routed while the grudge is in force: cut at once.
    await peer.addToxic("broker-2", "broker-1", { type: "bandwidth", attributes: { rate: 1 } });
    expect(proxies.get("peer-broker-2-broker-1")!.toxics).toEqual(["kc-cut-up", "kc-cut-down", "bandwidth-1"]);
    await peer.sync({});
    expect(proxies.get("peer-broker-2-broker-1")!.toxics).toEqual(["bandwidth-1"]);
    await peer.sync({ "broker-2": ["broker-1"] });
    expect(proxies.get("peer-broker-2-broker-1")!.toxics).toEqual(["bandwidth-1", "kc-cut-up", "kc-cut-down"]);
  });

  it("reset makes every link direct again, and leaks() names what a node still routes", async () => {
    const { peer, proxies, scripts } = fakes();
    await peer.setEnabled("broker-3", "zk-1", false);
    expect(proxies.get("peer-broker-3-zk-1")!.enabled).toBe(false);
    expect(await peer.leaks([])).toEqual(["link peer-broker-3-zk-1 is still routed through its proxy"]);
    await peer.reset();
    expect(proxies.size).toBe(0);
    expect(scripts.at(-1)![0]).toBe("broker-3");
    expect(scripts.at(-1)![1]).toContain("-D OUTPUT");
    expect(await peer.leaks(["broker-3"])).toEqual([]);
    // Bringing back a link never routed routes nothing.
    await peer.setEnabled("broker-1", "broker-2", true);
    expect(proxies.size).toBe(0);
  });
});

describe("peer-link family", () => {
  it("is refused where the deployment routes no link between nodes (Kubernetes), before anything starts", async () => {
    const { buildFamilies } = await import("../../nemeses/index.ts");
    let err: { code?: string; message: string } | undefined;
    try {
      buildFamilies(["peer-link"], [], ["process", "pause", "network", "links", "leadership"]);
    } catch (e) {
      err = e as { code?: string; message: string };
    }
    expect(err?.code).toBe("KC_CAPABILITY_MISSING");
    expect(err?.message).toContain('the peer-link nemesis needs "peer-links"');
    expect(buildFamilies(["peer-link"], ["latency"], ["peer-links", "leadership"])[0].targets).toEqual(["latency"]);
  });
});
