// double-consume and stats.consumption: the shared consumer group's reads, once per value across
// rebalances when transactions commit the read positions (finders/double-consume.ts).

import { describe, expect, it } from "vitest";
import { checkOps } from "./index.ts";
import { history, sendPair, type Row } from "./testing/build.ts";

const subscribeTxn = { subscribe: true, transactional: true };
const subscribed = (p: number): Row[] => [
  [p, "invoke", "subscribe", ["x"]],
  [p, "ok", "subscribe", ["x"]],
];
const txnRead = (p: number, type: "ok" | "fail" | "info", reads: [number, number][]): Row[] => [
  [p, "invoke", "txn", [["poll"]]],
  [p, type, "txn", [["poll", { x: reads }]]],
];
const pollRead = (p: number, reads: [number, number][]): Row[] => [
  [p, "invoke", "poll", [["poll"]]],
  [p, "ok", "poll", [["poll", { x: reads }]]],
];
const written = sendPair(9, "ok", "x", [1, 0], [2, 1]);

describe("double-consume", () => {
  it("is a value read by two committed transactions of the group, after a rebalance moved its partition", () => {
    const r = checkOps(history([...written, ...subscribed(0), ...txnRead(0, "ok", [[0, 1]]), ...subscribed(1), ...txnRead(1, "ok", [[0, 1], [1, 2]])]), { mode: subscribeTxn });
    expect(r["bad-anomaly-types"]).toEqual(["double-consume"]);
    const a = r.anomalies["double-consume"][0];
    expect(a).toMatchObject({ key: "x", values: [1], offsets: [0], ops: [5, 9] });
    expect(a.explanation).toMatch(/value 1 at offset 0 was consumed by two committed transactions of the consumer group, op 5 \(process 0\) and op 9 \(process 1\)/);
    expect(r.stats.consumption).toEqual({ values: 2, once: 1, more: 1, committedMore: 1 });
  });

  it("is not a read again after an aborted transaction, nor plain polls (at least once), nor an assigned process's", () => {
    const aborted = checkOps(history([...written, ...subscribed(0), ...txnRead(0, "fail", [[0, 1]]), ...txnRead(0, "ok", [[0, 1]])]), { mode: subscribeTxn });
    expect(aborted["anomaly-types"]).not.toContain("double-consume");
    expect(aborted.stats.consumption).toEqual({ values: 1, once: 1, more: 0, committedMore: 0 });
    const plain = checkOps(history([...written, ...subscribed(0), ...pollRead(0, [[0, 1]]), ...subscribed(1), ...pollRead(1, [[0, 1], [1, 2]])]), { mode: { subscribe: true, transactional: false } });
    expect(plain["anomaly-types"]).not.toContain("double-consume");
    expect(plain.stats.consumption).toEqual({ values: 2, once: 1, more: 1, committedMore: 0 });
    const assigned: Row[] = [[0, "invoke", "assign", ["x"]], [0, "ok", "assign", ["x"]], ...txnRead(0, "ok", [[0, 1]]), [1, "invoke", "assign", ["x"]], [1, "ok", "assign", ["x"]], ...txnRead(1, "ok", [[0, 1], [1, 2]])];
    const a = checkOps(history([...written, ...assigned]), { mode: { subscribe: false, transactional: true } });
    expect(a["anomaly-types"]).not.toContain("double-consume");
    expect(a.stats.consumption).toBeUndefined();
  });

  it("counts only with subscribe and transactions: elsewhere it is informational", () => {
    const rows = [...written, ...subscribed(0), ...txnRead(0, "ok", [[0, 1]]), ...subscribed(1), ...txnRead(1, "ok", [[0, 1], [1, 2]])];
    const r = checkOps(history(rows), { mode: { subscribe: true, transactional: false } });
    expect(r["anomaly-types"]).toContain("double-consume");
    expect(r["bad-anomaly-types"]).not.toContain("double-consume");
  });
});
