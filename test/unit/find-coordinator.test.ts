// The two FindCoordinator messages the harness speaks itself (clients/wire/find-coordinator.ts),
// byte for byte as the Kafka protocol lays them out (request header v1, FindCoordinator v1).
import { describe, expect, it } from "vitest";
import { decodeFindCoordinator, encodeFindCoordinator } from "../../clients/wire/find-coordinator.ts";

describe("FindCoordinator v1", () => {
  it("encodes size, api key 10, version 1, correlation id, client id, key and key type", () => {
    const b = encodeFindCoordinator("g1", "transaction", 7);
    expect(b.readInt32BE(0)).toBe(b.length - 4);
    expect(b.readInt16BE(4)).toBe(10);
    expect(b.readInt16BE(6)).toBe(1);
    expect(b.readInt32BE(8)).toBe(7);
    const clientLen = b.readInt16BE(12);
    expect(b.toString("utf8", 14, 14 + clientLen)).toBe("kafka-chaos");
    const o = 14 + clientLen;
    expect(b.readInt16BE(o)).toBe(2);
    expect(b.toString("utf8", o + 2, o + 4)).toBe("g1");
    expect(b.readInt8(o + 4)).toBe(1);
    expect(encodeFindCoordinator("g1", "group", 7).readInt8(o + 4)).toBe(0);
  });

  it("decodes a response: correlation id, error code and message, node", () => {
    const host = Buffer.from("broker-2");
    const r = Buffer.alloc(4 + 4 + 2 + 2 + 4 + 2 + host.length + 4);
    let o = r.writeInt32BE(7, 0);
    o = r.writeInt32BE(0, o);
    o = r.writeInt16BE(0, o);
    o = r.writeInt16BE(-1, o); // null error message
    o = r.writeInt32BE(2, o);
    o = r.writeInt16BE(host.length, o);
    o += host.copy(r, o);
    r.writeInt32BE(9091, o);
    expect(decodeFindCoordinator(r)).toEqual({ correlationId: 7, errorCode: 0, errorMessage: null, coordinator: { nodeId: 2, host: "broker-2", port: 9091 } });
  });
});
