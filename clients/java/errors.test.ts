// The Java client's send-error table: what is definite, and when.
import { describe, expect, it } from "vitest";
import { classifySendError, DEFINITE_SEND_ERRORS, INDEFINITE_SEND_ERRORS, JavaError } from "./errors.ts";

const many = { singleAttempt: false };
const once = { singleAttempt: true };

describe("the Java client's send-error table", () => {
  it("fails records the producer or broker rejects the same way on every attempt", () => {
    for (const n of ["RecordTooLargeException", "InvalidTopicException", "SerializationException", "AdapterPrecondition"]) {
      expect(classifySendError(new JavaError(n, "x"), many).type, n).toBe("fail");
    }
  });

  it("fails single-attempt rejections only when the producer made one attempt", () => {
    const e = new JavaError("NotEnoughReplicasException", "fewer in-sync replicas than required");
    expect(classifySendError(e, many)).toEqual({ type: "info", error: "NotEnoughReplicasException: fewer in-sync replicas than required" });
    expect(classifySendError(e, once).type).toBe("fail");
  });

  it("leaves timeouts, lost leadership and anything unknown indefinite", () => {
    for (const n of ["TimeoutException", "NotLeaderOrFollowerException", "NetworkException", "SomethingNew"]) {
      expect(classifySendError(new JavaError(n, "x"), once).type, n).toBe("info");
    }
  });

  it("never lists one class as both definite and indefinite", () => {
    expect(Object.keys(DEFINITE_SEND_ERRORS).filter((n) => n in INDEFINITE_SEND_ERRORS)).toEqual([]);
  });
});
