// The vocabulary of faults shared by nemeses (who ask for them) and deployments (who do them):
// the powers a deployment offers, grudges for network partitions and link faults for
// Toxiproxy-style proxies. Pure data.

/** The powers a nemesis may ask of a deployment (nemeses/capabilities.ts has the protocols). */
export type Capability = "process" | "pause" | "network" | "links" | "leadership" | "restart" | "upgrade" | "files" | "disk" | "power" | "pods" | "clock" | "log-dirs" | "elections" | "reassign" | "peer-links";

export const CAPABILITIES: Record<Capability, string> = {
  process: "kill and start a node's broker/controller process (kill/start)",
  pause: "freeze and thaw a node's processes (pause/resume)",
  network: "drop traffic between nodes (grudges: partition/heal)",
  links: "fault the links clients use through per-broker proxies (toxics)",
  "peer-links": "fault a link between two nodes (a follower's fetches from its leader, a broker's ZooKeeper or KRaft controller connections) through a proxy of its own, one direction at a time (toxics)",
  leadership: "find partition leaders, the active controller, group and transaction coordinators, partition states per broker",
  restart: "restart a node cleanly (SIGTERM, controlled shutdown) on the release it runs, with the same data",
  upgrade: "restart a node cleanly on another Kafka release with the same data, and raise the cluster's protocol or metadata version",
  files: "read and damage a stopped node's log segment files (truncate their tail, flip bits)",
  disk: "fill a broker's data filesystem to the last byte, and free it again",
  power: "cut a node's power: SIGKILL its process and lose every write its data filesystem was never asked to sync (the kc-lazyfs layer)",
  clock: "move a node's wall clock (bump, strobe, skew, drift) and read it back, its monotonic clocks untouched (the kc-clock layer)",
  "log-dirs": "fail one of a broker's log dirs (every I/O under it answers EIO, through kc-lazyfs) and make it work again",
  elections: "run a preferred-leader election (Kafka's ElectLeaders, through its LeaderElectionCommand in a broker)",
  reassign: "move partition replicas between brokers, with or without a replication throttle, and cancel a move half-way (Kafka's ReassignPartitionsCommand in a broker)",
  pods: "delete a node's pod; its controller makes a new one (new address, same data) that starts the node again (Kubernetes)",
};

/**
 * node → nodes it drops traffic from. An entry `peer:port` drops only TCP traffic from that peer
 * to this node's local port (the connections the peer opens to it; the node's own connections
 * to the peer are untouched). Nodes not present drop nothing.
 */
export type Grudge = Record<string, string[]>;

/** Splits a grudge entry into the peer and the optional local port. */
export function grudgeEntry(entry: string): { peer: string; port?: number } {
  const i = entry.lastIndexOf(":");
  return i < 0 ? { peer: entry } : { peer: entry.slice(0, i), port: Number(entry.slice(i + 1)) };
}

/**
 * The union of several families' grudges: a node drops traffic from every peer any of them
 * names. Entries keep their order of first appearance; a whole-peer entry does not absorb a
 * port-scoped one (both are kept, which drops the same traffic and heals apart).
 */
export function mergeGrudges(grudges: Iterable<Grudge>): Grudge {
  const out: Record<string, Set<string>> = {};
  for (const g of grudges) for (const [node, peers] of Object.entries(g)) for (const p of peers) (out[node] ??= new Set()).add(p);
  return Object.fromEntries(Object.entries(out).filter(([, s]) => s.size).map(([n, s]) => [n, [...s]]));
}

export type ToxicType = "latency" | "bandwidth" | "timeout" | "reset_peer" | "slicer" | "slow_close" | "limit_data";

export interface LinkFault {
  type: ToxicType;
  /** Toxic attributes, e.g. {latency: 500, jitter: 200}. */
  attributes: Record<string, number>;
  stream?: "upstream" | "downstream";
  toxicity?: number;
}
