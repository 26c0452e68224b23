// Which exceptions of the Java client (kafka-clients) prove that a send wrote nothing (`fail`),
// and which leave the outcome unknown (`info`), by the simple class name of the root cause the
// sidecar reports (ExecutionException unwrapped). Anything not listed is `info`.
import type { ErrorRule } from "../types.ts";

export const DEFINITE_SEND_ERRORS: Readonly<Record<string, ErrorRule>> = {
  RecordTooLargeException: { definite: "always", why: "record size is validated before the append (by the producer against max.request.size, or by the broker)" },
  RecordBatchTooLargeException: { definite: "always", why: "batch size is validated before the append" },
  InvalidTopicException: { definite: "always", why: "the topic name is invalid; nothing can be appended to it" },
  TopicAuthorizationException: { definite: "always", why: "authorization precedes the append (ACLs do not change during a test)" },
  SerializationException: { definite: "always", why: "the record failed to serialize in the producer; it was never sent" },
  UnknownTopicOrPartitionException: { definite: "single-attempt", why: "with one attempt: the producer never had metadata for the partition, so nothing was sent" },
  NotEnoughReplicasException: { definite: "single-attempt", why: "with acks=all the leader checks ISR ≥ min.insync.replicas before appending" },
  CorruptRecordException: { definite: "single-attempt", why: "the CRC is checked before the append, but corruption may differ between attempts" },
  InvalidRecordException: { definite: "single-attempt", why: "record validation happens before the append" },
  AdapterPrecondition: { definite: "always", why: "raised by the adapter before it called Kafka at all" },
};

/** Notable exceptions that are NOT definite, with the reason (checked by the tests). */
export const INDEFINITE_SEND_ERRORS: Readonly<Record<string, string>> = {
  TimeoutException: "delivery.timeout.ms ran out, possibly with an attempt in flight or after one whose response was lost",
  NotLeaderOrFollowerException: "the leader may have appended the record and then lost leadership while waiting for acks (KAFKA-13574)",
  NotEnoughReplicasAfterAppendException: "the record is in the leader's log; it may still be replicated and survive",
  NetworkException: "the connection failed with the request in flight",
  DisconnectException: "the connection closed with the request in flight",
  KafkaStorageException: "the log dir failed, possibly part-way through the append",
  OutOfOrderSequenceException: "idempotent producer: may follow an earlier attempt whose outcome is unknown",
  InvalidProducerEpochException: "may follow an earlier attempt whose outcome is unknown",
  ProducerFencedException: "a newer producer with the transactional id took over; the fenced one may have written before",
  KafkaException: "a generic client error (e.g. the producer was closed with the record outstanding)",
};

/** An error the sidecar reported: the root cause's class name and message. */
export class JavaError extends Error {
  readonly className: string;
  constructor(className: string, message: string) {
    super(message);
    this.name = className;
    this.className = className;
  }
}

export class AdapterPrecondition extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdapterPrecondition";
  }
}

/** `ClassName: message` for the history's `error` field. */
export function describeJavaError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? "Error"}: ${String(e?.message ?? err).replace(/\s+/g, " ").slice(0, 200)}`;
}

/** A failed send: `fail` when the table proves nothing was written, else `info`. `singleAttempt`: retries 0 and not idempotent. */
export function classifySendError(err: unknown, o: { singleAttempt: boolean }): { type: "fail" | "info"; error: string } {
  const rule = DEFINITE_SEND_ERRORS[(err as { name?: string })?.name ?? ""];
  const definite = rule !== undefined && (rule.definite === "always" || o.singleAttempt);
  return { type: definite ? "fail" : "info", error: describeJavaError(err) };
}
