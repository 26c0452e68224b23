// The librdkafka send-error table, against the library's own codes and error objects (the
// LibrdKafkaError a delivery report or a throwing produce() carries).
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { bundledLibrary } from "../library.ts";
import { classifySendError, codeName, DEFINITE_SEND_ERRORS, describeRdError, INDEFINITE_SEND_ERRORS, NotSent, RD_CODES, registerCodeNames, type RdCodeName } from "./errors.ts";
import type { RdKafka } from "./consumer.ts";

const rdkafka = bundledLibrary("confluent").module as RdKafka;
registerCodeNames(rdkafka.CODES.ERRORS as unknown as Record<string, number>);

const require = createRequire(import.meta.url);
const LibrdKafkaError = require("@confluentinc/kafka-javascript/lib/error.js") as { create(e: number | object): Error & { code: number } };

/** The error object of a delivery report with this code (the binding passes the bare code). */
const report = (name: RdCodeName) => LibrdKafkaError.create(RD_CODES[name]);
const many = { singleAttempt: false };
const once = { singleAttempt: true };

describe("the librdkafka send-error table", () => {
  it("names codes as the installed librdkafka does", () => {
    const codes = rdkafka.CODES.ERRORS as unknown as Record<string, number>;
    for (const [name, code] of Object.entries(RD_CODES)) expect(codes[name], name).toBe(code);
    expect(codeName(-192)).toBe("ERR__MSG_TIMED_OUT");
    // Names beyond the table come from the library (the adapter registers them when it opens clients).
    expect(codeName(codes.ERR_COORDINATOR_NOT_AVAILABLE)).toBe("ERR_COORDINATOR_NOT_AVAILABLE");
  });

  it("fails records rejected the same way on every attempt (size, validation, ERR_INVALID_*)", () => {
    for (const name of ["ERR_MSG_SIZE_TOO_LARGE", "ERR_INVALID_RECORD", "ERR_INVALID_REQUIRED_ACKS", "ERR_INVALID_TIMESTAMP", "ERR_TOPIC_EXCEPTION", "ERR_RECORD_LIST_TOO_LARGE"] as const) {
      for (const o of [once, many]) expect(classifySendError(report(name), o).type, name).toBe("fail");
    }
    expect(classifySendError(report("ERR_MSG_SIZE_TOO_LARGE"), many).error).toMatch(/^ERR_MSG_SIZE_TOO_LARGE: /);
  });

  it("never fails a message timeout, NotLeaderOrFollower (KAFKA-13574) or errors after the append", () => {
    for (const name of ["ERR__MSG_TIMED_OUT", "ERR_NOT_LEADER_FOR_PARTITION", "ERR_REQUEST_TIMED_OUT", "ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND", "ERR_UNKNOWN_TOPIC_OR_PART"] as const) {
      for (const o of [once, many]) expect(classifySendError(report(name), o).type, name).toBe("info");
    }
    expect(classifySendError(report("ERR__MSG_TIMED_OUT"), once).error).toMatch(/^ERR__MSG_TIMED_OUT: .*timed out/i);
  });

  it("fails NOT_ENOUGH_REPLICAS and CORRUPT_MESSAGE only when librdkafka made a single attempt", () => {
    for (const name of ["ERR_NOT_ENOUGH_REPLICAS", "ERR_INVALID_MSG", "ERR__PURGE_QUEUE"] as const) {
      expect(classifySendError(report(name), once).type, name).toBe("fail");
      expect(classifySendError(report(name), many).type, name).toBe("info");
    }
  });

  it("fails what never reached librdkafka's queue, whatever the code", () => {
    const thrown = LibrdKafkaError.create(RD_CODES.ERR__UNKNOWN_PARTITION);
    const c = classifySendError(new NotSent(`produce refused the record: ${describeRdError(thrown)}`, { cause: thrown }), many);
    expect(c).toEqual({ type: "fail", error: "NotSent: produce refused the record: ERR__UNKNOWN_PARTITION: Local: Unknown partition" });
    // The same code in a delivery report may follow an attempt that was sent.
    expect(classifySendError(thrown, many).type).toBe("info");
  });

  it("never fails disconnects, fatal errors, fencing, unknown codes or non-librdkafka errors", () => {
    for (const name of ["ERR__TRANSPORT", "ERR__TIMED_OUT", "ERR__FATAL", "ERR__FENCED", "ERR__PURGE_INFLIGHT", "ERR__DESTROY", "ERR_OUT_OF_ORDER_SEQUENCE_NUMBER"] as const) {
      expect(classifySendError(report(name), once).type, name).toBe("info");
    }
    expect(classifySendError(LibrdKafkaError.create(12345), once)).toMatchObject({ type: "info", error: expect.stringMatching(/^ERR_12345: /) });
    expect(classifySendError(new Error("client closed with the record outstanding"), once)).toEqual({ type: "info", error: "Error: client closed with the record outstanding" });
    expect(classifySendError(undefined, once).type).toBe("info");
  });

  it("keeps the documented indefinite errors out of the definite table", () => {
    for (const name of Object.keys(INDEFINITE_SEND_ERRORS)) expect(DEFINITE_SEND_ERRORS[name as RdCodeName], name).toBeUndefined();
    expect(INDEFINITE_SEND_ERRORS.ERR_NOT_LEADER_FOR_PARTITION).toMatch(/KAFKA-13574/);
    expect(INDEFINITE_SEND_ERRORS.ERR__MSG_TIMED_OUT).toBeDefined();
  });

  it("marks fatal errors in descriptions", () => {
    expect(describeRdError(Object.assign(LibrdKafkaError.create(RD_CODES.ERR__FENCED), { isFatal: true }))).toMatch(/^ERR__FENCED \(fatal\): /);
  });
});
