// Which kafkajs errors prove that a send wrote nothing (`fail`) and which leave the outcome
// unknown (`info`). The table is data; workloads/README.md explains it. Anything not listed here
// is `info`: calling a write failed when it may have happened would make the checkers blame
// Kafka for a lost write that never was, or miss one that was.

import type { ErrorRule } from "../types.ts";

export type { Definite, ErrorRule } from "../types.ts";

/** Errors (kafkajs protocol `type`, or kafkajs error `name`) that can make a send `fail`. */
export const DEFINITE_SEND_ERRORS: Readonly<Record<string, ErrorRule>> = {
  MESSAGE_TOO_LARGE: { definite: "always", why: "record size is validated before the append" },
  RECORD_LIST_TOO_LARGE: { definite: "always", why: "batch size is validated before the append" },
  INVALID_RECORD: { definite: "always", why: "record validation happens before the append" },
  INVALID_TOPIC_EXCEPTION: { definite: "always", why: "the topic name is invalid; nothing can be appended to it" },
  INVALID_REQUIRED_ACKS: { definite: "always", why: "the request is rejected before it reaches the log" },
  UNSUPPORTED_FOR_MESSAGE_FORMAT: { definite: "always", why: "the record format is rejected before the append" },
  TOPIC_AUTHORIZATION_FAILED: { definite: "always", why: "authorization precedes the append (ACLs do not change during a test)" },
  NOT_ENOUGH_REPLICAS: { definite: "single-attempt", why: "with acks=all the leader checks ISR ≥ min.insync.replicas before appending" },
  CORRUPT_MESSAGE: { definite: "single-attempt", why: "the CRC is checked before the append, but corruption may differ between attempts" },
  KafkaJSMetadataNotLoaded: { definite: "single-attempt", why: "raised by the client before any produce request is sent" },
  KafkaJSTopicMetadataNotLoaded: { definite: "single-attempt", why: "raised by the client before any produce request is sent" },
  KafkaJSBrokerNotFound: { definite: "single-attempt", why: "no broker to send the request to" },
  AdapterPrecondition: { definite: "always", why: "raised by the adapter before it called Kafka at all" },
};

/**
 * Notable errors that are NOT definite, with the reason (documentation, and checked by the tests
 * so nobody moves them into the table above by accident).
 */
export const INDEFINITE_SEND_ERRORS: Readonly<Record<string, string>> = {
  NOT_LEADER_FOR_PARTITION:
    "NotLeaderOrFollower: the leader may have appended the record and then lost leadership while waiting for acks; the record can survive on the new leader (KAFKA-13574)",
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: "the record is in the leader's log; it may still be replicated and survive",
  REQUEST_TIMED_OUT: "the broker gave up waiting for replication acks after appending",
  UNKNOWN_TOPIC_OR_PARTITION: "also returned after the append when the partition moves away while waiting for acks",
  KAFKA_STORAGE_ERROR: "the log dir failed, possibly part-way through the append",
  OUT_OF_ORDER_SEQUENCE_NUMBER: "idempotent producer: may follow an earlier attempt whose outcome is unknown",
  INVALID_PRODUCER_EPOCH: "may follow an earlier attempt whose outcome is unknown",
  KafkaJSRequestTimeoutError: "the client stopped waiting; the request may have been processed",
  KafkaJSConnectionError: "the connection failed; the request may have been sent",
  KafkaJSConnectionClosedError: "the connection closed with the request in flight",
  KafkaJSNumberOfRetriesExceeded: "several attempts: any earlier one may have written the record, whatever the last one said",
  KafkaJSLockTimeout: "the client's broker lock timed out; a request may be in flight",
};

/** Raised by an adapter before anything reached Kafka: always definite. */
export class AdapterPrecondition extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdapterPrecondition";
  }
}

interface KafkaJsLikeError {
  name?: string;
  type?: string;
  message?: string;
  cause?: unknown;
  retryCount?: number;
}

/** The innermost cause of a (possibly wrapped) kafkajs error, and how many attempts it took, when known. */
export function unwrap(err: unknown): { root: KafkaJsLikeError; attempts: number | undefined } {
  let cur = (err ?? {}) as KafkaJsLikeError;
  let attempts: number | undefined;
  let unknownAttempts = false;
  for (let depth = 0; depth < 10; depth++) {
    if (cur.name === "KafkaJSNumberOfRetriesExceeded") {
      if (attempts === undefined && !unknownAttempts && typeof cur.retryCount === "number") attempts = cur.retryCount + 1;
    } else if (cur.name === "KafkaJSNonRetriableError" && cur.cause) {
      // Wrapped by the retrier after an attempt we cannot number.
      unknownAttempts = true;
    }
    const next = cur.cause as KafkaJsLikeError | undefined;
    if (!next || next === cur || typeof next !== "object") break;
    cur = next;
  }
  return { root: cur, attempts: unknownAttempts ? undefined : attempts };
}

/** The code an error is known by in the tables: the protocol error type, else the error's name. */
export const codeOf = (e: KafkaJsLikeError): string => e.type ?? e.name ?? "Error";

/** A short description for the history's `error` field: `CODE: message` (attempts if several). */
export function describeKafkaError(err: unknown): string {
  const { root, attempts } = unwrap(err);
  const code = codeOf(root);
  const msg = (root.message ?? String(err)).replace(/\s+/g, " ").slice(0, 200);
  return `${code}${attempts && attempts > 1 ? ` (after ${attempts} attempts)` : ""}: ${msg}`;
}

/**
 * A failed send: `fail` when the table proves nothing was written, else `info`.
 * A raw (unwrapped) error counts as one attempt only for `always` rules; kafkajs surfaces
 * non-retriable errors unwrapped whatever attempt they came from.
 */
export function classifySendError(err: unknown): { type: "fail" | "info"; error: string } {
  const { root, attempts } = unwrap(err);
  const rule = DEFINITE_SEND_ERRORS[codeOf(root)];
  const definite = rule !== undefined && (rule.definite === "always" || attempts === 1);
  return { type: definite ? "fail" : "info", error: describeKafkaError(err) };
}
