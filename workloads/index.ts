// The workloads' public surface, called by harness/run.ts:
//
//   const w = createWorkload(config, cluster.bootstrap);
//   await cluster.createTopics(w.topics);
//   await runPhase({ generator: w.generator(), clients: w.clients, opTimeoutMs: w.opTimeoutMs, ... });
//   ... heal, recovery wait ...
//   await w.finalReads(history, ops, { deadlineMs: Date.now() + config.finalTimeLimitSeconds * 1000, signal });
//
// `queue`: single sends of unique increasing integers per key, and polls. `txn`: transactional
// sends across keys (some aborted on purpose), read_committed polls, and poll-then-send
// transactions that commit the consumer's offsets inside the transaction. Both: assign or
// subscribe consumers that re-assign/re-subscribe now and then, and client crashes.
// Keys are topic-partitions, "<prefix><i>/<p>" (./keys.ts). Clients: kafkajs, or confluent
// (@confluentinc/kafka-javascript, librdkafka), chosen by config.client. See README.md.
import type { TopicSpec } from "../harness/cluster/admin.ts";
import type { ClientName, TestConfig } from "../harness/config.ts";
import { KafkaGenerator, type OpGenerator } from "../harness/generator.ts";
import type { Key, Op } from "../harness/history/op.ts";
import type { HistorySink } from "../harness/interpreter.ts";
import { finalReads, type FinalReadSummary } from "./final-reads.ts";
import { keySpace } from "./keys.ts";
import type { ConfluentSettings } from "./confluent/client.ts";
import { KcError } from "../harness/errors.ts";
import { kafkajsClients } from "./kafkajs/client.ts";
import { GROUP_TIMING } from "./kafkajs/polling-consumer.ts";
import type { ClientFactory } from "./types.ts";

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
  /** Final reads: records `assign` (seek-to-beginning) and `poll` ops into `history`. */
  finalReads(
    history: HistorySink,
    ops: readonly Op[],
    opts: { deadlineMs: number; signal?: AbortSignal; logEnds?: (keys: Key[]) => Promise<Map<Key, number>> },
  ): Promise<FinalReadSummary>;
}

export interface WorkloadOptions {
  /** Topic names are `<topicPrefix><i>`; default `t`. */
  topicPrefix?: string;
  /** Makes consumer group ids and transactional ids unique to this run; default from the clock. */
  tag?: string;
}

export function createWorkload(config: TestConfig, bootstrap: string[], opts: WorkloadOptions = {}): Workload {
  const w = config.workload;
  const txn = w.name === "txn" || w.txn;
  const space = keySpace({ topics: w.topics, partitions: w.partitions, replicationFactor: w.replicationFactor, prefix: opts.topicPrefix, config: w.topicConfig });
  const tag = opts.tag ?? `${config.seed}-${Date.now().toString(36)}`;
  const settings = { bootstrap, producer: config.producer, consumer: config.consumer, txn, keySpace: space, tag, concurrency: config.concurrency };
  const opTimeoutMs = Math.max(20_000, config.producer.requestTimeoutMs * 3, config.consumer.pollMs + GROUP_TIMING.rebalanceTimeout + 5000);
  // Final readers assign (never subscribe) and never write.
  const readers = clientsOf(config.client, { ...settings, txn: false, consumer: { ...config.consumer, mode: "assign" } });
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
        subscribeVia: config.consumer.mode,
        txn,
      }),
    clients: clientsOf(config.client, settings),
    opTimeoutMs,
    // Log ends come from ListOffsets, which answers the last stable offset: below the high
    // watermark while a transaction is open, which read_committed readers would wait out. So
    // transactional runs read up to the acknowledged offsets.
    finalReads: (history, ops, o) =>
      finalReads({ history, ops, clients: readers, deadlineMs: o.deadlineMs, signal: o.signal, opTimeoutMs, logEnds: txn ? undefined : o.logEnds }),
  };
}

/**
 * Fails fast, before a cluster is started, when the chosen client library cannot be loaded
 * (`@confluentinc/kafka-javascript` is an optional dependency with a native build).
 */
export async function assertClientAvailable(client: ClientName): Promise<void> {
  if (client === "kafkajs") return;
  try {
    await import("./confluent/native.ts");
  } catch (err) {
    throw new KcError("KC_CLIENT_MISSING", `--client confluent needs @confluentinc/kafka-javascript, which is not installed or does not load (${(err as Error).message.split("\n")[0]})`, {
      hint: "install Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev, then `CKJS_LINKING=dynamic npm ci` (as .ci/run does), or use --client kafkajs",
      cause: err,
    });
  }
}

/**
 * The client factory of a Kafka client library. The confluent adapter (a native module) is loaded
 * on first use, so that a missing or broken native build affects only `--client confluent`.
 */
function clientsOf(client: ClientName, settings: ConfluentSettings): ClientFactory {
  if (client === "kafkajs") return kafkajsClients(settings);
  let factory: Promise<ClientFactory> | undefined;
  return {
    open: async (process) => {
      factory ??= import("./confluent/client.ts").then((m) => m.confluentClients(settings));
      return (await factory).open(process);
    },
  };
}

export type { FinalReadSummary } from "./final-reads.ts";
export type { Client, ClientFactory, Completion, Invocation } from "./types.ts";
