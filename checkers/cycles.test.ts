// G0 and G1c with their -process and -realtime variants.

import { describe, expect, it } from "vitest";
import { checkOps } from "./index.ts";
import type { Mode } from "./modes.ts";
import { history, pollPair, sendPair, type Row } from "./testing/build.ts";

const ASSIGN: Mode = { subscribe: false, transactional: false };
const TXN: Mode = { subscribe: false, transactional: true };

/** Two concurrent transactions write x and y in opposite orders. */
const wwCycle: Row[] = [
  [0, "invoke", "send", [["send", "x", 1], ["send", "y", 1]]],
  [1, "invoke", "send", [["send", "x", 2], ["send", "y", 2]]],
  [0, "ok", "send", [["send", "x", [0, 1]], ["send", "y", [1, 1]]]],
  [1, "ok", "send", [["send", "x", [1, 2]], ["send", "y", [0, 2]]]],
  ...pollPair(2, "ok", { x: [[0, 1], [1, 2]], y: [[0, 2], [1, 1]] }),
];

describe("G0 (write cycles)", () => {
  const rows = wwCycle;
  it("finds the cycle and explains each step", () => {
    const r = checkOps(history(rows), { mode: TXN });
    expect(r["anomaly-types"]).toEqual(["G0"]);
    const g0 = r.anomalies.G0[0];
    expect(g0.ops).toEqual([2, 3]);
    expect(g0.steps).toHaveLength(2);
    expect(g0.explanation).toMatch(/sent 1 to x \(offset 0\) before op 3 \(process 1\) sent 2 \(offset 1\)/);
    // Kafka's transactions interleave writes: informational in transactional mode.
    expect(r.valid).toBe(true);
  });

  it("reports G0-realtime when a later op's write lands first (bad without transactions)", () => {
    const seq: Row[] = [...sendPair(0, "ok", "x", [1, 1]), ...sendPair(1, "ok", "x", [2, 0]), ...pollPair(2, "ok", { x: [[0, 2], [1, 1]] })];
    const r = checkOps(history(seq), { mode: ASSIGN });
    expect(r["anomaly-types"]).toEqual(["G0-realtime"]);
    expect(r.anomalies["G0-realtime"][0].explanation).toMatch(/op 1 \(process 0\) completed before op 3 \(process 1\) was invoked/);
    expect(r.valid).toBe(false);
    expect(checkOps(history(seq), { mode: TXN }).valid).toBe(true);
  });

  it("reports G0-process for one process's sends landing in reverse order", () => {
    const seq: Row[] = [
      [0, "invoke", "send", [["send", "x", 1], ["send", "y", 1]]],
      [0, "ok", "send", [["send", "x", [1, 1]], ["send", "y", [0, 1]]]],
      [0, "invoke", "send", [["send", "x", 2], ["send", "y", 2]]],
      [0, "ok", "send", [["send", "x", [0, 2]], ["send", "y", [1, 2]]]],
      ...pollPair(2, "ok", { x: [[0, 2], [1, 1]], y: [[0, 1], [1, 2]] }),
    ];
    const r = checkOps(history(seq), { mode: TXN });
    expect(r["anomaly-types"]).toEqual(expect.arrayContaining(["G0-process", "G0-realtime", "nonmonotonic-send"]));
  });
});

/** Two transactions each reading the other's write: a cycle of wr edges alone. */
const wrCycle: Row[] = [
  [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
  [1, "invoke", "txn", [["send", "y", 2], ["poll"]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["poll", { y: [[0, 2]] }]]],
  [1, "ok", "txn", [["send", "y", [0, 2]], ["poll", { x: [[0, 1]] }]]],
];

describe("G1c (circular information flow)", () => {
  it("finds two transactions each reading the other's write", () => {
    const r = checkOps(history(wrCycle), { mode: TXN });
    expect(r["anomaly-types"]).toEqual(["G1c"]);
    expect(r.anomalies.G1c[0].ops).toEqual([2, 3]);
    expect(r.anomalies.G1c[0].explanation).toMatch(/polled 2 from y, which op 3 \(process 1\) sent/);
    expect(r.valid).toBe(false);
  });

  it("finds G1c-process: a poll of a value its own process sends later", () => {
    const rows: Row[] = [...pollPair(0, "ok", { x: [[0, 7]] }), ...sendPair(0, "ok", "x", [7, 0])];
    const r = checkOps(history(rows), { mode: ASSIGN });
    expect(r["anomaly-types"]).toEqual(expect.arrayContaining(["G1c-process"]));
    expect(r.valid).toBe(false);
  });

  it("finds G1c-realtime: a poll of a value sent only after the poll finished", () => {
    const rows: Row[] = [...pollPair(0, "ok", { x: [[0, 7]] }), ...sendPair(1, "ok", "x", [7, 0])];
    const r = checkOps(history(rows), { mode: ASSIGN });
    expect(r["anomaly-types"]).toEqual(["G1c-realtime"]);
    expect(r.anomalies["G1c-realtime"][0].explanation).toMatch(/completed before .* was invoked/);
  });

  it("does not count write-write + write-read cycles, which Kafka's transactions allow", () => {
    // T1 writes x then y; T2 reads T1's x and writes y before T1's y.
    const rows: Row[] = [
      [0, "invoke", "txn", [["send", "x", 1], ["send", "y", 3]]],
      [1, "invoke", "txn", [["poll"], ["send", "y", 2]]],
      [0, "ok", "txn", [["send", "x", [0, 1]], ["send", "y", [2, 3]]]],
      [1, "ok", "txn", [["poll", { x: [[0, 1]] }], ["send", "y", [1, 2]]]],
      ...pollPair(2, "ok", { y: [[1, 2], [2, 3]] }),
    ];
    const r = checkOps(history(rows), { mode: TXN });
    expect(r["anomaly-types"].filter((t) => t.startsWith("G1c"))).toEqual([]);
  });

  it("ignores failed transactions and unproven info ones", () => {
    const rows: Row[] = [
      [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
      [1, "invoke", "txn", [["send", "y", 2], ["poll"]]],
      [0, "fail", "txn", [["send", "x", 1], ["poll", { y: [[0, 2]] }]]],
      [1, "info", "txn", [["send", "y", 2], ["poll", { x: [[0, 1]] }]]],
    ];
    const r = checkOps(history(rows), { mode: TXN });
    expect(r["anomaly-types"].filter((t) => t.startsWith("G"))).toEqual([]);
  });
});

describe("G1c with ww deps (Jepsen's :ww-deps)", () => {
  const WW_TXN: Mode = { ...TXN, wwDeps: true };
  // T1 writes x then y; T2 reads T1's x and writes y before T1's y (kafka_test.clj g1c-ww-wr-test).
  const mixed: Row[] = [
    [0, "invoke", "txn", [["send", "x", 1], ["send", "y", 3]]],
    [1, "invoke", "txn", [["poll"], ["send", "y", 2]]],
    [0, "ok", "txn", [["send", "x", [0, 1]], ["send", "y", [2, 3]]]],
    [1, "ok", "txn", [["poll", { x: [[0, 1]] }], ["send", "y", [1, 2]]]],
    ...pollPair(2, "ok", { y: [[1, 2], [2, 3]] }),
  ];

  it("reports a write-write + write-read cycle as G1c, through its wr edge, judged as G0 is", () => {
    const r = checkOps(history(mixed), { mode: WW_TXN });
    expect(r["anomaly-types"]).toEqual(["G1c"]);
    const c = r.anomalies.G1c[0];
    expect(c.ops).toEqual([2, 3]);
    expect((c.steps as { type: string }[]).map((s) => s.type).sort()).toEqual(["wr", "ww"]);
    expect(c.explanation).toMatch(/op 3 \(process 1\) sent 2 to y \(offset 1\) before op 2 \(process 0\) sent 3 \(offset 2\); op 3 \(process 1\) polled 1 from x, which op 2 \(process 0\) sent/);
    // Allowed with transactions, as in Jepsen; the results say how it was judged.
    expect(r.valid).toBe(true);
    expect(r.mode.wwDeps).toBe(true);
    expect(checkOps(history(mixed), { mode: { subscribe: false, transactional: false, wwDeps: true } }).valid).toBe(false);
    // The option works over a mode from elsewhere, too.
    expect(checkOps(history(mixed), { mode: TXN, wwDeps: true })["anomaly-types"]).toEqual(["G1c"]);
  });

  it("leaves cycles of write-write edges alone to G0", () => {
    expect(checkOps(history(wwCycle), { mode: WW_TXN })["anomaly-types"]).toEqual(["G0"]);
  });

  it("still finds a cycle of write-read edges alone, now judged as G0 is (Jepsen's trade)", () => {
    const r = checkOps(history(wrCycle), { mode: WW_TXN });
    expect(r["anomaly-types"]).toEqual(["G1c"]);
    expect(r.valid).toBe(true);
    expect(checkOps(history(wrCycle), { mode: TXN }).valid).toBe(false);
  });

  // A (process 0) reads C's y; B writes z before C's z: A → B → C → A. B runs on A's process
  // (a process edge closes the cycle) or on another, invoked after A completed (a realtime one).
  it.each([
    ["G1c-process", 0, ["process", "wr", "ww"]],
    ["G1c-realtime", 3, ["realtime", "wr", "ww"]],
  ] as const)("finds %s through a process or realtime step, a ww edge and a wr edge", (type, processOfB, steps) => {
    const rows: Row[] = [
      [1, "invoke", "send", [["send", "y", 5], ["send", "z", 2]]],
      ...pollPair(0, "ok", { y: [[0, 5]] }),
      ...sendPair(processOfB, "ok", "z", [1, 0]),
      [1, "ok", "send", [["send", "y", [0, 5]], ["send", "z", [1, 2]]]],
      ...pollPair(2, "ok", { z: [[0, 1], [1, 2]] }),
    ];
    const r = checkOps(history(rows), { mode: WW_TXN });
    expect(r["anomaly-types"]).toContain(type);
    expect(r["anomaly-types"]).not.toContain("G0");
    if (type === "G1c-realtime") expect(r["anomaly-types"]).toEqual(["G1c-realtime"]);
    expect((r.anomalies[type][0].steps as { type: string }[]).map((s) => s.type).sort()).toEqual(steps);
    // Without ww deps there is no cycle of wr edges (and process/realtime) here.
    expect(checkOps(history(rows), { mode: TXN })["anomaly-types"].filter((t) => t.startsWith("G1c"))).toEqual([]);
  });
});
