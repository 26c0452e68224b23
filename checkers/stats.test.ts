// Statistics: counts, latency, fault windows and availability, realtime lag, unseen over time.

import { describe, expect, it } from "vitest";
import { checkOps } from "./index.ts";
import { classifyNemesisF } from "./stats.ts";
import { history, pollPair, sendPair, type Row } from "./testing/build.ts";

describe("fault windows", () => {
  it("classifies nemesis functions", () => {
    expect(classifyNemesisF("start-partition").action).toBe("open");
    expect(classifyNemesisF("kill").action).toBe("open");
    expect(classifyNemesisF("pause").action).toBe("open");
    expect(classifyNemesisF("isolate-leader").action).toBe("open");
    expect(classifyNemesisF("stop-partition").action).toBe("close");
    expect(classifyNemesisF("start").action).toBe("close");
    expect(classifyNemesisF("resume").action).toBe("close");
    expect(classifyNemesisF("heal-partition").action).toBe("close");
    expect(classifyNemesisF("debug-topic-partitions").action).toBe("other");
    expect(classifyNemesisF("start-all").action).toBe("other");
    expect(classifyNemesisF("check-healed").action).toBe("other");
    expect(classifyNemesisF("start-lone-leader").action).toBe("open");
    expect(classifyNemesisF("stop-lone-leader").action).toBe("close");
  });

  it("pairs nemesis ops into windows, closes by family, and splits availability", () => {
    const rows: Row[] = [
      ["nemesis", "info", "start-partition", null],
      ["nemesis", "info", "start-partition", { n1: ["n2"] }],
      ...sendPair(0, "info", "x", [1]),
      ["nemesis", "info", "kill", null],
      ["nemesis", "info", "kill", ["n3"]],
      ["nemesis", "info", "stop-partition", null],
      ["nemesis", "info", "stop-partition", "healed"],
      ...sendPair(1, "fail", "x", [2]),
      ["nemesis", "info", "start", null],
      ["nemesis", "info", "start", ["n3"]],
      ...sendPair(2, "ok", "x", [3, 0]),
      ...pollPair(2, "ok", { x: [[0, 3]] }),
    ];
    const s = checkOps(history(rows)).stats;
    expect(s.faultWindows.map((w) => [w.f, w.start, w.end])).toEqual([
      ["start-partition", 0, 0.006],
      ["kill", 0.004, 0.01],
    ]);
    expect(s.faultWindows[0].value).toEqual({ n1: ["n2"] });
    expect(s.availability).toEqual({ inFaults: 0, outsideFaults: 1 });
  });

  it("pairs interleaved ops of different families by f (a composite schedule's families act side by side)", () => {
    const rows: Row[] = [
      ["nemesis", "info", "start-reassign", null],
      ["nemesis", "info", "start-partition", null],
      ["nemesis", "info", "start-partition", { n1: ["n2"] }],
      ["nemesis", "info", "start-reassign", { to: [4, 2, 3] }],
      ["nemesis", "info", "stop-partition", null],
      ["nemesis", "info", "stop-reassign", null],
      ["nemesis", "info", "stop-reassign", "done"],
      ["nemesis", "info", "stop-partition", "healed"],
    ];
    const s = checkOps(history(rows)).stats;
    expect(s.faultWindows.map((w) => [w.f, w.start, w.end, w.value])).toEqual([
      ["start-reassign", 0, 0.005, { to: [4, 2, 3] }],
      ["start-partition", 0.001, 0.004, { n1: ["n2"] }],
    ]);
  });

  it("closes windows still open at the end of the history", () => {
    const rows: Row[] = [["nemesis", "info", "pause", null], ["nemesis", "info", "pause", ["n1"]], ...sendPair(0, "ok", "x", [1, 0])];
    expect(checkOps(history(rows)).stats.faultWindows).toEqual([{ start: 0, end: 0.003, f: "pause", value: ["n1"], ackedSends: 1, pollsWithData: 0, okOps: 1, sendsOverlapping: 1, ackedSendsBefore: 0 }]);
  });
});

describe("counts, throughput, latency", () => {
  it("counts completions per f and type and gives latency quantiles", () => {
    const rows: Row[] = [...sendPair(0, "ok", "x", [1, 0]), ...sendPair(0, "ok", "x", [2, 1]), ...sendPair(0, "fail", "x", [3]), ...pollPair(1, "ok", { x: [[0, 1], [1, 2]] })];
    const s = checkOps(history(rows, 10)).stats;
    expect(s.counts).toEqual({ send: { ok: 2, fail: 1, info: 0 }, poll: { ok: 1, fail: 0, info: 0 } });
    expect(s.latency.send.p50).toBeGreaterThan(9.8);
    expect(s.latency.send.p50).toBeLessThan(10.2);
    expect(s.latency.send.max).toBe(10);
    expect(s.durationSeconds).toBeCloseTo(0.07);
    expect(s.throughput.all).toBeCloseTo(4 / 0.07);
    expect(s.latencyPoints).toHaveLength(4);
  });
});

describe("realtime lag (Jepsen's example)", () => {
  it("measures how far behind the newest known offset each poll is", () => {
    const rows: Row[] = [
      [0, "invoke", "assign", ["x"]],
      [0, "ok", "assign", ["x"]],
      ...pollPair(0, "ok", {}),
      ...sendPair(0, "ok", "x", [1, 0]),
      ...pollPair(0, "ok", {}),
      [1, "invoke", "send", [["send", "x", 3], ["send", "x", 4]]],
      [1, "ok", "send", [["send", "x", [2, 3]], ["send", "x", [3, 4]]]],
      ...pollPair(0, "ok", {}),
      ...pollPair(0, "ok", { x: [[0, 1], [1, 2]] }),
    ];
    const s = checkOps(history(rows)).stats;
    // Poll invoked at 6 ms, offset 0 known since 5 ms: lag 1 ms; at 10 ms, still before offset 0: lag 5 ms;
    // at 12 ms, having read offset 1, which stopped being newest at 9 ms: 3 ms.
    expect(s.worstLag).toMatchObject({ key: "x", process: 0 });
    expect(s.worstLag!.seconds).toBeCloseTo(0.005);
    expect(s.lagByKey!.x).toBeCloseTo(0.005);
  });
});

describe("unseen over time", () => {
  it("tracks acknowledged-but-unread messages", () => {
    const rows: Row[] = [...pollPair(0, "ok", {}), ...sendPair(0, "ok", "x", [1, 0], [2, 1]), ...pollPair(0, "ok", { x: [[0, 1]] }), ...pollPair(0, "ok", { x: [[1, 2]] })];
    const s = checkOps(history(rows, 1000)).stats;
    const counts = s.unseen.map((u) => u.count).filter((c, i, a) => i === 0 || a[i - 1] !== c);
    expect(counts).toEqual([0, 2, 1, 0]);
  });
});
