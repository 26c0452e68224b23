// The broker-product seam: what runs on the nodes of a cluster under test, independent of where
// the nodes run (deployments/). A product says which nodes a cluster has, the files each node
// runs with, the command that starts them, how their logs say "ready" and "exited", and in which
// waves they start. Apache Kafka at a version, in ZooKeeper or KRaft mode (./kafka/), and tansu,
// brokers in Rust that share one PostgreSQL (./tansu/).

import type { MetadataMode, NodeSpec, PeerLink } from "../core/cluster.ts";

export type { MetadataMode, NodeSpec, PeerLink, Role } from "../core/cluster.ts";

export interface NodeContext {
  /** The cluster's id (KRaft storage format). */
  clusterId: string;
  /** The port clients reach this broker through (its proxy), for advertised listeners. */
  clientPort?: number;
  /** The address clients reach that port on (default 127.0.0.1: a proxy published on the host). */
  clientHost?: string;
  /**
   * Containers on the run's network reach this broker through the proxy at NETWORK_PROXY_HOST
   * and this port (the product advertises it on a listener of its own, where it has one).
   */
  networkPort?: number;
}

export interface BrokerProduct {
  /** Human-readable, e.g. "Apache Kafka 3.9.1 (zookeeper)". */
  readonly description: string;
  /** Where the cluster's metadata lives: "zookeeper", "kraft", or "storage" (tansu's shared database). */
  readonly mode: MetadataMode;
  /** Every node of the cluster, in start order. */
  nodes(): NodeSpec[];
  /** Nodes grouped into waves: each wave must be ready before the next starts. */
  startWaves(): NodeSpec[][];
  /** Files the node's container gets (mounted read-only at `configDir`). */
  files(node: NodeSpec, ctx: NodeContext): Record<string, string>;
  /** Where the files go inside a node. */
  readonly configDir: string;
  /** PID 1 of a node's container: keeps the container alive across process kills. */
  readonly command: string[];
  /** A node's log says it is ready. */
  readonly ready: RegExp;
  /** A node's log says its process exited (readiness waits fail fast on it). */
  readonly exited: RegExp;
  /** The port clients (through their proxies) reach a broker on. */
  readonly clientPort: number;
  /** The port of a second client listener, for containers on the run's network (`NodeContext.networkPort`); none when absent. */
  readonly networkClientPort?: number;
  /** A fresh cluster id. */
  newClusterId(): string;
  /**
   * A shell command, run on a controller node, that prints the active KRaft controller as
   * `LeaderId: <id>` (undefined where the controller is found through the client protocol).
   */
  quorumStatusCommand?(controller: NodeSpec): string;
  /**
   * Each broker answers metadata as the only broker of the cluster (tansu: node id 111, leader of
   * every partition): the cluster is ready when every broker has started and one answers.
   */
  readonly selfOnlyMetadata?: boolean;
  /**
   * A start that failed this way is worth one more, after `afterMs` (Kafka in ZooKeeper mode: a
   * broker that died within its ZooKeeper session finds its own registration and exits).
   */
  readonly startRetry?: { when: RegExp; afterMs: number; why: string };
  /** The directory of a partition's replica on a broker (its log segments), where the product keeps one. */
  partitionDir?(topic: string, partition: number): string;
  /** The links between its nodes a fault can be put on (`peer-link`); none when absent. */
  peerLinks?(): PeerLink[];
  /** Nemesis targets that mean nothing on this product, each with the reason (refused, or left out of the defaults). */
  readonly unsupportedTargets?: Readonly<Record<string, string>>;
}
