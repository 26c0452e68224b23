// The history format of docs/design.md as TypeScript types: the contract between the
// workloads that write histories, the checkers that read them and the report that shows them.

/** The error code of a history that breaks this format (reader.ts, jepsen.ts). */
export const HISTORY_MALFORMED = "KC_HISTORY_MALFORMED";

/** `"invoke"` starts an op; `ok` happened, `fail` definitely did not, `info` unknown. */
export type OpType = "invoke" | "ok" | "fail" | "info";

/** A key names one Kafka topic-partition, e.g. `"t3/1"` (topic `t3`, partition 1). */
export type Key = string;

/** `[offset, value]` as read by a poll or acknowledged by a send. */
export type OffsetValue = [offset: number, value: number];

/** `["send", key, value]` (invocation, or completion without offset) or `["send", key, [offset, value]]`. */
export type SendMop = ["send", Key, number | OffsetValue];
/** `["poll"]` (invocation) or `["poll", {key: [[offset, value], ...]}]` (completion). */
export type PollMop = ["poll"] | ["poll", Record<Key, OffsetValue[]>];
export type Mop = SendMop | PollMop;

/** Client functions; nemesis ops carry any other function name (e.g. `"start-partition"`). */
export type ClientF = "send" | "poll" | "txn" | "assign" | "subscribe" | "crash";

export interface Op {
  index: number;
  /** Nanoseconds since the test started (monotonic clock). */
  time: number;
  process: number | "nemesis";
  type: OpType;
  f: string;
  /** Micro-ops for send/poll/txn; key list for assign/subscribe; free-form for nemesis ops. */
  value: unknown;
  error?: string;
  [extra: string]: unknown;
}

export const isClientProcess = (op: Op): op is Op & { process: number } => typeof op.process === "number";

/** Splits a key "topic/partition" into its parts. */
export function parseKey(key: Key): { topic: string; partition: number } {
  const slash = key.lastIndexOf("/");
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}

export const formatKey = (topic: string, partition: number): Key => `${topic}/${partition}`;
