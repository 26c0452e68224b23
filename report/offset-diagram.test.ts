import { describe, expect, it } from "vitest";
import type { Anomaly } from "../checkers/results.ts";
import type { KeyTrace } from "./history-digest.ts";
import { anomalousOffsets, focusOf, renderOffsetDiagram } from "./offset-diagram.ts";

function trace(n: number): KeyTrace {
  const sends = Array.from({ length: n }, (_, o) => ({ op: 1000 + o, process: 0, time: o * 1e9, offset: o, value: o * 10 }));
  const polls = [];
  for (let o = 0; o < n; o += 5) {
    const pairs: number[] = [];
    for (let x = o; x < Math.min(n, o + 5); x++) pairs.push(x, x * 10);
    polls.push({ op: 2000 + o, process: 1, time: (o + 0.5) * 1e9, pairs });
  }
  return { sends, polls };
}

const anomaly = (a: Partial<Anomaly>): Anomaly => ({ type: "duplicate", ops: [], explanation: "", key: "t0/0", ...a });

describe("offset diagram", () => {
  it("finds anomalous offsets from offsets, values, or the ops involved", () => {
    const t = trace(50);
    expect(anomalousOffsets(anomaly({ offsets: [3] }), t)).toEqual([3]);
    expect(anomalousOffsets(anomaly({ values: [70, 420] }), t)).toEqual([7, 42]);
    expect(anomalousOffsets(anomaly({ ops: [2010] }), t)).toEqual([10, 11, 12, 13, 14]);
  });

  it("draws windows around far-apart offsets with a gap and marks the anomalous cells", () => {
    const out = renderOffsetDiagram(anomaly({ values: [20], offsets: [2, 40], ops: [1002, 2040] }), trace(50))!.html;
    expect(out).toContain("⋯");
    expect(out).toMatch(/class="head mark">2</);
    expect(out).toMatch(/class="head mark">40</);
    expect(out).not.toMatch(/class="head[^"]*">20</); // offsets 7..35 are left out
    expect((out.match(/class="cell send bad"/g) ?? []).length).toBe(1);
    expect(out).toContain("poll op 2040");
  });

  it("flags poll values that disagree with the acknowledged send", () => {
    const t = trace(10);
    t.polls.push({ op: 3000, process: 2, time: 20e9, pairs: [4, 999] });
    const out = renderOffsetDiagram(anomaly({ type: "inconsistent-offsets", offsets: [4], ops: [3000] }), t)!.html;
    expect(out).toContain('class="cell poll bad mismatch"');
  });

  it("tells the values an anomaly is about from the other evidence", () => {
    const t = trace(20);
    const unread = (pairs: number[]) => pairs.flatMap((x, i) => (i % 2 === 0 && pairs[i + 1] !== 70 ? [x, pairs[i + 1]] : []));
    t.polls = t.polls.map((p) => ({ ...p, pairs: unread(p.pairs) })); // nobody read 70 (offset 7)
    const lost = focusOf(anomaly({ type: "lost-write", values: [70, 90], offsets: [7, 9] }), t);
    expect([...lost.subject, "|", ...lost.witness]).toEqual([70, "|", 90]);
    const skip = focusOf(anomaly({ type: "poll-skip", values: [40, 90], skipped: [50, 60] }), t);
    expect([...skip.subject, "|", ...skip.witness]).toEqual([50, 60, "|", 40, 90]);
    const cycle = focusOf(anomaly({ type: "G0", ops: [1003, 1005] }), t);
    expect([...cycle.subject]).toEqual([30, 50]);
    expect(renderOffsetDiagram(anomaly({ type: "lost-write", values: [70, 90], offsets: [7, 9] }), t)!.html).toContain('class="cell send witness"');
  });

  it("draws nothing without a key or without data for it", () => {
    expect(renderOffsetDiagram(anomaly({ key: undefined, offsets: [1] }), trace(5))).toBeNull();
    expect(renderOffsetDiagram(anomaly({ offsets: [1] }), undefined)).toBeNull();
    expect(renderOffsetDiagram(anomaly({}), { sends: [], polls: [] })).toBeNull();
  });
});
