// Which librdkafka errors prove that a send wrote nothing (`fail`) and which leave the outcome
// unknown (`info`), for @confluentinc/kafka-javascript. The table is data; workloads/README.md
// explains it. Anything not listed here is `info`: calling a write failed when it may have
// happened would make the checkers blame Kafka for a lost write that never was, or miss one.
//
// A send's outcome comes from its delivery report, after librdkafka's own retries (up to
// `retries` more attempts within `message.timeout.ms`). librdkafka knows whether a failed message
// was possibly persisted, but the binding does not pass that on: only the error code is known.
// No native code is loaded here (errors.test.ts checks the codes against the library).

import type { ErrorRule } from "../types.ts";

export type { Definite, ErrorRule } from "../types.ts";

/** librdkafka error codes named in the tables (librdkafka 2.15.1, `CODES.ERRORS`). */
export const RD_CODES = {
  ERR_INVALID_MSG: 2,
  ERR_UNKNOWN_TOPIC_OR_PART: 3,
  ERR_NOT_LEADER_FOR_PARTITION: 6,
  ERR_REQUEST_TIMED_OUT: 7,
  ERR_MSG_SIZE_TOO_LARGE: 10,
  ERR_TOPIC_EXCEPTION: 17,
  ERR_RECORD_LIST_TOO_LARGE: 18,
  ERR_NOT_ENOUGH_REPLICAS: 19,
  ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  ERR_INVALID_REQUIRED_ACKS: 21,
  ERR_TOPIC_AUTHORIZATION_FAILED: 29,
  ERR_INVALID_TIMESTAMP: 32,
  ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  ERR_INVALID_PRODUCER_EPOCH: 47,
  ERR_KAFKA_STORAGE_ERROR: 56,
  ERR_UNKNOWN_PRODUCER_ID: 59,
  ERR_INVALID_RECORD: 87,
  ERR__DESTROY: -197,
  ERR__TRANSPORT: -195,
  ERR__MSG_TIMED_OUT: -192,
  ERR__UNKNOWN_PARTITION: -190,
  ERR__UNKNOWN_TOPIC: -188,
  ERR__INVALID_ARG: -186,
  ERR__TIMED_OUT: -185,
  ERR__QUEUE_FULL: -184,
  ERR__ASSIGN_PARTITIONS: -175,
  ERR__REVOKE_PARTITIONS: -174,
  ERR__TIMED_OUT_QUEUE: -166,
  ERR__PURGE_QUEUE: -152,
  ERR__PURGE_INFLIGHT: -151,
  ERR__FATAL: -150,
  ERR__FENCED: -144,
} as const;

export type RdCodeName = keyof typeof RD_CODES;

/** Delivery-report errors that can make a send `fail`. */
export const DEFINITE_SEND_ERRORS: Readonly<Partial<Record<RdCodeName, ErrorRule>>> = {
  ERR_MSG_SIZE_TOO_LARGE: { definite: "always", why: "record size is validated before the append (by librdkafka against message.max.bytes, or by the broker)" },
  ERR_RECORD_LIST_TOO_LARGE: { definite: "always", why: "batch size is validated before the append" },
  ERR_INVALID_RECORD: { definite: "always", why: "record validation happens before the append" },
  ERR_TOPIC_EXCEPTION: { definite: "always", why: "the topic name is invalid; nothing can be appended to it" },
  ERR_INVALID_REQUIRED_ACKS: { definite: "always", why: "the request is rejected before it reaches the log" },
  ERR_INVALID_TIMESTAMP: { definite: "always", why: "the timestamp is validated before the append" },
  ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT: { definite: "always", why: "the record format is rejected before the append" },
  ERR_TOPIC_AUTHORIZATION_FAILED: { definite: "always", why: "authorization precedes the append (ACLs do not change during a test)" },
  ERR__INVALID_ARG: { definite: "always", why: "librdkafka rejected the message locally; it was never sent" },
  ERR__QUEUE_FULL: { definite: "always", why: "librdkafka's queue refused the message; it was never enqueued" },
  ERR_NOT_ENOUGH_REPLICAS: { definite: "single-attempt", why: "with acks=all the leader checks ISR ≥ min.insync.replicas before appending" },
  ERR_INVALID_MSG: { definite: "single-attempt", why: "CORRUPT_MESSAGE: the CRC is checked before the append, but corruption may differ between attempts" },
  ERR__PURGE_QUEUE: { definite: "single-attempt", why: "purged from librdkafka's queue before this attempt was sent; a retried message is queued again after an earlier attempt" },
};

/**
 * Notable errors that are NOT definite, with the reason (documentation, and checked by the tests
 * so nobody moves them into the table above by accident).
 */
export const INDEFINITE_SEND_ERRORS: Readonly<Partial<Record<RdCodeName, string>>> = {
  ERR__MSG_TIMED_OUT:
    "message.timeout.ms ran out, possibly with an attempt in flight or after one whose response was lost: the record may be in the log (librdkafka's persistence status is not exposed by the binding)",
  ERR_NOT_LEADER_FOR_PARTITION:
    "NotLeaderOrFollower: the leader may have appended the record and then lost leadership while waiting for acks; the record can survive on the new leader (KAFKA-13574)",
  ERR_REQUEST_TIMED_OUT: "the broker gave up waiting for replication acks after appending",
  ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: "the record is in the leader's log; it may still be replicated and survive",
  ERR_UNKNOWN_TOPIC_OR_PART: "also returned after the append when the partition moves away while waiting for acks",
  ERR_KAFKA_STORAGE_ERROR: "the log dir failed, possibly part-way through the append",
  ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: "idempotent producer: follows an earlier attempt whose outcome is unknown",
  ERR_INVALID_PRODUCER_EPOCH: "may follow an earlier attempt whose outcome is unknown",
  ERR_UNKNOWN_PRODUCER_ID: "the producer's state expired on the broker; earlier attempts may have been written",
  ERR__TRANSPORT: "the connection failed with the request possibly sent",
  ERR__TIMED_OUT: "librdkafka stopped waiting for the response; the request may have been processed",
  ERR__TIMED_OUT_QUEUE: "timed out in librdkafka's queue, possibly after an earlier attempt",
  ERR__PURGE_INFLIGHT: "purged while the request was in flight",
  ERR__DESTROY: "the client was destroyed with the message outstanding",
  ERR__FATAL: "the idempotent/transactional producer hit a fatal error; outstanding messages' fate is unknown",
  ERR__FENCED: "fenced by a newer producer; an earlier attempt may have been written",
  ERR__UNKNOWN_PARTITION: "in a delivery report (not thrown by produce): librdkafka also fails queued, possibly retried, messages when metadata says the partition is gone",
  ERR__UNKNOWN_TOPIC: "in a delivery report (not thrown by produce): as ERR__UNKNOWN_PARTITION",
};

/** A librdkafka error as the binding reports it (LibrdKafkaError), or any other thrown value. */
export interface RdErrorLike {
  name?: string;
  code?: number;
  message?: string;
  isFatal?: boolean;
  isRetriable?: boolean;
  isTxnRequiresAbort?: boolean;
}

/**
 * The message never reached librdkafka's queue (produce() threw), or the adapter gave up before
 * calling Kafka at all (no connection, no consumer): always definite.
 */
export class NotSent extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NotSent";
  }
}

const names = new Map<number, string>(Object.entries(RD_CODES).map(([n, c]) => [c, n]));

/** Adds the library's full code table (client.ts does, with `CODES.ERRORS`), for describing errors. */
export function registerCodeNames(codes: Record<string, number>): void {
  for (const [n, c] of Object.entries(codes)) if (!names.has(c)) names.set(c, n);
}

/** The librdkafka name of a code, e.g. `ERR__MSG_TIMED_OUT`; `ERR_<code>` when unknown. */
export const codeName = (code: number): string => names.get(code) ?? `ERR_${code}`;

/** A short description for the history's `error` field: `NAME: message` (`fatal` when so). */
export function describeRdError(err: unknown): string {
  const e = (err ?? {}) as RdErrorLike;
  const code = typeof e.code === "number" && !(err instanceof NotSent) ? codeName(e.code) : (e.name ?? "Error");
  const msg = (e.message ?? String(err)).replace(/\s+/g, " ").slice(0, 200);
  return `${code}${e.isFatal ? " (fatal)" : ""}: ${msg}`;
}

/**
 * A send that failed, from its delivery report or thrown by produce(): `fail` when the table
 * proves nothing was written, else `info`. `singleAttempt`: librdkafka makes one attempt at most
 * (`retries` 0 and not idempotent), so `single-attempt` rules apply.
 */
export function classifySendError(err: unknown, o: { singleAttempt: boolean }): { type: "fail" | "info"; error: string } {
  const error = describeRdError(err);
  if (err instanceof NotSent) return { type: "fail", error };
  const code = (err as RdErrorLike | undefined)?.code;
  const rule = typeof code === "number" ? DEFINITE_SEND_ERRORS[names.get(code) as RdCodeName] : undefined;
  const definite = rule !== undefined && (rule.definite === "always" || o.singleAttempt);
  return { type: definite ? "fail" : "info", error };
}
