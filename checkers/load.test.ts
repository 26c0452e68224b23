// Load per fault window and over the main phase (stats.ts, Load), and the vacuity gates
// (vacuity.ts) that make a run whose faults met no write "unknown", never hiding an anomaly.

import { describe, expect, it } from "vitest";
import { checkOps } from "./index.ts";
import { history, pollPair, sendPair, type Row } from "./testing/build.ts";
import { NOT_EXERCISED, vacuityReasons } from "./vacuity.ts";
import type { Stats } from "./results.ts";

const open = (f = "start-partition"): Row[] => [
  ["nemesis", "info", f, null],
  ["nemesis", "info", f, { what: "x" }],
];
const close = (f = "stop-partition"): Row[] => [
  ["nemesis", "info", f, null],
  ["nemesis", "info", f, null],
];

describe("load", () => {
  it("counts per window the acknowledged sends, polls with data and ok ops completing while it is open, and over the main phase inside vs outside", () => {
    // 1 ms per op: outside [0, 4 ms), the window [4, 12 ms), outside again until the main
    // phase ends at 13 ms; the last poll completes after it (15 ms) and is not counted.
    const r = checkOps(
      history([
        ...sendPair(0, "ok", "x", [1, 0]),
        ...pollPair(1, "ok", { x: [[0, 1]] }),
        ...open(),
        ...sendPair(0, "ok", "x", [2, 1]),
        ...pollPair(1, "ok", {}), // no data
        ...sendPair(0, "fail", "x", [3]),
        ...close(),
        ...pollPair(1, "ok", { x: [[1, 2]] }),
      ]),
      { run: { timeLimitSeconds: 0.013, rate: 100 } },
    );
    expect(r.valid).toBe(true);
    const w = r.stats.faultWindows[0];
    expect(w).toMatchObject({ f: "start-partition", ackedSends: 1, pollsWithData: 0, okOps: 2, sendsOverlapping: 2 });
    const l = r.stats.load!;
    expect(l).toMatchObject({ mainPhaseKnown: true, requestedRate: 100 });
    expect(l.mainSeconds).toBeCloseTo(0.013, 9);
    expect(l.inside).toMatchObject({ okOps: 2, ackedSends: 1, pollsWithData: 0 });
    expect(l.outside).toMatchObject({ okOps: 2, ackedSends: 1, pollsWithData: 1 });
    expect(l.inside.seconds).toBeCloseTo(0.008, 9);
    expect(l.outside.seconds).toBeCloseTo(0.005, 9);
  });

  it("counts a send whose span covers a window as overlapping it, not as acknowledged in it", () => {
    const r = checkOps(
      history([
        [0, "invoke", "send", [["send", "x", 1]]],
        ...open(),
        ...close(),
        [0, "ok", "send", [["send", "x", [0, 1]]]],
        ...pollPair(1, "ok", { x: [[0, 1]] }),
      ]),
    );
    expect(r.stats.faultWindows[0]).toMatchObject({ ackedSends: 0, sendsOverlapping: 1 });
    // No acknowledged send during any window: unknown, with the numbers.
    expect(r.valid).toBe("unknown");
    expect(r["unknown-reasons"]).toEqual([expect.stringMatching(new RegExp(`^${NOT_EXERCISED}: no send was acknowledged during any of the 1 fault window`))]);
  });

  it("without test.json's time limit, the whole history is the main phase", () => {
    const r = checkOps(history([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] })]));
    expect(r.stats.load).toMatchObject({ mainPhaseKnown: false, outside: { okOps: 2 }, inside: { okOps: 0, okOpsPerSecond: null } });
  });
});

describe("vacuity gates", () => {
  it("leave a run whose faults met acknowledged writes valid", () => {
    const r = checkOps(history([...open(), ...sendPair(0, "ok", "x", [1, 0]), ...close(), ...pollPair(1, "ok", { x: [[0, 1]] })]));
    expect(r.valid).toBe(true);
  });

  it("count the sends acknowledged in the 5 s before a window: a total outage still tests the writes just before it", () => {
    // 1 s per op: a send acknowledged at 1 s, another in flight through a window [3 s, 5 s) in
    // which nothing is acknowledged (every broker down), timing out at 7 s.
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 0]),
      [1, "invoke", "send", [["send", "x", 2]]],
      ...open("start-power"),
      ...close("stop-power"),
      [1, "info", "send", [["send", "x", 2]]],
      ...pollPair(2, "ok", { x: [[0, 1]] }),
    ];
    const r = checkOps(history(rows, 1000));
    expect(r.stats.faultWindows[0]).toMatchObject({ ackedSends: 0, ackedSendsBefore: 1, sendsOverlapping: 1 });
    expect(r.valid).toBe(true);
    // The same outage with nothing acknowledged in the 5 s before it: not exercised.
    const late = checkOps(history([[1, "invoke", "send", [["send", "x", 2]]], ...open("start-power"), ...close("stop-power"), [1, "info", "send", [["send", "x", 2]]], ...sendPair(0, "ok", "x", [1, 0]), ...pollPair(2, "ok", { x: [[0, 1]] })], 1000));
    expect(late.valid).toBe("unknown");
    expect(late["unknown-reasons"]).toEqual([expect.stringContaining("nor in the 5 s before one opened")]);
  });

  it("name a family whose windows no send overlapped, even when another family's did", () => {
    const r = checkOps(
      history([
        ...open("start-partition"),
        ...sendPair(0, "ok", "x", [1, 0]),
        ...close("stop-partition"),
        ...open("kill"),
        ...pollPair(1, "ok", { x: [[0, 1]] }),
        ...close("start"),
        ...open("kill"),
        ...close("start"),
      ]),
    );
    expect(r.valid).toBe("unknown");
    expect(r["unknown-reasons"]).toEqual([`${NOT_EXERCISED}: no send overlapped any of the 2 kill window(s) (0.006 s): that family met no write`]);
  });

  it("never hide an anomaly: a lost write in a vacuous run is still invalid", () => {
    const r = checkOps(
      history([
        ...sendPair(0, "ok", "x", [1, 0], [2, 1]),
        ...open(),
        ...close(),
        ...pollPair(1, "ok", { x: [[1, 2]] }),
      ]),
    );
    expect(r["unknown-reasons"]?.some((x) => x.startsWith(NOT_EXERCISED))).toBe(true);
    expect(r["bad-anomaly-types"]).toContain("lost-write");
    expect(r.valid).toBe(false);
  });

  it("add up each window's load: acknowledged sends inside and just before, polls with data, seconds", () => {
    type W = Stats["faultWindows"][number];
    const reasons = (...ws: Partial<W>[]) => vacuityReasons({ faultWindows: ws.map((w) => ({ start: 0, end: 1, f: "start-kill", ackedSends: 0, ackedSendsBefore: 0, pollsWithData: 0, sendsOverlapping: 1, ...w })) } as Stats);
    // One acknowledged inside one window and one before another: exercised.
    expect(reasons({ ackedSends: 1 }, { ackedSendsBefore: 1 })).toEqual([]);
    expect(reasons({ ackedSends: 1, ackedSendsBefore: 1 })).toEqual([]);
    // None: the polls with data and the seconds of every window are summed (1 decimal from 1 s, 3 below).
    expect(reasons({ pollsWithData: 2, start: 0, end: 0.5 }, { pollsWithData: 3, start: 2, end: 2.5 })).toEqual([expect.stringContaining("of the 2 fault window(s) (1.0 s in all; 5 poll(s) returned data there)")]);
    expect(reasons({ start: 0, end: 0.25 })).toEqual([expect.stringContaining("(0.250 s in all; 0 poll(s)")]);
    // A family is exercised when any of its windows met a send.
    expect(reasons({ ackedSends: 1 }, { ackedSends: 1, sendsOverlapping: 0 })).toEqual([]);
    expect(reasons({ ackedSends: 1 }, { f: "start-pause", sendsOverlapping: 0, start: 3, end: 4.5 })).toEqual([`${NOT_EXERCISED}: no send overlapped any of the 1 start-pause window(s) (1.5 s): that family met no write`]);
    // Windows of a results.json from before the load was counted are not judged.
    expect(reasons({ ackedSends: undefined }, { ackedSends: 0 })).toEqual([]);
  });

  it("do not apply to a run without faults", () => {
    const r = checkOps(history([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] })]));
    expect(r.valid).toBe(true);
  });
});

describe("stuck-after-heal (liveness)", () => {
  // 1 s per op.
  const healedAt = (after: Row[]): Row[] => [...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] }), ...open(), ...close(), ["nemesis", "info", "check-healed", null], ["nemesis", "info", "check-healed", null], ...after];
  const failing = (n: number): Row[] => Array.from({ length: n }, (_, i) => pollPair(2 + i, "info", {}, { error: "timeout" })).flat();

  it("counts a cluster that served no send or poll for 30 s after the heal, to the end of the history", () => {
    const r = checkOps(history(healedAt(failing(20)), 1000));
    expect(r["bad-anomaly-types"]).toEqual(["stuck-after-heal"]);
    expect(r.valid).toBe(false);
    const a = r.anomalies["stuck-after-heal"][0];
    expect(a.explanation).toMatch(/every fault was healed by 9\.0 s, yet in the 40\.0 s from then to the last client op no send or poll completed ok \(20 attempts failed or timed out since the last ok op, op 3 at 3\.0 s\)/);
    expect(a.ops).toEqual([3, 9, 11]);
  });

  it("judges from 30 s on, says so of one attempt or none ok, and lists its ops in order", () => {
    // Exactly 30 s of failures after the heal (at 9 s) counts; 28 s does not.
    expect(checkOps(history(healedAt(failing(15)), 1000))["anomaly-types"]).toContain("stuck-after-heal");
    expect(checkOps(history(healedAt(failing(14)), 1000))["anomaly-types"]).not.toContain("stuck-after-heal");
    // One attempt that timed out 40 s after the heal.
    const one = history(healedAt(failing(1)), 1000);
    one[one.length - 1].time += 40e9;
    expect(checkOps(one).anomalies["stuck-after-heal"][0].explanation).toContain("(1 attempt failed or timed out since the last ok op, op 3 at 3.0 s)");
    // Failing since before the heal, with no ok op at all: the first failure comes first.
    const never = checkOps(history([...failing(2), ...open(), ...close(), ["nemesis", "info", "check-healed", null], ["nemesis", "info", "check-healed", null], ...failing(20)], 1000));
    const a = never.anomalies["stuck-after-heal"][0];
    expect(a.explanation).toContain("since the last ok op, of which there was none)");
    expect(a.ops).toEqual([1, 9]);
  });

  it("does not count a cluster that recovered, a short tail, or a run without faults", () => {
    // One ok poll after the heal: recovered, however many failed before it.
    expect(checkOps(history(healedAt([...failing(20), ...pollPair(30, "ok", { x: [[0, 1]] })]), 1000))["anomaly-types"]).not.toContain("stuck-after-heal");
    // Only 10 s of failures after the heal: too short to judge.
    expect(checkOps(history(healedAt(failing(5)), 1000))["anomaly-types"]).not.toContain("stuck-after-heal");
    // No faults, failures at the end: not a heal that did not take.
    expect(checkOps(history([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] }), ...failing(20)], 1000))["anomaly-types"]).not.toContain("stuck-after-heal");
  });
});
