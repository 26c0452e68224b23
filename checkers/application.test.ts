// The application checker: hand-made cases for each anomaly, and a property over random
// pipelines (each input processed 0, 1 or more times, outputs in or out of order).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { appSeverity, checkApplication, withApplication, type AppCheckOptions } from "./application.ts";
import { checkOps } from "./index.ts";

/** A tiny history builder: inputs in `in/0`, outputs in `out/0`, final reads of both. */
function history(inputs: number[], outputs: { from: number; u: number }[]): Op[] {
  const ops: Op[] = [];
  const push = (o: Omit<Op, "index" | "time">) => ops.push({ index: ops.length, time: ops.length, ...o } as Op);
  inputs.forEach((v, i) => {
    push({ process: 0, type: "invoke", f: "send", value: [["send", "in/0", v]] });
    push({ process: 0, type: "ok", f: "send", value: [["send", "in/0", [i, v]]] });
  });
  outputs.forEach(({ from, u }, i) => {
    push({ process: 1, type: "invoke", f: "send", value: [["send", "out/0", u]], from: [["in/0", from]] });
    push({ process: 1, type: "ok", f: "send", value: [["send", "out/0", [i, u]]] });
  });
  push({ process: 2, type: "invoke", f: "poll", value: [["poll"]] });
  push({ process: 2, type: "ok", f: "poll", value: [["poll", { "in/0": inputs.map((v, i) => [i, v]), "out/0": outputs.map(({ u }, i) => [i, u]) }]] });
  return ops;
}

const opts = (o: Partial<AppCheckOptions> = {}): AppCheckOptions => ({ inputs: ["in"], outputs: ["out"], delivery: "exactly-once", committed: {}, ...o });

describe("checkApplication", () => {
  it("one output per input, in order: nothing found", () => {
    const r = checkApplication(history([1, 2, 3], [{ from: 1, u: 10 }, { from: 2, u: 11 }, { from: 3, u: 12 }]), opts({ committed: { "in/0": 3 } }));
    expect(r).toMatchObject({ inputs: 3, processed: 3, outputs: 3, unattributed: 0, counts: {}, bad: [] });
  });

  it("an input without output is app-lost below the committed offset, app-unprocessed at or above it", () => {
    const r = checkApplication(history([1, 2, 3], [{ from: 2, u: 11 }]), opts({ committed: { "in/0": 1 } }));
    expect(r.counts).toEqual({ "app-lost": 1, "app-unprocessed": 1 });
    expect(r.anomalies["app-lost"]![0]).toMatchObject({ key: "in/0", offsets: [0], values: [1], committed: 1 });
    expect(r.anomalies["app-unprocessed"]![0]).toMatchObject({ offsets: [2], values: [3] });
    expect(r.bad).toEqual(["app-lost", "app-unprocessed"]);
  });

  it("two outputs of one input: app-duplicate, bad for exactly-once, counted only for at-least-once", () => {
    const h = history([1, 2], [{ from: 1, u: 10 }, { from: 1, u: 11 }, { from: 2, u: 12 }]);
    expect(checkApplication(h, opts()).bad).toEqual(["app-duplicate"]);
    const r = checkApplication(h, opts({ delivery: "at-least-once" }));
    expect(r.counts).toEqual({ "app-duplicate": 1 });
    expect(r.bad).toEqual([]);
    expect(appSeverity("app-duplicate", "at-least-once")).toBe("info");
  });

  it("outputs of one key's inputs in the other order: app-reorder", () => {
    const r = checkApplication(history([1, 2, 3], [{ from: 2, u: 11 }, { from: 1, u: 10 }, { from: 3, u: 12 }]), opts({ committed: { "in/0": 3 } }));
    expect(r.counts).toEqual({ "app-reorder": 1 });
    expect(r.anomalies["app-reorder"]![0]).toMatchObject({ values: [1, 2], offsets: [0, 1] });
  });

  it("outputs sent outside a handler are counted as unattributed, not judged", () => {
    const ops = history([1], [{ from: 1, u: 10 }]);
    ops.push({ index: ops.length, time: 0, process: 3, type: "invoke", f: "send", value: [["send", "out/0", 99]] });
    ops.push({ index: ops.length, time: 0, process: 2, type: "ok", f: "poll", value: [["poll", { "out/0": [[1, 99]] }]] });
    expect(checkApplication(ops, opts({ committed: { "in/0": 1 } }))).toMatchObject({ outputs: 2, unattributed: 1, counts: {} });
  });

  it("withApplication: the verdict is false when an application anomaly counts, and lists it", () => {
    const ops = history([1, 2], [{ from: 2, u: 11 }]);
    const kafka = checkOps(ops, { mode: { subscribe: true, transactional: false } });
    expect(kafka.valid).toBe(true);
    const r = withApplication(kafka, checkApplication(ops, opts({ committed: { "in/0": 2 } })));
    expect(r.valid).toBe(false);
    expect(r["bad-anomaly-types"]).toEqual(["app-lost"]);
    expect(r.counts["app-lost"]).toBe(1);
    expect(r["checked-anomaly-types"]).toContain("app-reorder");
  });

  it("property: counts match how each input was processed", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.nat({ max: 40 }),
        (times, shuffle, committedRaw) => {
          const inputs = times.map((_, i) => i + 1);
          let u = 1000;
          const outputs = inputs.flatMap((v, i) => Array.from({ length: times[i] }, () => ({ from: v, u: u++ })));
          // A shuffle that moves only whole inputs' output runs: reverse the order of inputs.
          const ordered = shuffle ? [...outputs].reverse() : outputs;
          const committed = Math.min(committedRaw, inputs.length);
          const r = checkApplication(history(inputs, ordered), opts({ committed: { "in/0": committed } }));
          const none = times.map((t, i) => (t === 0 ? i : -1)).filter((i) => i >= 0);
          expect(r.counts["app-lost"] ?? 0).toBe(none.filter((i) => i < committed).length);
          expect(r.counts["app-unprocessed"] ?? 0).toBe(none.filter((i) => i >= committed).length);
          expect(r.counts["app-duplicate"] ?? 0).toBe(times.filter((t) => t > 1).length);
          expect(r.processed).toBe(times.filter((t) => t > 0).length);
          // Reversed outputs: every processed input after the first processed one is out of order.
          expect(r.counts["app-reorder"] ?? 0).toBe(shuffle ? Math.max(0, r.processed - 1) : 0);
        },
      ),
    );
  });

  describe("app-early-commit", () => {
    /** Inputs 1..n at in/0 offsets 0..n-1; then `steps`: an output of input v sent (and acknowledged, or failed) or a commit of in/0 up to an offset. */
    function withCommits(n: number, steps: ({ out: number; fail?: boolean; unknown?: "written" | "lost" } | { commit: number })[]): Op[] {
      const ops: Op[] = [];
      const push = (o: Omit<Op, "index" | "time">) => ops.push({ index: ops.length, time: ops.length, ...o } as Op);
      for (let i = 0; i < n; i++) {
        push({ process: 0, type: "invoke", f: "send", value: [["send", "in/0", i + 1]] });
        push({ process: 0, type: "ok", f: "send", value: [["send", "in/0", [i, i + 1]]] });
      }
      const outLog: [number, number][] = [];
      let u = 1000;
      for (const step of steps) {
        if ("commit" in step) {
          push({ process: 3, type: "invoke", f: "commit", value: { "in/0": step.commit } });
          push({ process: 3, type: "ok", f: "commit", value: { "in/0": step.commit } });
          continue;
        }
        push({ process: 1, type: "invoke", f: "send", value: [["send", "out/0", u]], from: [["in/0", step.out]] });
        if (step.fail) push({ process: 1, type: "fail", f: "send", value: [["send", "out/0", u]], error: "x" });
        else if (step.unknown) {
          push({ process: 1, type: "info", f: "send", value: [["send", "out/0", u]], error: "timeout" });
          if (step.unknown === "written") outLog.push([outLog.length, u]);
        } else {
          push({ process: 1, type: "ok", f: "send", value: [["send", "out/0", [outLog.length, u]]] });
          outLog.push([outLog.length, u]);
        }
        u++;
      }
      push({ process: 2, type: "invoke", f: "poll", value: [["poll"]] });
      push({ process: 2, type: "ok", f: "poll", value: [["poll", { "in/0": Array.from({ length: n }, (_, i) => [i, i + 1]), "out/0": outLog }]] });
      return ops;
    }

    it("a commit after each output's acknowledgement: nothing found", () => {
      const r = checkApplication(withCommits(2, [{ out: 1 }, { commit: 1 }, { out: 2 }, { commit: 2 }]), opts({ committed: { "in/0": 2 } }));
      expect(r.counts).toEqual({});
    });

    it("a commit before the output's acknowledgement, or with its send failed: app-early-commit, naming the commit and the acknowledgement", () => {
      const ops = withCommits(3, [{ commit: 2 }, { out: 1 }, { out: 2, fail: true }, { out: 3 }, { commit: 3 }]);
      const r = checkApplication(ops, opts({ committed: { "in/0": 3 } }));
      expect(r.counts).toEqual({ "app-early-commit": 2, "app-lost": 1 });
      const [first, second] = r.anomalies["app-early-commit"]!;
      const commitOp = ops.find((o) => o.f === "commit" && o.type === "ok")!.index;
      const ackOf1 = ops.find((o) => o.f === "send" && o.type === "ok" && o.process === 1)!.index;
      expect(first).toMatchObject({ key: "in/0", offsets: [0], values: [1], committed: 2, ops: [commitOp, ackOf1] });
      expect(second).toMatchObject({ offsets: [1], values: [2], ops: [commitOp] });
      expect(second.explanation).toContain("no output of it was ever acknowledged");
      expect(r.bad).toEqual(["app-early-commit", "app-lost"]);
      expect(appSeverity("app-early-commit", "at-least-once")).toBe("bad");
    });

    it("an output whose send ended unknown but is in the log, begun before the commit, may have been written first: not judged; one lost, or begun after the commit, is", () => {
      const ops = withCommits(3, [{ out: 1, unknown: "written" }, { out: 2, unknown: "lost" }, { commit: 3 }, { out: 3, unknown: "written" }]);
      const r = checkApplication(ops, opts({ delivery: "at-least-once", committed: { "in/0": 3 } }));
      expect((r.anomalies["app-early-commit"] ?? []).map((a) => a.values![0])).toEqual([2, 3]);
    });

    it("the first commit past an input decides, after a rewind too; commits of other topics are not the application's inputs", () => {
      const ops = withCommits(2, [{ out: 1 }, { commit: 1 }, { commit: 0 }, { out: 2 }, { commit: 2 }]);
      ops.splice(ops.length - 2, 0, { index: 0, time: 0, process: 4, type: "ok", f: "commit", value: { "out/0": 5 } } as Op);
      ops.forEach((o, i) => (o.index = i));
      expect(checkApplication(ops, opts({ committed: { "in/0": 2 } })).counts).toEqual({});
    });

    it("property: flags exactly the inputs whose first commit past them precedes their first acknowledged output (a plain scan agrees)", () => {
      const step = fc.oneof(fc.record({ out: fc.integer({ min: 1, max: 8 }), fail: fc.boolean() }), fc.record({ commit: fc.nat({ max: 8 }) }));
      fc.assert(
        fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
          const ops = withCommits(8, steps);
          const r = checkApplication(ops, opts({ delivery: "at-least-once", committed: { "in/0": 8 } }));
          const expected: number[] = [];
          for (let offset = 0; offset < 8; offset++) {
            const commit = ops.find((o) => o.f === "commit" && o.type === "ok" && (o.value as Record<string, number>)["in/0"] > offset);
            if (!commit) continue;
            const ack = ops.find((o, i) => o.type === "ok" && o.f === "send" && o.process === 1 && (ops[i - 1].from as [string, number][] | undefined)?.[0]?.[1] === offset + 1);
            if (!ack || ack.index > commit.index) expected.push(offset + 1);
          }
          expect((r.anomalies["app-early-commit"] ?? []).map((a) => a.values![0])).toEqual(expected.slice(0, 16));
          expect(r.counts["app-early-commit"] ?? 0).toBe(expected.length);
        }),
      );
    });
  });
});
