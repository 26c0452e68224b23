// The send-error table against real kafkajs errors, wrapped by kafkajs' own retrier exactly as
// producer.send wraps them.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { AdapterPrecondition, classifySendError, DEFINITE_SEND_ERRORS, INDEFINITE_SEND_ERRORS, unwrap } from "./errors.ts";

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require("kafkajs/src/protocol/error.js") as { createErrorFromCode: (code: number) => Error & { type: string; retriable: boolean } };
const createRetry = require("kafkajs/src/retry/index.js") as (o: object) => (fn: (bail: (e: Error) => void) => Promise<unknown>) => Promise<unknown>;
// The runtime classes (their constructors take more than kafkajs' typings say).
type ErrorClass = new (...args: unknown[]) => Error;
const { KafkaJSConnectionError, KafkaJSMetadataNotLoaded, KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError, KafkaJSRequestTimeoutError } = require("kafkajs/src/errors.js") as Record<string, ErrorClass>;

const CODE = {
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TOPIC_EXCEPTION: 17,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_PRODUCER_EPOCH: 47,
};

/**
 * What producer.send throws when every attempt fails with `err`: kafkajs' retrier, with the
 * same bail-on-non-retriable logic as its sendMessages.
 */
async function thrownBySend(err: () => Error & { retriable?: boolean }, retries: number): Promise<unknown> {
  const retrier = createRetry({ retries, initialRetryTime: 1, maxRetryTime: 2 });
  try {
    await retrier(async (bail) => {
      const e = err();
      if (e.retriable === false) bail(e);
      else throw e;
    });
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

const protocol = (code: number) => () => createErrorFromCode(code);

describe("classifySendError", () => {
  it("fails records the broker rejects the same way on every attempt", async () => {
    for (const code of [CODE.MESSAGE_TOO_LARGE, CODE.INVALID_TOPIC_EXCEPTION]) {
      const e = await thrownBySend(protocol(code), 5);
      expect(classifySendError(e).type).toBe("fail");
    }
  });

  it("fails NOT_ENOUGH_REPLICAS only when there was a single attempt", async () => {
    const once = await thrownBySend(protocol(CODE.NOT_ENOUGH_REPLICAS), 0);
    expect(once).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect(unwrap(once).attempts).toBe(1);
    expect(classifySendError(once)).toMatchObject({ type: "fail", error: expect.stringMatching(/^NOT_ENOUGH_REPLICAS: /) });
    // With retries, an earlier attempt (e.g. one that timed out) may have written the record.
    const retried = await thrownBySend(protocol(CODE.NOT_ENOUGH_REPLICAS), 3);
    expect(unwrap(retried).attempts).toBe(4);
    expect(classifySendError(retried)).toMatchObject({ type: "info", error: expect.stringMatching(/^NOT_ENOUGH_REPLICAS \(after 4 attempts\)/) });
  });

  it("never fails NotLeaderOrFollower (KAFKA-13574), timeouts, or errors after the append", async () => {
    for (const code of [CODE.NOT_LEADER_OR_FOLLOWER, CODE.REQUEST_TIMED_OUT, CODE.NOT_ENOUGH_REPLICAS_AFTER_APPEND, CODE.UNKNOWN_TOPIC_OR_PARTITION]) {
      for (const retries of [0, 3]) expect(classifySendError(await thrownBySend(protocol(code), retries)).type).toBe("info");
    }
  });

  it("never fails disconnects, client-side request timeouts or unknown errors", async () => {
    const cases: (() => Error)[] = [
      () => new KafkaJSConnectionError("Connection error: ECONNREFUSED", { broker: "127.0.0.1:1" }),
      () => new KafkaJSRequestTimeoutError("Request Produce(key: 0, version: 7) timed out", { broker: "127.0.0.1:1" }),
      () => new Error("something else"),
    ];
    for (const c of cases) for (const retries of [0, 2]) expect(classifySendError(await thrownBySend(c, retries)).type).toBe("info");
    expect(classifySendError(new TypeError("x")).type).toBe("info");
    expect(classifySendError(undefined).type).toBe("info");
  });

  it("does not trust a non-retriable error whose attempt number is unknown", async () => {
    // kafkajs bails with the raw error, whichever attempt it came from.
    const e = await thrownBySend(protocol(CODE.INVALID_PRODUCER_EPOCH), 5);
    expect(classifySendError(e).type).toBe("info");
    const wrapped = new KafkaJSNonRetriableError(createErrorFromCode(CODE.NOT_ENOUGH_REPLICAS), { cause: createErrorFromCode(CODE.NOT_ENOUGH_REPLICAS) });
    expect(classifySendError(wrapped).type).toBe("info");
  });

  it("fails client-side errors raised before any request, on a single attempt", async () => {
    const e = await thrownBySend(() => new KafkaJSMetadataNotLoaded("Producing to topic without metadata"), 0);
    expect(classifySendError(e).type).toBe("fail");
    expect(classifySendError(new AdapterPrecondition("producer could not connect")).type).toBe("fail");
  });

  it("keeps the documented indefinite errors out of the definite table", () => {
    for (const code of Object.keys(INDEFINITE_SEND_ERRORS)) expect(DEFINITE_SEND_ERRORS[code]).toBeUndefined();
    expect(INDEFINITE_SEND_ERRORS.NOT_LEADER_FOR_PARTITION).toMatch(/KAFKA-13574/);
  });
});
