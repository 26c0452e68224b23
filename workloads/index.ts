// The workloads' public surface, called by harness/run.ts:
//
//   const w = createWorkload(config, cluster.bootstrap);
//   await cluster.createTopics(w.topics);
//   await runPhase({ generator: w.generator(), clients: w.clients, opTimeoutMs: w.opTimeoutMs, ... });
//   ... heal, recovery wait ...
//   await w.finalReads(history, ops, { deadlineMs: Date.now() + config.finalTimeLimitSeconds * 1000, signal });
//
// `queue`: single sends of unique increasing integers per key, and polls. `txn`: every op a
// transaction of polls and sends in any mix (some aborted on purpose, part-way), read_committed
// polls whose offsets commit inside the transaction. Both: assign or
// subscribe consumers that re-assign/re-subscribe now and then, and client crashes.
// Keys are topic-partitions, "<prefix><i>/<p>" (./keys.ts). Clients: kafkajs, or confluent
// (@confluentinc/kafka-javascript, librdkafka), chosen by config.client. See README.md.
import type { TopicSpec } from "../clients/kafkajs/admin.ts";
import { consumerVias, type ClientName, type ConsumerSettings, type ProducerSettings } from "../clients/settings.ts";
import { KafkaGenerator, type OpGenerator } from "./generator.ts";
import type { Key, Op } from "../core/history/op.ts";
import type { HistorySink } from "./interpreter.ts";
import { finalReads, type FinalReadSummary, type SeenOffsets } from "./final-reads.ts";
export { SeenOffsets } from "./final-reads.ts";
import { keySpace, keySpaceOfTopics } from "../clients/keys.ts";
import { bundledLibrary, clientsOf, type ClientLibrary } from "../clients/index.ts";
import { groupIdOf, transactionalIdOf } from "../clients/names.ts";
import { GROUP_TIMING } from "../clients/kafkajs/polling-consumer.ts";
import type { ClientFactory } from "../clients/types.ts";
import type { Isolation } from "../core/cluster.ts";
import { remoteClients, type ClientHostLauncher, type HostInfo } from "../clients/remote/remote.ts";
import type { ConfluentSettings } from "../clients/confluent/client.ts";

export interface Workload {
  name: "queue" | "txn";
  /** Topics to create before the run (replication factor from the config). */
  topics: TopicSpec[];
  /** Every key the workload may use, in the order keys come into use. */
  keys: Key[];
  /** A fresh generator, seeded from config.seed. */
  generator(): OpGenerator;
  clients: ClientFactory;
  /** A per-op timeout suited to these clients (covers retries and group joins). */
  opTimeoutMs: number;
  /** The consumer groups and transactional ids these processes use (coordinator-aware faults). */
  coordinated(processes: number[]): { groups: string[]; transactionalIds: string[] };
  /** Final reads: records `assign` (seek-to-beginning) and `poll` ops into `history`. */
  finalReads(
    history: HistorySink,
    ops: SeenOffsets | Iterable<Op>,
    opts: { deadlineMs: number; signal?: AbortSignal; logEnds?: (keys: Key[], isolation?: Isolation) => Promise<Map<Key, number>> },
  ): Promise<FinalReadSummary>;
}

export type WorkloadName = "queue" | "txn";

/** The part of the test description (harness/config.ts) a workload reads. */
export interface WorkloadConfig {
  seed: number;
  client: ClientName;
  producer: ProducerSettings;
  consumer: ConsumerSettings;
  concurrency: number;
  /** History processes per producer (clients/sharing.ts); default 1. */
  processesPerClient?: number;
  workload: {
    name: WorkloadName;
    /** Transactional (also set by --workload txn). */
    txn: boolean;
    topics: number;
    partitions: number;
    replicationFactor: number;
    /** Topic-level config of the test topics (`--topic-config`), e.g. unclean.leader.election.enable. */
    topicConfig: Record<string, string>;
    /** Keys in use at once; older keys retire as new ones come in. */
    activeKeys: number;
    /** Sends per key before it retires. */
    sendsPerKey: number;
    /** txn: probability that a transaction aborts on purpose (`--abort-p`); default 0.1. */
    abortP?: number;
    /** txn: most micro-ops in one transaction (`--max-txn-length`); default 4. */
    maxTxnLength?: number;
    /** Probability that an op is a client crash (`--crash-p`); default 1/1000. */
    crashP?: number;
    /** Probability that an op re-assigns/re-subscribes (`--subscribe-p`, Jepsen's sub-p); default 1/64. */
    resubscribeP?: number;
    /** Jepsen's poll-unseen (`--poll-unseen`): a third of the assigns/subscribes also take the keys with unread sends. */
    pollUnseen?: boolean;
  };
}

export interface WorkloadOptions {
  /** Topic names are `<topicPrefix><i>`; default `t`. */
  topicPrefix?: string;
  /** Makes consumer group ids and transactional ids unique to this run; default from the clock. */
  tag?: string;
  /** The loaded client library (clients/library.ts); default: the bundled release of config.client. */
  library?: ClientLibrary;
  /** Clients run in client hosts these start (one per pod of the cluster), not in this process. */
  remote?: readonly ClientHostLauncher[];
  /** Hears what each client host said about itself when it came up. */
  onHost?: (info: HostInfo) => void;
  /** These topics instead of the workload's own (application mode reads back the application's topics). */
  topics?: TopicSpec[];
}

/** Final readers: one per worker, as in Jepsen, up to this many (each reads every key). */
export const MAX_FINAL_READERS = 8;

export function createWorkload(config: WorkloadConfig, bootstrap: string[], opts: WorkloadOptions = {}): Workload {
  const w = config.workload;
  const txn = w.name === "txn" || w.txn;
  const space = opts.topics ? keySpaceOfTopics(opts.topics) : keySpace({ topics: w.topics, partitions: w.partitions, replicationFactor: w.replicationFactor, prefix: opts.topicPrefix, config: w.topicConfig });
  const tag = opts.tag ?? `${config.seed}-${Date.now().toString(36)}`;
  const settings = { bootstrap, producer: config.producer, consumer: config.consumer, txn, keySpace: space, tag, concurrency: config.concurrency, processesPerClient: config.processesPerClient ?? 1 };
  const opTimeoutMs = Math.max(20_000, config.producer.requestTimeoutMs * 3, config.consumer.pollMs + GROUP_TIMING.rebalanceTimeout + 5000);
  const library = opts.library ?? bundledLibrary(config.client);
  const remote = opts.remote;
  const open = (s: ConfluentSettings): ClientFactory =>
    remote?.length ? remoteClients({ client: library.name, version: library.version, libraryDir: remote[0].libraryDir, settings: s }, remote, opts.onHost) : clientsOf(library, s);
  // Final readers assign (never subscribe) and never write.
  const readers = open({ ...settings, txn: false, consumer: { ...config.consumer, mode: "assign" } });
  return {
    name: txn ? "txn" : "queue",
    topics: space.topics,
    keys: space.keys,
    generator: () =>
      new KafkaGenerator({
        seed: config.seed,
        keys: space.keys,
        activeKeys: w.activeKeys,
        sendsPerKey: w.sendsPerKey,
        subscribeVia: consumerVias(config.consumer.mode),
        txn,
        abortP: w.abortP,
        maxTxnLength: w.maxTxnLength,
        crashP: w.crashP,
        resubscribeP: w.resubscribeP,
        pollUnseen: w.pollUnseen,
      }),
    clients: open(settings),
    opTimeoutMs,
    coordinated: (processes) => ({
      groups: [...new Set(processes.flatMap((p) => consumerVias(config.consumer.mode).map((m) => groupIdOf(settings, m, p))))],
      transactionalIds: txn ? [...new Set(processes.map((p) => transactionalIdOf(settings, p)))] : [],
    }),
    // Log ends are high watermarks (ListOffsets read_uncommitted), in transactional runs too: a
    // log that ends below an acknowledged offset lost it, whatever the isolation level. A
    // transactional run with read_committed readers also records the last stable offsets after
    // the reads: where those readers stop while a transaction is left open.
    finalReads: (history, ops, o) =>
      finalReads({ history, ops, clients: readers, readers: Math.min(config.concurrency, MAX_FINAL_READERS), deadlineMs: o.deadlineMs, signal: o.signal, opTimeoutMs, logEnds: o.logEnds, stableEnds: txn && config.consumer.isolation === "read_committed" }),
  };
}

export type { FinalReadSummary } from "./final-reads.ts";
