// The vocabulary of a cluster under test that every layer above shares: its nodes, the state of
// a partition, and the powers (capabilities) a deployment offers to nemeses, split as Jepsen's
// Kill / Pause / Primary protocols are. Deployments implement these; nemeses ask for them
// (nemeses/capabilities.ts); neither imports the other. Types only, plus one pure helper.
import { CAPABILITIES, type Capability, type Grudge, type LinkFault } from "./faults.ts";
import type { Key } from "./history/op.ts";

/**
 * Which log end ListOffsets answers: `read_uncommitted`, the high watermark (the end of the log);
 * `read_committed`, the last stable offset (below the first record of a transaction still open).
 */
export type Isolation = "read_committed" | "read_uncommitted";

export type Role = "zookeeper" | "controller" | "broker" | "storage";

/**
 * Where a cluster's metadata lives: a ZooKeeper ensemble, the KRaft controllers, or (tansu) the
 * brokers' shared storage.
 */
export type MetadataMode = "zookeeper" | "kraft" | "storage";

export interface NodeSpec {
  /** Name on the run network and in the history/report: zk-1, controller-1, broker-1, storage-1. */
  name: string;
  roles: Role[];
  /** broker.id / node.id / myid. */
  id: number;
}

/** One partition as a broker's metadata describes it. */
export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Every cluster: which nodes it has, which powers it offers, and what is left after healing. */
export interface ClusterNodes {
  readonly nodes: readonly NodeSpec[];
  readonly capabilities: readonly Capability[];
  /** Starts every node whose process is down (however it got there); returns those started. */
  startAll(): Promise<string[]>;
  /** Faults still in force, read from the cluster itself; empty after a complete heal. */
  leaks(): Promise<string[]>;
}

/**
 * Kill and start. Each hold has an owner (a fault family): a node killed by two families starts
 * again only when both have let go, so one family cannot undo the other.
 */
export interface ProcessControl {
  kill(node: string, owner?: string): Promise<void>;
  /** Releases `owner`'s hold; starts the node when no hold is left. Returns whether it started it. */
  start(node: string, opts?: { waitMs?: number }, owner?: string): Promise<boolean>;
  /**
   * Stops the node as an operator does (SIGTERM: a controlled shutdown; SIGKILL if it has not
   * exited within a minute), held down as `kill` holds it. Returns whether it exited cleanly.
   */
  shutdown?(node: string, owner?: string): Promise<{ clean: boolean; stopMs: number }>;
}

/** What one node's clean restart on another release did (a step of a rolling upgrade). */
export interface UpgradeStep {
  node: string;
  from: string;
  to: string;
  /** The JVM exited on SIGTERM (controlled shutdown) within the wait; false: it was killed. */
  clean: boolean;
  /** From SIGTERM to the new release's "started" line. */
  downMs: number;
}

/**
 * Clean restarts (capability "restart"): SIGTERM, controlled shutdown, SIGKILL after 60 s, then
 * the node started again with the same data. A deployment that offers only this takes
 * `restartOn(node, versionOf(node))`, the release the node runs, and refuses any other.
 */
export interface RestartControl {
  /** The release each node runs now. */
  versionOf(node: string): string;
  /**
   * A clean restart (SIGTERM, controlled shutdown; SIGKILL after 60 s) on `version` with the same
   * data. With `ifUp`, a node another family holds down is left alone (KC_NODE_DOWN).
   */
  restartOn(node: string, version: string, opts?: { brokerConfig?: Record<string, string>; ifUp?: boolean }): Promise<UpgradeStep>;
}

/**
 * Rolling upgrades and downgrades (capability "upgrade"): one node at a time, a clean shutdown
 * (SIGTERM), the other release's binaries, the same data dir. `finalize` then raises what the
 * brokers speak (inter.broker.protocol.version in ZooKeeper mode, another rolling restart;
 * metadata.version in KRaft).
 */
export interface UpgradeControl extends RestartControl {
  finalizeUpgrade(version: string): Promise<Record<string, unknown>>;
}

/** One log segment file of a partition's replica on a node. */
export interface SegmentFile {
  file: string;
  size: number;
}

/** What was done to one file: bytes cut off its end, or bits flipped (each byte's offset, before and after). */
export type FileDamage =
  | { mode: "truncate"; node: string; file: string; sizeBefore: number; sizeAfter: number; cut: [number, number] }
  | { mode: "bitflip"; node: string; file: string; size: number; flips: { offset: number; before: number; after: number }[] };

/**
 * Damage to a stopped node's data (Jepsen's truncate and bitflip): the files of a partition's
 * replica, newest segment last, and the damage done to one, as it was really done.
 */
export interface FileControl {
  segments(node: string, topic: string, partition: number): Promise<SegmentFile[]>;
  truncate(node: string, file: string, bytes: number): Promise<FileDamage>;
  /** Flips one bit (`mask`, a power of two) in the byte at each offset. */
  flipBits(node: string, file: string, flips: { offset: number; mask: number }[]): Promise<FileDamage>;
}

/** A broker's data filesystem filled (a filler file takes every free byte) and freed again. */
export interface DiskControl {
  fillDisk(node: string): Promise<{ node: string; sizeBytes: number; freeBefore: number; filler: number }>;
  /** Removes the filler; returns whether there was one. */
  freeDisk(node: string): Promise<boolean>;
}

/** What a power cut lost on one node: the writes its data filesystem never synced, per file (kc-lazyfs's report). */
export interface PowerCut {
  node: string;
  /** Files that had unsynced changes. */
  files: number;
  /** Unsynced bytes dropped, over every file. */
  droppedBytes: number;
  /** The largest losses (at most 50): path under the data dir, bytes lost, size before and after. */
  dropped: { path: string; bytes: number; size: number; syncedSize: number }[];
}

/**
 * Power cuts: the node's process is SIGKILLed at the instant its data filesystem loses what was
 * never fsynced (data and sizes; file creations, renames and deletions are durable at once). It
 * stays down, held by `owner`, until ProcessControl.start releases it.
 */
export interface PowerControl {
  powerCut(node: string, owner?: string): Promise<PowerCut>;
}

/** What a preferred-leader election did, partition by partition ("topic-p"), as Kafka answered it. */
export interface ElectionResult {
  /** The broker the election was asked through. */
  via: string;
  elected: string[];
  /** Already led by their preferred replica (nothing to do). */
  alreadyPreferred: string[];
  failed: { partition: string; error: string }[];
}

/** Preferred-leader elections (Kafka's ElectLeaders): each partition's leadership back to its first replica. */
export interface ElectionControl {
  /** The given partitions, or every partition of the cluster when none are given. */
  electPreferred(partitions?: { topic: string; partition: number }[]): Promise<ElectionResult>;
}

/** A partition's target replica list (broker ids, the first one preferred leader). */
export interface PartitionMove {
  topic: string;
  partition: number;
  replicas: number[];
}

/** A reassignment in progress, as the controller lists it (ListPartitionReassignments). */
export interface ReassignmentInProgress {
  /** "topic-partition". */
  partition: string;
  replicas: number[];
  adding: number[];
  removing: number[];
}

/** What Kafka's reassignment tool said, partition by partition ("topic-partition"). */
export interface ReassignmentAnswer {
  /** The broker the tool ran in. */
  via: string;
  /** --execute: started; --verify: complete; --cancel: cancelled. */
  done: string[];
  /** --verify: still moving. */
  inProgress: string[];
  /** --verify: not moving, but the replicas are not the ones asked for; other errors. */
  failed: { partition: string; error: string }[];
  /** The tool cleared the replication throttles it had set. */
  throttlesCleared: boolean;
}

/**
 * Partition reassignment (Kafka's AlterPartitionReassignments, through its
 * ReassignPartitionsCommand in a broker, as an operator runs it): move replicas between brokers,
 * optionally under a replication throttle, see it through, or cancel it half-way.
 */
export interface ReassignmentControl {
  /** Starts moving the partitions; with `throttleBytes`, replication for the move is limited to that many bytes/s. */
  reassign(moves: PartitionMove[], throttleBytes?: number): Promise<ReassignmentAnswer>;
  /** --verify: which moves are complete; when all are, the tool clears the throttles. */
  verifyReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer>;
  /** --cancel: stops the moves in progress (their replicas go back), clearing the throttles. */
  cancelReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer>;
  /** Every reassignment in progress, as the controller lists it. */
  reassignments(): Promise<ReassignmentInProgress[]>;
  /** Brokers a replica can move to now: registered with the cluster, not held down or paused by a fault, not in a clean restart. */
  liveBrokerIds(): Promise<number[]>;
}

/** One failed log dir: the broker, the dir, and the partition replicas it held when it failed. */
export interface FailedLogDir {
  node: string;
  dir: string;
  partitions: string[];
}

/**
 * Failed log dirs (a disk under one log dir gone bad): every read, write and fsync under the dir
 * fails with EIO from then on, and Kafka, on its next I/O error there, takes the dir offline and
 * serves on from the others. Healing makes the dir work again; the broker needs a restart to
 * serve it (Kafka does not bring an offline dir back).
 */
export interface LogDirControl {
  /** The broker's log dirs, and which holds the replica of `topic-partition`, when asked. */
  logDirs(node: string): Promise<string[]>;
  logDirOf(node: string, topic: string, partition: number): Promise<string | undefined>;
  failLogDir(node: string, dir: string): Promise<FailedLogDir>;
  /** Makes every failed dir of the node work again; returns those that had failed. */
  healLogDirs(node: string): Promise<string[]>;
}

/**
 * A node's wall clock as the clock layer moves it: a fixed offset, a strobe (every `periodMs` the
 * clock flips between the offset and the offset plus `deltaMs`), and a drift (the clock runs
 * `driftPpm` parts per million fast, or slow when negative, from the moment it was set).
 * All zero: the real clock.
 */
export interface ClockSetting {
  offsetMs: number;
  strobe?: { deltaMs: number; periodMs: number };
  driftPpm?: number;
}

/** A node's clock read from inside the node against the harness's: its offset, give or take errorMs. */
export interface ClockReading {
  node: string;
  offsetMs: number;
  errorMs: number;
}

/**
 * Clock faults: what a node's processes read as the wall clock is set (monotonic clocks are left
 * alone, as a bumped system clock leaves them), and read back from inside the node.
 */
export interface ClockControl {
  setClock(node: string, setting: ClockSetting): Promise<void>;
  readClock(node: string): Promise<ClockReading>;
}

/** What one pod delete did: the node, the pod's address before and its replacement's. */
export interface PodReplacement {
  node: string;
  pod: string;
  host: string;
  ipBefore: string;
  ipAfter: string;
  /** From the delete to the replacement's node process running (its grudges in force again). */
  replacedMs: number;
}

/**
 * Pods deleted (Kubernetes): the replacement starts the node at once, on the same data, at a new
 * address; the grudges in force follow it (its own rules in its new network namespace, and its
 * peers' rules naming it). `awaitPod` waits for the node's "ready" line.
 */
export interface PodControl {
  deletePod(node: string): Promise<PodReplacement>;
  awaitPod(node: string): Promise<void>;
}

export interface PauseControl {
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
}

/**
 * Grudges, owned by a family: the rules in force are the union of every owner's grudge, and
 * healing one owner's grudge leaves the others' in force. `heal()` with no owner heals all.
 */
export interface NetworkControl {
  partition(grudge: Grudge, owner?: string): Promise<void>;
  heal(owner?: string): Promise<void>;
}

export interface LinkControl {
  readonly links: {
    addToxic(broker: string, fault: LinkFault): Promise<string>;
    setEnabled(broker: string, enabled: boolean): Promise<void>;
    reset(): Promise<void>;
  };
}

/**
 * A directed link between two nodes: the TCP connections `from` opens to `to` on `port`. Requests
 * go from → to (Toxiproxy's upstream), answers come back (downstream). `replication`: a broker's
 * connections to another broker's inter-broker listener (a follower's fetches, the ZooKeeper-mode
 * controller's requests); `quorum`: a broker's connections to a ZooKeeper node or a KRaft
 * controller.
 */
export interface PeerLink {
  from: string;
  to: string;
  port: number;
  kind: "replication" | "quorum";
}

export interface PeerLinkControl {
  readonly peerLinks: {
    /** Every link a fault can be put on. */
    list(): PeerLink[];
    /** Puts a toxic on the link (routing it through its proxy first); returns the toxic's name. */
    addToxic(from: string, to: string, fault: LinkFault): Promise<string>;
    /** Takes the link down (its proxy refuses and closes connections) or brings it back. */
    setEnabled(from: string, to: string, enabled: boolean): Promise<void>;
    /** Every link direct again: no proxy, no redirection rule, no toxic. */
    reset(): Promise<void>;
  };
}

export interface Leadership {
  leader(key: Key): Promise<string | undefined>;
  controller(): Promise<string | undefined>;
  /** The broker coordinating a consumer group, and a transactional id (FindCoordinator). */
  groupCoordinator(groupId: string): Promise<string | undefined>;
  transactionCoordinator(transactionalId: string): Promise<string | undefined>;
  /** Partition states of a topic as one broker sees them. */
  partitionsVia(broker: string, topic: string): Promise<PartitionState[]>;
  nodeOfBrokerId(id: number): string | undefined;
}

/** A cluster with every power (local Docker offers them all). */
export type FullCapabilities = ClusterNodes & ProcessControl & PauseControl & NetworkControl & LinkControl & Leadership & UpgradeControl & FileControl & DiskControl;

/** The families that need a power the cluster lacks, with a message that says what to do. */
export function missingCapabilities(families: readonly { name: string; needs: readonly Capability[] }[], offered: readonly Capability[]): string[] {
  return families.flatMap((f) =>
    f.needs.filter((c) => !offered.includes(c)).map((c) => `the ${f.name} nemesis needs "${c}" (${CAPABILITIES[c]}), which this deployment does not offer`),
  );
}
