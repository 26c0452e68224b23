import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { deriveTimeline, effectOf, nodesIn, pairNemesisOps } from "./timeline.ts";

const S = 1e9;
let index = 0;
const nem = (t: number, f: string, value: unknown): Op => ({ index: index++, time: t * S, process: "nemesis", type: "info", f, value });

describe("effectOf", () => {
  it("reads fault starts and ends from nemesis function names", () => {
    expect(effectOf("start-partition")).toEqual({ begin: "cut off" });
    expect(effectOf("stop-partition")).toEqual({ end: ["cut off"] });
    expect(effectOf("kill")).toEqual({ begin: "down" });
    expect(effectOf("start")).toEqual({ end: ["down"] });
    expect(effectOf("start-power")).toEqual({ begin: "down" });
    expect(effectOf("stop-power")).toEqual({ end: ["down"] });
    expect(effectOf("start-all")).toEqual({ end: ["down"] });
    expect(effectOf("start-lone-leader")).toEqual({ begin: "down" });
    expect(effectOf("stop-lone-leader")).toEqual({ end: ["down"] });
    expect(effectOf("stop-node")).toEqual({ begin: "down" });
    expect(effectOf("start-broker")).toEqual({ end: ["down"] });
    expect(effectOf("pause")).toEqual({ begin: "paused" });
    expect(effectOf("resume")).toEqual({ end: ["paused"] });
    expect(effectOf("start-latency")).toEqual({ begin: "degraded" });
    expect(effectOf("heal")).toEqual({ end: ["cut off", "degraded"] });
    expect(effectOf("heal-all")?.end).toHaveLength(4);
    expect(effectOf("leaders")).toBeNull();
  });
});

describe("nodesIn", () => {
  const known = new Set(["zk1", "broker-1", "broker-2", "broker-3"]);
  it("finds nodes in lists, maps, grudges and target fields", () => {
    expect(nodesIn(["broker-1", "majority"], known)).toEqual(["broker-1"]);
    expect(nodesIn({ "broker-3": "killed" }, known)).toEqual(["broker-3"]);
    expect(nodesIn({ isolated: ["broker-2"], grudge: { "broker-2": ["broker-1", "broker-3"] } }, known)).toEqual(["broker-2"]);
    expect(nodesIn({ "broker-2": ["broker-1"] }, known).sort()).toEqual(["broker-1", "broker-2"]);
    expect(nodesIn("zk1", known)).toEqual(["zk1"]);
    expect(nodesIn("kafka-7", new Set())).toEqual(["kafka-7"]);
    expect(nodesIn("fully-connected", known)).toEqual([]);
  });
});

describe("deriveTimeline", () => {
  it("pairs nemesis ops and derives node states and fault windows", () => {
    const ops = [
      nem(8, "start-partition", "isolate-one"),
      nem(8.1, "start-partition", { isolated: ["broker-2"] }),
      nem(16, "stop-partition", "fully-connected"),
      nem(16.2, "stop-partition", "fully-connected"),
      nem(22, "kill", "random-broker"),
      nem(22.1, "kill", { "broker-3": "killed" }),
      nem(30, "pause", "one"),
      nem(30.1, "pause", { "broker-1": "paused" }),
    ];
    expect(pairNemesisOps(ops, new Set())).toHaveLength(4);
    const tl = deriveTimeline(ops, { knownNodes: ["broker-1", "broker-2", "broker-3"], endSeconds: 40 });
    expect(tl.nodes).toEqual(["broker-1", "broker-2", "broker-3"]);
    const iv = tl.intervals.map((i) => [i.node, i.state, i.start, Math.round(i.end * 10) / 10, i.open]);
    expect(iv).toEqual([
      ["broker-2", "cut off", 8, 16.2, false],
      ["broker-3", "down", 22, 40, true],
      ["broker-1", "paused", 30, 40, true],
    ]);
    expect(tl.windows.map((w) => [w.f, w.start, Math.round(w.end * 10) / 10])).toEqual([
      ["start-partition", 8, 16.2],
      ["kill", 22, 40],
      ["pause", 30, 40],
    ]);
  });

  it("pairs interleaved actions of different families by f", () => {
    const ops = [
      nem(5, "start-bounce", "leader"),
      nem(6, "start-partition", "one"),
      nem(6.1, "start-partition", { isolated: ["broker-2"] }),
      nem(20, "start-bounce", { nodes: ["broker-1", "broker-3"] }),
      nem(21, "stop-partition", "x"),
      nem(21.1, "stop-partition", "healed"),
    ];
    expect(pairNemesisOps(ops, new Set(["broker-1", "broker-2", "broker-3"])).map((a) => [a.f, a.start, a.end, a.nodes])).toEqual([
      ["start-bounce", 5, 20, ["broker-1", "broker-3"]],
      ["start-partition", 6, 6.1, ["broker-2"]],
      ["stop-partition", 21, 21.1, []],
    ]);
  });

  it("ends only the named nodes and puts faults naming no node on a cluster row", () => {
    const ops = [
      nem(1, "pause", ["broker-1", "broker-2"]),
      nem(1.1, "pause", ["broker-1", "broker-2"]),
      nem(2, "resume", ["broker-1"]),
      nem(2.1, "resume", ["broker-1"]),
      nem(3, "start-clock-skew", "all"),
      nem(3.1, "start-clock-skew", "done"),
    ];
    const tl = deriveTimeline(ops, { endSeconds: 10 });
    expect(tl.intervals.map((i) => [i.node, i.state, i.open])).toEqual([
      ["broker-1", "paused", false],
      ["broker-2", "paused", true],
      ["cluster", "degraded", true],
    ]);
    expect(tl.nodes).toEqual(["broker-1", "broker-2", "cluster"]);
  });
});
