// What the recording layer needs to know about each client library it wraps: how a send's error
// is sorted (the client's own error table), and where a consumer tells of its group joins and its
// commits. kafkajs and @confluentinc/kafka-javascript's KafkaJS-compatible API (`KafkaJS` of that
// package) share the shapes of send, transactions and run(); they differ here.
//
// - kafkajs: instrumentation events on the consumer (GROUP_JOIN, COMMIT_OFFSETS), hooked when the
//   consumer is wrapped.
// - confluent: no events on the consumer (`on` is not implemented); its librdkafka client, there
//   once the consumer is connected, emits `rebalance` (an assignment) and `offset.commit` (the
//   result of every commit, auto or not), hooked when run() is called.
import { classifySendError as kafkajsClassify, describeKafkaError } from "../../clients/kafkajs/errors.ts";
import { classifySendError as confluentClassify, describeRdError } from "../../clients/confluent/errors.ts";
import { formatKey, type Key } from "../../core/history/op.ts";

export interface ConsumerEvents {
  /** The group gave this consumer these partitions. */
  joined(keys: Key[]): void;
  /** The coordinator acknowledged a commit: the next offset to consume per key. */
  committed(offsets: Record<Key, number>): void;
}

export interface ClientFlavour {
  name: "kafkajs" | "confluent";
  classifySend(err: unknown): { type: "fail" | "info"; error: string };
  /** A short description of an error, for an op's `error`. */
  describe(err: unknown): string;
  /** Hooks the consumer's events; `when` is the moment it is called at: wrapping, or run() (connected by then). */
  watch(consumer: object, when: "wrap" | "run", on: ConsumerEvents): void;
}

interface KafkajsEvents {
  events: { GROUP_JOIN: string; COMMIT_OFFSETS: string };
  on(event: string, listener: (e: { payload: Record<string, unknown> }) => void): unknown;
}

const kafkajs: ClientFlavour = {
  name: "kafkajs",
  classifySend: kafkajsClassify,
  describe: describeKafkaError,
  watch(consumer, when, on) {
    if (when !== "wrap") return;
    const c = consumer as KafkajsEvents;
    c.on(c.events.GROUP_JOIN, (e) => {
      const assigned = e.payload.memberAssignment as Record<string, number[]>;
      on.joined(Object.entries(assigned).flatMap(([topic, ps]) => ps.map((p) => formatKey(topic, p))));
    });
    // Emitted once the coordinator acknowledged the commit: committed by then, perhaps a little earlier.
    c.on(c.events.COMMIT_OFFSETS, (e) => {
      const committed: Record<Key, number> = {};
      for (const t of e.payload.topics as { topic: string; partitions: { partition: number | string; offset: string }[] }[]) {
        for (const { partition, offset } of t.partitions) committed[formatKey(t.topic, Number(partition))] = Number(offset);
      }
      on.committed(committed);
    });
  },
};

interface RdTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
  error?: unknown;
}
interface RdEvents {
  on(event: "rebalance", listener: (err: { code?: number } | null, assignment: RdTopicPartition[]) => void): unknown;
  on(event: "offset.commit", listener: (err: unknown, offsets: RdTopicPartition[]) => void): unknown;
}

/** librdkafka's ERR__ASSIGN_PARTITIONS: the rebalance event that gives partitions. */
const RD_ASSIGN = -175;

const confluent: ClientFlavour = {
  name: "confluent",
  // Its producer retries (librdkafka's own) unless told otherwise: the single-attempt rules do not apply.
  classifySend: (err) => confluentClassify(err, { singleAttempt: false }),
  describe: describeRdError,
  watch(consumer, when, on) {
    if (when !== "run") return;
    const rd = (consumer as { _getInternalClient(): RdEvents })._getInternalClient();
    // With the eager protocol an assignment is the whole of it; with cooperative-sticky, what was added.
    rd.on("rebalance", (err, assignment) => {
      if (err?.code === RD_ASSIGN) on.joined(assignment.map((tp) => formatKey(tp.topic, tp.partition)));
    });
    rd.on("offset.commit", (err, offsets) => {
      if (err) return;
      const committed: Record<Key, number> = {};
      for (const tp of offsets ?? []) if (!tp.error && typeof tp.offset === "number" && tp.offset >= 0) committed[formatKey(tp.topic, tp.partition)] = tp.offset;
      on.committed(committed);
    });
  },
};

/** The flavour of a wrapped client: confluent's KafkaJS-compatible clients reach their librdkafka client through _getInternalClient. */
export function flavourOf(client: object): ClientFlavour {
  return typeof (client as { _getInternalClient?: unknown })._getInternalClient === "function" ? confluent : kafkajs;
}

/**
 * A proxy of `target` where `overrides` replace some properties and every other method is bound
 * to the target itself: confluent's clients keep their state in private fields, which a method
 * called on a proxy cannot read.
 */
export function overlay<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const v = Reflect.get(t, prop, t) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
