// Where finders put what they find (cases.ts), and the small helpers every finder writes its
// evidence with (finders/common.ts).
import { describe, expect, it } from "vitest";
import { Cases, CASE_LIMITS, DEFAULT_LIMIT, listOf, plural } from "./cases.ts";
import { atOffset, opRef, sortedOps } from "./finders/common.ts";
import type { Anomaly } from "./results.ts";

const a = (type: string, n: number): Anomaly => ({ type, explanation: `case ${n}` }) as Anomaly;
const kept = (c: Cases, type: string) => (c.condensed()[type] ?? []).map((x) => x.explanation);

describe("Cases", () => {
  it("counts every case, keeps the highest scores up to the type's limit, earlier first among equals", () => {
    const c = new Cases(3);
    for (const [n, score] of [[1, 5], [2, 9], [3, 5], [4, 1], [5, 9]] as const) c.add(a("x", n), score);
    expect(c.counts.x).toBe(5);
    expect(kept(c, "x")).toEqual(["case 2", "case 5", "case 1"]);
  });

  it("wants a case only while there is room or it beats the lowest kept; a tie does not", () => {
    const c = new Cases(2);
    expect(c.wants("x", 3)).toBe(true);
    c.keep(a("x", 1), 3);
    expect(c.wants("x", 4)).toBe(true);
    c.keep(a("x", 2), 4);
    expect(c.wants("x", 3)).toBe(false);
    expect(c.wants("x", 2)).toBe(false);
    expect(c.wants("x", 5, 10)).toBe(true);
    // Counted all the same: 1 + 1 + 1 + 1 + 10.
    expect(c.counts.x).toBe(14);
    c.keep(a("x", 3), 5);
    expect(kept(c, "x")).toEqual(["case 3", "case 2"]);
  });

  it("takes each type's own limit unless one is given, and lists only the types counted", () => {
    const c = new Cases();
    for (let i = 0; i < 40; i++) c.add(a("G0", i), 0);
    for (let i = 0; i < 40; i++) c.add(a("unseen", i), 0);
    expect(kept(c, "G0")).toHaveLength(CASE_LIMITS.G0);
    expect(kept(c, "unseen")).toHaveLength(DEFAULT_LIMIT);
    expect(CASE_LIMITS.G0).toBeLessThan(DEFAULT_LIMIT);
    // Counted but none kept (wants() said no, or keep() was never called): the type is listed, empty.
    c.wants("poll-skip");
    c.counts.never = 0;
    expect(c.types()).toEqual(["G0", "poll-skip", "unseen"]);
    expect(c.condensed()["poll-skip"]).toEqual([]);
  });
});

describe("evidence helpers", () => {
  it("listOf: 'a, b and c', at most max items and then how many more", () => {
    expect(listOf([])).toBe("");
    expect(listOf([7])).toBe("7");
    expect(listOf([7, 8])).toBe("7 and 8");
    expect(listOf([7, 8, 9])).toBe("7, 8 and 9");
    expect(listOf([1, 2, 3, 4], 2)).toBe("1, 2 and 2 more");
    expect(listOf(Array.from({ length: 9 }, (_, i) => i))).toBe("0, 1, 2, 3, 4, 5, 6, 7 and 1 more");
  });

  it("plural, opRef, sortedOps, atOffset", () => {
    expect([plural(0, "value"), plural(1, "value"), plural(2, "value"), plural(2, "is", "are")]).toEqual(["0 values", "1 value", "2 values", "2 are"]);
    expect([opRef(4), opRef(4, -1), opRef(4, 0), opRef(4, 3)]).toEqual(["op 4", "op 4", "op 4 (process 0)", "op 4 (process 3)"]);
    expect(sortedOps(9, -1, 0, 12, 9, 3)).toEqual([0, 3, 9, 12]);
    expect([atOffset(0), atOffset(17), atOffset(NaN)]).toEqual([" at offset 0", " at offset 17", ""]);
  });
});
