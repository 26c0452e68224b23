// One describe per anomaly type: small hand-written histories, positive and negative. Many are
// Jepsen's kafka_test.clj cases, with keys x/y and integer values.

import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { checkOps } from "./index.ts";
import type { Mode } from "./modes.ts";
import type { Results } from "./results.ts";
import { history, pollPair, sendPair, type Row } from "./testing/build.ts";

const ASSIGN: Mode = { subscribe: false, transactional: false };
const TXN: Mode = { subscribe: false, transactional: true };
const SUB: Mode = { subscribe: true, transactional: false };

const run = (rows: Row[], mode: Mode = ASSIGN): Results => checkOps(history(rows), { mode });
const found = (rows: Row[], mode?: Mode) => run(rows, mode)["anomaly-types"];
const cases = (rows: Row[], type: string, mode?: Mode) => run(rows, mode).anomalies[type] ?? [];

describe("inconsistent-offsets", () => {
  it("ignores an info send that conflicts with an ok send, until a read proves the info send committed", () => {
    const base: Row[] = [
      [0, "invoke", "send", [["send", "x", 1], ["send", "y", 1]]],
      [0, "info", "send", [["send", "x", [0, 1]], ["send", "y", 1]]],
      ...sendPair(1, "ok", "x", [2, 0]),
    ];
    expect(found(base, TXN)).not.toContain("inconsistent-offsets");
    const proven = [...base, ...pollPair(2, "ok", { y: [[5, 1]] })];
    const c = cases(proven, "inconsistent-offsets", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", offsets: [0] });
    expect(c[0].values!.slice().sort()).toEqual([1, 2]);
  });

  it("flags two acknowledged sends at one offset (a real-world example)", () => {
    const c = cases([...sendPair(379, "ok", "k11", [641, 537]), ...sendPair(363, "ok", "k11", [645, 537])], "inconsistent-offsets");
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "k11", offsets: [537], values: [641, 645], ops: [1, 3] });
    expect(c[0].explanation).toBe("k11 offset 537 holds 2 different values depending on who is asked: 641 (op 1) and 645 (op 3).");
  });

  it("is quiet when sends and polls agree", () => {
    expect(found([...sendPair(0, "ok", "x", [1, 0], [2, 1]), ...pollPair(1, "ok", { x: [[0, 1], [1, 2]] })])).toEqual([]);
  });
});

describe("duplicate", () => {
  it("flags a value at two offsets", () => {
    const rows: Row[] = [...sendPair(0, "ok", "x", [10, 1]), ...sendPair(1, "info", "x", [11]), ...pollPair(2, "ok", { x: [[2, 11], [3, 10]] })];
    const c = cases(rows, "duplicate");
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [10], offsets: [1, 3], count: 2, ops: [1, 5] });
    expect(c[0].explanation).toBe("x: value 10 appears at 2 offsets, 1 and 3 (seen by ops 1 and 5); it was sent once, by op 1 (process 0).");
    // Sent by no op of the history (only polls name it): no writer named.
    const unsent = cases(pollPair(2, "ok", { x: [[1, 10], [3, 10]] }), "duplicate");
    expect(unsent[0].explanation).toBe("x: value 10 appears at 2 offsets, 1 and 3 (seen by ops 1 and 1).");
  });

  it("flags every duplicate together with inconsistent offsets, whatever the hash order", () => {
    const rows: Row[] = [];
    for (let v = 0; v < 10; v++) rows.push(...sendPair(0, "ok", "x", [v, 0]), ...pollPair(1, "ok", { x: [[1, v]] }));
    const r = run(rows);
    expect(r.counts.duplicate).toBe(10);
    expect(r.anomalies.duplicate.map((a) => a.values![0]).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.anomalies["inconsistent-offsets"].map((a) => a.offsets![0])).toEqual([0, 1]);
    // A duplicate seen at an offset another value holds names the op that saw it there.
    const d = r.anomalies.duplicate.find((a) => a.values![0] === 5)!;
    expect(d.explanation).toBe("x: value 5 appears at 2 offsets, 0 and 1 (seen by ops 21 and 23); it was sent once, by op 21 (process 0).");
    expect(r.anomalies["inconsistent-offsets"][0].values).toHaveLength(10);
  });

  it("uses polls of aborted transactions, but not the offsets of failed sends", () => {
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [0, 1]),
      ...sendPair(0, "fail", "x", [1, 2]),
      ...pollPair(1, "fail", { x: [[11, 0], [12, 1]] }),
    ];
    const c = cases(rows, "duplicate", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ values: [0], offsets: [1, 11] });
  });

  it("is quiet without duplicates", () => {
    expect(found([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] })])).toEqual([]);
  });
});

describe("truncated-log", () => {
  /** Three acknowledged sends to x, all read; then the final reads' log-ends ops. */
  const base: Row[] = [
    ...sendPair(0, "ok", "x", [1, 0]),
    ...sendPair(1, "ok", "x", [2, 1]),
    ...sendPair(0, "ok", "x", [3, 2]),
    ...pollPair(2, "ok", { x: [[0, 1], [1, 2], [2, 3]] }),
  ];
  const ends = (process: number, x: number): Row[] => [
    [process, "invoke", "log-ends", ["x"]],
    [process, "ok", "log-ends", { x }],
  ];

  it("flags acknowledged sends at or past the log's end once healed, though polls read them before", () => {
    const c = cases([...base, ...ends(9, 1)], "truncated-log");
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [2, 3], offsets: [1, 2], ops: [3, 5, 9] });
    expect(c[0].explanation).toMatch(/ends at offset 1 .*2 acknowledged sends.*offsets 1-2/);
    // Read before they went: the other loss detectors have nothing to say.
    expect(found([...base, ...ends(9, 1)])).toEqual(["truncated-log"]);
    expect(cases([...base, ...ends(9, 0)], "truncated-log")[0].explanation).toMatch(/3 acknowledged sends landed at or past it \(offsets 0-2, first value 1 by op 1\)/);
  });

  it("takes the highest of several readings, and is silent when the log reaches every acknowledged offset", () => {
    expect(found([...base, ...ends(9, 3)])).toEqual([]);
    expect(found([...base, ...ends(9, 0), ...ends(9, 3)])).toEqual([]);
    expect(cases([...base, ...ends(9, 0), ...ends(9, 2)], "truncated-log")[0]).toMatchObject({ values: [3], offsets: [2] });
  });

  it("says when only a poll that did not complete ok returned the value, and gives no offset it does not know", () => {
    const rows: Row[] = [...sendPair(0, "ok", "x", [1, 0]), ...sendPair(0, "ok", "x", [2]), ...pollPair(1, "info", { x: [[0, 1]] }), ...sendPair(2, "ok", "y", [5, 0]), ...pollPair(3, "ok", { y: [[0, 5]] })];
    const c = cases(rows, "unseen");
    expect(c.map((a) => a.values![0])).toEqual([1, 2]);
    expect(c[0].explanation).toBe("x: value 1, acknowledged to process 0 (op 1 at offset 0), was never read by any ok poll (only op 5, a poll that did not complete ok, returned it).");
    expect(c[1].offsets).toBeUndefined();
    expect(c[1].explanation).toMatch(/was never read by any ok poll\.$/);
  });

  it("orders the lost by offset and the ops ascending, whatever order they were acknowledged in, and says 'it' of one", () => {
    // Value 7 is acknowledged first (op 1) at offset 3; value 8 later (op 3) at offset 2.
    const rows: Row[] = [...sendPair(0, "ok", "x", [7, 3]), ...sendPair(1, "ok", "x", [8, 2]), ...pollPair(2, "ok", { x: [[2, 8], [3, 7]] }), ...ends(9, 2)];
    const c = cases(rows, "truncated-log");
    expect(c[0]).toMatchObject({ values: [8, 7], offsets: [2, 3], ops: [1, 3, 7] });
    expect(c[0].explanation).toBe("x: the log ends at offset 2 after the faults were healed (op 7), yet 2 acknowledged sends landed at or past it (offsets 2-3, first value 8 by op 3): the log lost them.");
    const one = cases([...rows.slice(0, -2), ...ends(9, 3)], "truncated-log");
    expect(one[0].explanation).toBe("x: the log ends at offset 3 after the faults were healed (op 7), yet 1 acknowledged send landed at or past it (offset 3, first value 7 by op 1): the log lost it.");
  });

  it("cannot judge unread values above the highest read offset of a key whose log end was asked for and not given", () => {
    // x: 5 at 3 and 6 at 1 read (the highest read offset is 3, though 6 was acknowledged later);
    // 7 at 2 unread below it, and 8, 9, 10 at 4-6 unread above it; 11 at 7 an info send.
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [5, 3]),
      ...sendPair(0, "ok", "x", [6, 1]),
      ...sendPair(0, "ok", "x", [7, 2]),
      ...sendPair(0, "ok", "x", [8, 4], [9, 5], [10, 6]),
      ...sendPair(0, "info", "x", [11, 7]),
      ...pollPair(1, "ok", { x: [[1, 6], [3, 5]] }),
      ...sendPair(2, "ok", "y", [1, 0]),
      ...pollPair(3, "ok", { y: [[0, 1]] }),
      [9, "invoke", "log-ends", ["x", "y"]],
      [9, "ok", "log-ends", { y: 1 }],
    ];
    const r = run(rows);
    expect(r["unknown-reasons"]).toEqual([
      "x: 3 acknowledged values at offsets 4-6 were never read, but the reads stopped at offset 3 and the log end could not be read after the heal (the cluster had not recovered): in the log unread, or lost, cannot be told",
    ]);
    // Below the highest read offset, the unread value is judged: lost.
    expect(r.anomalies.unseen?.map((a) => a.values)).toEqual([[7]]);
    // One value above: "was"; a key all read, or with nothing read, says nothing more.
    const one = run([...rows.slice(0, 6), ...sendPair(0, "ok", "x", [8, 4]), ...rows.slice(10)]);
    expect(one["unknown-reasons"]).toEqual([expect.stringMatching(/^x: 1 acknowledged value at offset 4 was never read, but the reads stopped at offset 3 /)]);
    const none = run([...sendPair(0, "ok", "x", [1, 0]), ...sendPair(0, "ok", "x", [2, 1]), ...pollPair(1, "ok", { x: [[0, 1]] }), [9, "invoke", "log-ends", ["x"]], [9, "ok", "log-ends", {}]]);
    expect(none["unknown-reasons"]).toEqual([expect.stringMatching(/^x: 1 acknowledged value at offset 1 was never read, but the reads stopped at offset 0 /)]);
    const allRead = run([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] }), [9, "invoke", "log-ends", ["x"]], [9, "ok", "log-ends", {}]]);
    expect([allRead.valid, allRead["unknown-reasons"] ?? []]).toEqual([true, []]);
  });

  it("names no held-back stable end for an unread value below it", () => {
    const rows: Row[] = [...sendPair(0, "ok", "y", [5, 0]), ...sendPair(0, "ok", "y", [6, 1]), ...pollPair(1, "ok", { y: [[1, 6]] }), [9, "invoke", "log-ends", ["y"]], [9, "ok", "log-ends", { y: 2 }], [9, "invoke", "stable-ends", ["y"]], [9, "ok", "stable-ends", { y: 2 }]];
    expect(cases(rows, "unseen")[0].explanation).toBe("y: value 5, acknowledged to process 0 (op 1 at offset 0), was never read by any ok poll.");
  });

  it("counts only acknowledged sends: an aborted transaction's offsets past the end are no loss", () => {
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 0]),
      [1, "invoke", "txn", [["send", "x", 2]], { abort: true, "abort-at": 1 }],
      [1, "fail", "txn", [["send", "x", [1, 2]]], { error: "aborted-on-purpose" }],
      ...pollPair(2, "ok", { x: [[0, 1]] }),
      ...ends(9, 1),
    ];
    expect(found(rows, TXN)).toEqual([]);
  });

  it("names a last stable offset held below unread values (a transaction left open), and never counts it as the log's end", () => {
    // y: acknowledged at 0 and 1, only 0 read; the log reaches 2, read_committed readers stop at 1.
    const rows: Row[] = [
      ...sendPair(0, "ok", "y", [5, 0]),
      ...sendPair(0, "ok", "y", [6, 1]),
      ...pollPair(1, "ok", { y: [[0, 5]] }),
      [9, "invoke", "log-ends", ["y"]],
      [9, "ok", "log-ends", { y: 2 }],
      [9, "invoke", "stable-ends", ["y"]],
      [9, "ok", "stable-ends", { y: 1 }],
    ];
    const c = cases(rows, "unseen");
    expect(c.map((a) => a.values)).toEqual([[6]]);
    expect(c[0].explanation).toMatch(/never read by any ok poll\. The last stable offset of y was 1 after the final reads \(op 9\): a transaction left open holds read_committed readers below it\.$/);
    // A stable end below acknowledged values is no truncation: that takes the high watermark.
    expect(found(rows)).toEqual(["unseen"]);
    // Without the stable end, the same case says nothing of it.
    expect(cases(rows.slice(0, -2), "unseen")[0].explanation).toMatch(/never read by any ok poll\.$/);
  });

  it("ignores failed readings, keys without a reading, and sends whose offset is unknown", () => {
    const failed: Row[] = [
      [9, "invoke", "log-ends", ["x"]],
      [9, "fail", "log-ends", ["x"], { error: "timeout" }],
    ];
    expect(found([...base, ...failed])).toEqual([]);
    expect(found([...base, [9, "invoke", "log-ends", ["y"]], [9, "ok", "log-ends", { y: 0 }]])).toEqual([]);
    expect(found([...sendPair(0, "info", "x", [7]), ...ends(9, 0)])).toEqual([]);
  });
});

describe("lost-write", () => {
  it("flags acknowledged values below what a poll read", () => {
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 0]),
      [0, "invoke", "send", [["send", "x", 2], ["send", "x", 4]]],
      [0, "ok", "send", [["send", "x", [1, 2]], ["send", "x", [3, 4]]]],
      ...sendPair(1, "info", "x", [3]),
      ...pollPair(0, "ok", { x: [[2, 3]] }),
    ];
    const c = cases(rows, "lost-write", TXN);
    expect(c.map((a) => a.values![0])).toEqual([1, 2]);
    expect(c[0]).toMatchObject({ key: "x", offsets: [0, 2], ops: [1, 7] });
    expect(c[0].explanation).toMatch(/value 1 at offset 0.*never read.*op 7.*read 3 at offset 2/);
  });

  it("copes with inconsistent offsets (a value overwritten at its offset)", () => {
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 0]),
      [0, "invoke", "send", [["send", "x", 2], ["send", "x", 3]]],
      [0, "ok", "send", [["send", "x", [0, 2]], ["send", "x", [2, 3]]]],
      ...pollPair(0, "ok", { x: [[0, 2], [2, 3]] }),
    ];
    const r = run(rows);
    expect(r.anomalies["lost-write"].map((a) => a.values![0])).toEqual([1]);
    expect(r["anomaly-types"]).toContain("inconsistent-offsets");
  });

  it("counts an info send as committed once any of its values was read", () => {
    const base: Row[] = [
      [0, "invoke", "send", [["send", "x", 1], ["send", "y", 2]]],
      [0, "info", "send", [["send", "x", 1], ["send", "y", [0, 2]]]],
      ...sendPair(1, "info", "y", [3]),
      ...pollPair(3, "ok", { y: [[1, 3]] }),
    ];
    expect(found(base, TXN)).not.toContain("lost-write");
    const proven: Row[] = [...base, ...pollPair(2, "ok", { x: [[0, 1]] })];
    const c = cases(proven, "lost-write", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "y", values: [2, 3], offsets: [0, 1] });
    expect(c[0].explanation).toContain("another of its values was read");
  });

  it("does not flag values beyond the furthest read", () => {
    expect(found([...sendPair(0, "ok", "x", [1, 0], [2, 1]), ...pollPair(1, "ok", { x: [[0, 1]] })])).not.toContain("lost-write");
  });

  // The next four fail against mutants of lost-write.ts that the tests above let through.
  it("takes the furthest read over all values, not the last value seen", () => {
    // Sent a, b, c, d (values 1-4) at offsets 3, 0, 1, 2; polls read a (offset 3) and c (offset 1).
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 3]),
      ...sendPair(1, "ok", "x", [2, 0]),
      ...sendPair(2, "ok", "x", [3, 1]),
      ...sendPair(3, "ok", "x", [4, 2]),
      ...pollPair(4, "ok", { x: [[3, 1]] }),
      ...pollPair(5, "ok", { x: [[1, 3]] }),
    ];
    expect(cases(rows, "lost-write").map((a) => a.values![0])).toEqual([2, 4]);
  });

  it("judges a value at its last position in the log (a duplicate beyond the furthest read is not lost)", () => {
    // 1 is acknowledged at offset 1 and seen again at 5 by an aborted poll; the furthest ok read is at 3.
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 1]),
      ...sendPair(1, "info", "x", [2]),
      [2, "invoke", "txn", [["poll"]]],
      [2, "fail", "txn", [["poll", { x: [[5, 1]] }]]],
      ...pollPair(3, "ok", { x: [[3, 2]] }),
    ];
    const r = run(rows, TXN);
    expect(r["anomaly-types"]).toContain("duplicate");
    expect(r["anomaly-types"]).not.toContain("lost-write");
  });

  it("judges every value at a conflicting offset, not just the first", () => {
    const rows: Row[] = [...sendPair(0, "ok", "x", [1, 0]), ...sendPair(1, "ok", "x", [2, 0]), ...sendPair(2, "ok", "x", [3, 1]), ...pollPair(3, "ok", { x: [[1, 3]] })];
    expect(cases(rows, "lost-write").map((a) => a.values![0]).sort()).toEqual([1, 2]);
  });

  it("says 'further along the log' only when the read was further along, and names an acknowledged writer", () => {
    // 1 and 2 both at offset 0; 2 is read there, so 1 is lost at the very offset that was read.
    const same = cases([...sendPair(0, "ok", "x", [1, 0]), ...sendPair(1, "ok", "x", [2, 0]), ...pollPair(2, "ok", { x: [[0, 2]] })], "lost-write");
    expect(same).toHaveLength(1);
    expect(same[0].explanation).toMatch(/\(process 0, acknowledged\), was never read by any poll, though op 5 \(process 2\) read 2 at offset 0\.$/);
    const further = cases([...sendPair(0, "ok", "x", [1, 0]), ...sendPair(1, "ok", "x", [2, 1]), ...pollPair(2, "ok", { x: [[1, 2]] })], "lost-write");
    expect(further[0].explanation).toMatch(/read 2 at offset 1, further along the log\.$/);
  });
});

describe("unseen", () => {
  it("flags acknowledged values never read", () => {
    const r = run([...sendPair(0, "ok", "x", [1, 0], [2, 1]), ...pollPair(1, "ok", { x: [[0, 1]] })]);
    expect(r.anomalies.unseen.map((a) => a.values)).toEqual([[2]]);
    expect(r.valid).toBe(false);
    expect(r.stats.unseen.at(-1)?.count).toBe(1);
  });
  it("ignores info and failed sends, and values read before their send completed", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "x", 1]]],
      ...pollPair(1, "ok", { x: [[0, 1]] }),
      [0, "ok", "send", [["send", "x", [0, 1]]]],
      ...sendPair(2, "info", "x", [5]),
      ...sendPair(3, "fail", "x", [6]),
    ];
    expect(found(rows)).toEqual([]);
  });
});

describe("poll-skip", () => {
  // Process 0 reads offsets 1-2, then 4, then 7; offsets 3 and 6 are known from other ops.
  const writes: Row[] = [
    [3, "invoke", "send", [1, 2, 3, 4, 7].map((v) => ["send", "x", v])],
    [3, "info", "send", [1, 2, 3, 4, 7].map((v) => ["send", "x", v])],
  ];
  const p0a = pollPair(0, "ok", { x: [[1, 1], [2, 2]] });
  const p1 = pollPair(1, "ok", { x: [[3, 3]] });
  const p0b = pollPair(0, "ok", { x: [[4, 4]] });
  const w6 = sendPair(2, "ok", "x", [6, 6]);
  const p0c = pollPair(0, "ok", { x: [[7, 7]] });

  it("flags successive polls that jump over known values", () => {
    const c = cases([...writes, ...p0a, ...p1, ...p0b, ...w6, ...p0c], "poll-skip");
    expect(c.map((a) => [a.delta, a.skipped])).toEqual([
      [2, [3]],
      [2, [6]],
    ]);
    expect(c[0].ops).toEqual([3, 7]);
    expect(c[0].explanation).toBe("process 0 polled x up to offset 2 (value 2, op 3), then its next poll (op 7) resumed at offset 4 (value 4), skipping 1 value known to be there: 3.");
    expect(c[0].occurrences).toBeUndefined();
    // The same jump by another process: one case, counted twice.
    const twice = run([...writes, ...p0a, ...p1, ...p0b, ...pollPair(4, "ok", { x: [[1, 1], [2, 2]] }), ...pollPair(4, "ok", { x: [[4, 4]] })]);
    expect(twice.counts["poll-skip"]).toBe(2);
    expect(twice.anomalies["poll-skip"][0]).toMatchObject({ occurrences: 2 });
    expect(twice.anomalies["poll-skip"][0].explanation).toMatch(/skipping 1 value known to be there: 3 \(1 later poll jumped the same way\)\.$/);
  });

  it("forgets a key that an assign or subscribe drops, but not one it keeps", () => {
    const subY: Row[] = [
      [0, "invoke", "subscribe", ["y"]],
      [0, "ok", "subscribe", ["y"]],
    ];
    const assignY: Row[] = [
      [0, "invoke", "assign", ["y"]],
      [0, "info", "assign", ["y"]],
    ];
    expect(found([...writes, ...p0a, ...p1, ...subY, ...p0b, ...assignY, ...w6, ...p0c])).not.toContain("poll-skip");
    const subXY: Row[] = [
      [0, "invoke", "assign", ["x", "y"]],
      [0, "ok", "assign", ["x", "y"]],
    ];
    expect(cases([...writes, ...p0a, ...p1, ...subXY, ...p0b, ...w6, ...p0c], "poll-skip")).toHaveLength(2);
  });

  it("does not count gaps left by transaction markers or aborted records", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "x", 1], ["send", "x", 2]]],
      [0, "ok", "send", [["send", "x", [0, 1]], ["send", "x", [1, 2]]]],
      // offset 2: commit marker; 3, 4: an aborted transaction's records; 5: its abort marker.
      [0, "invoke", "send", [["send", "x", 3], ["send", "x", 4]]],
      [0, "fail", "send", [["send", "x", 3], ["send", "x", 4]]],
      [0, "invoke", "send", [["send", "x", 5]]],
      [0, "ok", "send", [["send", "x", [6, 5]]]],
      ...pollPair(1, "ok", { x: [[0, 1], [1, 2]] }),
      ...pollPair(1, "ok", { x: [[6, 5]] }),
    ];
    expect(found(rows, TXN)).toEqual([]);
  });

  it("lets an aborted poll rewind, and flags polls that did not", () => {
    const send: Row[] = [
      [0, "invoke", "send", [0, 1, 2, 3, 4, 5].map((v) => ["send", "x", v])],
      [0, "ok", "send", [0, 1, 2, 3, 4, 5].map((v) => ["send", "x", [v, v]])],
    ];
    const good: Row[] = [
      ...send,
      [1, "invoke", "txn", [["poll"]]],
      [1, "ok", "txn", [["poll", { x: [[0, 0]] }]]],
      [1, "invoke", "txn", [["poll"]]],
      [1, "fail", "txn", [["poll", { x: [[1, 1], [2, 2]] }]]],
      [1, "invoke", "txn", [["poll"]]],
      [1, "ok", "txn", [["poll", { x: [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]] }]]],
    ];
    expect(found(good, TXN)).toEqual([]);
    const bad: Row[] = [
      ...send,
      [1, "invoke", "txn", [["poll"]]],
      [1, "ok", "txn", [["poll", { x: [[0, 0]] }]]],
      [1, "invoke", "txn", [["poll"]]],
      [1, "fail", "txn", [["poll", { x: [[1, 1], [2, 2]] }]]],
      [1, "invoke", "txn", [["poll"]]],
      [1, "fail", "txn", [["poll", { x: [[3, 3], [4, 4]] }]]],
      [1, "invoke", "txn", [["poll"]]],
      [1, "ok", "txn", [["poll", { x: [[5, 5]] }]]],
    ];
    const c = cases(bad, "poll-skip", TXN);
    expect(c.map((a) => [a.delta, a.skipped, a.ops])).toEqual([
      [5, [1, 2, 3, 4], [3, 9]],
      [3, [1, 2], [3, 7]],
    ]);
  });

  it("is informational under subscribe, where rebalances explain it", () => {
    const r = run([...writes, ...p0a, ...p1, ...p0b, ...w6, ...p0c], SUB);
    expect(r["anomaly-types"]).toContain("poll-skip");
    expect(r["bad-anomaly-types"]).not.toContain("poll-skip");
  });
});

describe("nonmonotonic-poll", () => {
  const send: Row[] = [
    [0, "invoke", "send", [1, 2, 3, 4].map((v) => ["send", "x", v])],
    [0, "ok", "send", [1, 2, 3, 4].map((v) => ["send", "x", v])],
  ];
  const first = pollPair(0, "ok", { x: [[1, 1], [2, 2], [3, 3]] });
  const again = pollPair(0, "ok", { x: [[2, 2], [3, 3], [4, 4]] });

  it("flags a poll that starts at or before where the previous one ended", () => {
    const c = cases([...send, ...first, ...again], "nonmonotonic-poll");
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [3, 2], offsets: [3, 2], delta: -1, ops: [3, 5] });
    expect(c[0].explanation).toBe("process 0 polled x up to offset 3 (value 3, op 3), then its next poll (op 5) started at offset 2 (value 2): it went back 1 value instead of continuing after offset 3.");
    const repeat = cases([...send, ...first, ...pollPair(0, "ok", { x: [[3, 3], [4, 4]] })], "nonmonotonic-poll");
    expect(repeat.map((a) => [a.delta, a.explanation])).toEqual([[0, "process 0 polled x up to offset 3 (value 3, op 3), then its next poll (op 5) started at offset 3 (value 3): it read again instead of continuing after offset 3."]]);
  });

  it("is reset by an assign without the key, or with seek-to-beginning", () => {
    const assignY: Row[] = [
      [0, "invoke", "assign", ["y"]],
      [0, "ok", "assign", ["y"]],
    ];
    expect(found([...send, ...first, ...assignY, ...again])).toEqual([]);
    const seek: Row[] = [
      [0, "invoke", "assign", ["x"], { "seek-to-beginning": true }],
      [0, "ok", "assign", ["x"], { "seek-to-beginning": true }],
    ];
    expect(found([...send, ...first, ...seek, ...again])).toEqual([]);
    const assignXY: Row[] = [
      [0, "invoke", "assign", ["x", "y"]],
      [0, "ok", "assign", ["x", "y"]],
    ];
    expect(cases([...send, ...first, ...assignXY, ...again], "nonmonotonic-poll")).toHaveLength(1);
  });

  it("is excused for a key the op's rebalance-log names, and informational under subscribe", () => {
    const rebalanced = pollPair(0, "ok", { x: [[2, 2], [3, 3], [4, 4]] }, { "rebalance-log": [{ keys: ["x"] }] });
    expect(found([...send, ...first, ...rebalanced], SUB)).toEqual([]);
    const r = run([...send, ...first, ...again], SUB);
    expect(r["anomaly-types"]).toEqual(["nonmonotonic-poll"]);
    expect(r.valid).toBe(true);
  });
});

describe("int-poll-skip", () => {
  const send: Row[] = [
    [1, "invoke", "send", [1, 2, 4].map((v) => ["send", "x", v])],
    [1, "info", "send", [1, 2, 4].map((v) => ["send", "x", v])],
  ];
  it("flags a skip within one poll and across the polls of one op", () => {
    const rows: Row[] = [
      ...send,
      ...pollPair(0, "ok", { x: [[1, 1], [4, 4]] }),
      [0, "invoke", "poll", [["poll"], ["poll"]]],
      [0, "ok", "poll", [["poll", { x: [[1, 1]] }], ["poll", { x: [[4, 4]] }]]],
      ...pollPair(2, "ok", { x: [[2, 2]] }),
    ];
    const r = run(rows);
    // The same jump (offset 1 → 4) by two ops: one case, counted twice.
    expect(r.counts["int-poll-skip"]).toBe(2);
    const c = r.anomalies["int-poll-skip"];
    expect(c.map((a) => [a.values, a.skipped, a.delta, a.ops, a.occurrences])).toEqual([[[1, 4], [2], 2, [3], 2]]);
    expect(c[0].explanation).toBe("op 3 read x offset 1 (value 1) and then offset 4 (value 4), skipping 1 value known to be between them: 2 (1 later op did the same).");
    expect(c[0]).toMatchObject({ key: "x", offsets: [1, 4] });
    // Once: no occurrences, no "later op"; two values skipped.
    const once = run([...sendPair(1, "info", "x", [1], [2], [3], [4]), ...pollPair(0, "ok", { x: [[1, 1], [4, 4]] }), ...pollPair(2, "ok", { x: [[2, 2], [3, 3]] })]).anomalies["int-poll-skip"];
    expect(once[0].occurrences).toBeUndefined();
    expect(once[0].explanation).toBe("op 3 read x offset 1 (value 1) and then offset 4 (value 4), skipping 2 values known to be between them: 2 and 3.");
  });
  it("counts each jump's repeats on its own case when ops alternate between two jumps from one offset", () => {
    const w: Row[] = [
      [1, "invoke", "send", [1, 2, 3, 4, 5].map((v) => ["send", "x", v])],
      [1, "info", "send", [1, 2, 3, 4, 5].map((v) => ["send", "x", v])],
    ];
    const jump = (to: number) => pollPair(0, "ok", { x: [[1, 1], [to, to]] });
    // 1 → 4 twice, 1 → 5, 1 → 4 again (a case of its own: the last jump from 1 was to 5).
    const r = run([...w, ...jump(4), ...jump(4), ...jump(5), ...jump(4), ...pollPair(2, "ok", { x: [[2, 2], [3, 3]] })]);
    expect(r.counts["int-poll-skip"]).toBe(4);
    const c = r.anomalies["int-poll-skip"].map((a) => [a.offsets, a.ops, a.occurrences]);
    expect(c).toEqual(
      expect.arrayContaining([
        [[1, 4], [3], 2],
        [[1, 5], [7], undefined],
        [[1, 4], [9], undefined],
      ]),
    );
    expect(c).toHaveLength(3);
  });
  it("is excused for a rebalanced key, and quiet for adjacent records", () => {
    const rows: Row[] = [...send, ...pollPair(0, "ok", { x: [[1, 1], [4, 4]] }, { "rebalance-log": [{ keys: ["x"] }] }), ...pollPair(2, "ok", { x: [[2, 2]] })];
    expect(found(rows)).not.toContain("int-poll-skip");
    expect(found([...send, ...pollPair(0, "ok", { x: [[1, 1], [2, 2], [4, 4]] })])).not.toContain("int-poll-skip");
  });
  it("with transactions, passing over a failed (aborted) send that another poll returned is the G1a's, not a skip", () => {
    // 2's transaction aborted, but one read_committed poll returned it anyway (kafkajs 2.2.4 does
    // this). A poll that goes from 1 straight to 4 is then right, within one op and between polls.
    const rows: Row[] = [
      ...sendPair(1, "ok", "x", [1, 1]),
      ...sendPair(1, "fail", "x", [2]),
      ...sendPair(1, "ok", "x", [4, 4]),
      ...pollPair(2, "ok", { x: [[1, 1], [2, 2], [4, 4]] }),
      ...pollPair(0, "ok", { x: [[1, 1], [4, 4]] }),
      ...pollPair(3, "ok", { x: [[1, 1]] }),
      ...pollPair(3, "ok", { x: [[4, 4]] }),
    ];
    const r = run(rows, TXN);
    expect(r["anomaly-types"]).toEqual(["G1a"]);
    expect(r.anomalies.G1a[0]).toMatchObject({ key: "x", values: [2] });
    // Without transactions the failed send is in the log for every consumer: both are skips.
    expect(found(rows)).toEqual(expect.arrayContaining(["G1a", "int-poll-skip", "poll-skip"]));
  });
  it("with transactions, still flags a skip over a committed value beside an aborted one, naming only the committed one", () => {
    const rows: Row[] = [
      ...sendPair(1, "ok", "x", [1, 1]),
      ...sendPair(1, "fail", "x", [2]),
      ...sendPair(1, "ok", "x", [3, 3]),
      ...sendPair(1, "ok", "x", [4, 4]),
      ...pollPair(2, "ok", { x: [[1, 1], [2, 2], [3, 3], [4, 4]] }),
      ...pollPair(0, "ok", { x: [[1, 1], [4, 4]] }),
    ];
    const c = cases(rows, "int-poll-skip", TXN);
    expect(c.map((a) => [a.values, a.skipped, a.delta])).toEqual([[[1, 4], [3], 2]]);
  });
});

describe("int-nonmonotonic-poll", () => {
  it("flags records going backwards or repeating within one op", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [1, 2, 3].map((v) => ["send", "x", v])],
      [0, "info", "send", [1, 2, 3].map((v) => ["send", "x", v])],
      ...pollPair(1, "ok", { x: [[3, 3], [1, 1]] }),
      [1, "invoke", "poll", [["poll"], ["poll"]]],
      [1, "ok", "poll", [["poll", { x: [[2, 2], [3, 3]] }], ["poll", { x: [[3, 3]] }]]],
    ];
    const c = cases(rows, "int-nonmonotonic-poll");
    expect(c.map((a) => [a.values, a.delta])).toEqual([
      [[3, 1], -2],
      [[3, 3], 0],
    ]);
    expect(c.map((a) => [a.key, a.offsets, a.ops, a.explanation])).toEqual([
      ["x", [3, 1], [3], "op 3 read x offset 3 (value 3) and then offset 1 (value 1): within one op the log went backwards."],
      ["x", [3, 3], [5], "op 5 read x offset 3 (value 3) and then offset 3 (value 3): within one op the log repeated."],
    ]);
  });
});

describe("nonmonotonic-send", () => {
  const s34: Row[] = [
    [0, "invoke", "send", [["send", "x", 3], ["send", "x", 4]]],
    [0, "ok", "send", [["send", "x", [3, 3]], ["send", "x", [4, 4]]]],
  ];
  const s12: Row[] = [
    [0, "invoke", "send", [["send", "x", 1], ["send", "x", 2]]],
    [0, "ok", "send", [["send", "x", [1, 1]], ["send", "x", [2, 2]]]],
  ];
  const read = pollPair(5, "ok", { x: [[1, 1], [2, 2], [3, 3], [4, 4]] });
  it("flags a later send landing below an earlier one", () => {
    const c = cases([...s34, ...s12, ...read], "nonmonotonic-send", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [4, 1], offsets: [4, 1], delta: -3, ops: [1, 3] });
    expect(c[0].explanation).toBe("process 0 sent 4 to x (op 1, offset 4) and later sent 1 (op 3), which landed 3 values earlier, at offset 1.");
  });
  it("flags a later send landing at the very offset of an earlier one", () => {
    const c = cases([...sendPair(0, "ok", "x", [3, 3]), ...sendPair(0, "ok", "x", [5, 3]), ...pollPair(1, "ok", { x: [[3, 5]] })], "nonmonotonic-send");
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ values: [3, 5], delta: 0 });
    expect(c[0].explanation).toMatch(/which landed at the same offset\.$/);
  });
  it("counts only committed ops, and only sends whose place in the log is known", () => {
    // The later op's outcome is unknown and nothing it sent was read: it may never have happened.
    const unproven: Row[] = [...s34, [0, "invoke", "send", [["send", "x", 1]]], [0, "info", "send", [["send", "x", [1, 1]]]], ...pollPair(5, "ok", { x: [[3, 3], [4, 4]] })];
    expect(found(unproven, TXN)).not.toContain("nonmonotonic-send");
    // A read of it proves it committed.
    expect(found([...unproven, ...pollPair(6, "ok", { x: [[1, 1]] })], TXN)).toContain("nonmonotonic-send");
    // A send acknowledged without an offset and never read has no known place.
    expect(found([...sendPair(0, "ok", "x", [4]), ...sendPair(0, "ok", "x", [1, 1]), ...pollPair(5, "ok", { x: [[1, 1]] })])).not.toContain("nonmonotonic-send");
  });
  it("uses read positions for sends without offsets, and resets on an assign dropping the key", () => {
    const rows: Row[] = [...sendPair(0, "ok", "x", [4]), ...sendPair(0, "ok", "x", [1]), ...pollPair(5, "ok", { x: [[0, 1], [1, 4]] })];
    expect(cases(rows, "nonmonotonic-send")).toHaveLength(1);
    const assignY: Row[] = [
      [0, "invoke", "assign", ["y"]],
      [0, "ok", "assign", ["y"]],
    ];
    expect(found([...s34, ...assignY, ...s12, ...read], TXN)).not.toContain("nonmonotonic-send");
  });
  it("is quiet when sends go forward", () => {
    expect(found([...s12, ...s34, ...read], TXN)).toEqual([]);
  });
});

describe("int-send-skip and int-nonmonotonic-send", () => {
  it("reports foreign values between one op's sends, informationally", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "x", 1], ["send", "x", 3]]],
      [0, "ok", "send", [["send", "x", [1, 1]], ["send", "x", 3]]],
      ...sendPair(1, "info", "x", [2]),
      ...pollPair(2, "ok", { x: [[1, 1], [2, 2], [3, 3]] }),
    ];
    const r = run(rows, TXN);
    expect(r.anomalies["int-send-skip"]).toHaveLength(1);
    expect(r.anomalies["int-send-skip"][0]).toMatchObject({ key: "x", values: [1, 3], offsets: [1, 3], ops: [1], skipped: [2], delta: 2 });
    expect(r.anomalies["int-send-skip"][0].explanation).toBe("op 1 sent 1 and then 3 to x; they landed at offsets 1 and 3 with 1 other value between them: 2.");
    expect(r.valid).toBe(true);
  });
  it("flags one op's sends landing in reverse order (from offsets, or from reads)", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "x", 3], ["send", "x", 1]]],
      [0, "ok", "send", [["send", "x", [3, 3]], ["send", "x", [1, 1]]]],
      [0, "invoke", "send", [["send", "y", 4], ["send", "y", 2]]],
      [0, "info", "send", [["send", "y", 4], ["send", "y", 2]]],
      ...sendPair(1, "info", "y", [3]),
      ...pollPair(2, "ok", { x: [[1, 1], [3, 3]], y: [[2, 2], [3, 3], [4, 4]] }),
    ];
    const c = cases(rows, "int-nonmonotonic-send", TXN);
    expect(c.map((a) => [a.key, a.values, a.delta]).sort()).toEqual([
      ["x", [3, 1], -1],
      ["y", [4, 2], -2],
    ]);
    expect(c.find((a) => a.key === "x")).toMatchObject({ offsets: [3, 1], ops: [1], explanation: "op 1 sent 3 and then 1 to x, but 1 landed before 3 (offsets 1 and 3)." });
    // Two sends of one op acknowledged at one offset.
    const same = cases([[0, "invoke", "send", [["send", "z", 5], ["send", "z", 6]]], [0, "ok", "send", [["send", "z", [7, 5]], ["send", "z", [7, 6]]]], ...pollPair(2, "ok", { z: [[7, 6]] })], "int-nonmonotonic-send", TXN);
    expect(same.map((a) => [a.delta, a.explanation])).toEqual([[0, "op 1 sent 5 and then 6 to z, but 6 landed at the same offset as 5 (offsets 7 and 7)."]]);
  });
  it("ignores an info op that was never proven committed", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "y", 4], ["send", "y", 2]]],
      [0, "info", "send", [["send", "y", [4, 4]], ["send", "y", [2, 2]]]],
      ...sendPair(1, "ok", "y", [9, 0]),
      ...pollPair(2, "ok", { y: [[0, 9]] }),
    ];
    expect(found(rows, TXN)).toEqual([]);
  });
});

describe("G1a", () => {
  it("flags an ok poll of a value whose send failed", () => {
    const rows: Row[] = [
      [0, "invoke", "send", [["send", "x", 2], ["send", "y", 3]]],
      [0, "fail", "send", [["send", "x", 2], ["send", "y", 3]]],
      ...pollPair(1, "ok", { x: [[0, 2]] }),
    ];
    const c = cases(rows, "G1a", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [2], offsets: [0], ops: [1, 3] });
  });
  it("gives no offset when the poll did not say where it read the value", () => {
    const c = cases([...sendPair(0, "fail", "x", [2]), ...pollPair(1, "ok", { x: [[null as unknown as number, 2]] })], "G1a");
    expect(c).toHaveLength(1);
    expect(c[0].offsets).toBeUndefined();
  });
  it("ignores failed values seen only by polls that did not complete ok", () => {
    const rows: Row[] = [...sendPair(0, "fail", "x", [2]), ...sendPair(0, "ok", "x", [3, 1]), ...pollPair(1, "info", { x: [[0, 2]] }), ...pollPair(2, "ok", { x: [[1, 3]] })];
    expect(found(rows)).not.toContain("G1a");
  });
});

describe("precommitted-read", () => {
  it("flags a transaction reading its own write", () => {
    const rows: Row[] = [
      [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
      [0, "ok", "txn", [["send", "x", [0, 1]], ["poll", { x: [[0, 1]] }]]],
    ];
    const c = cases(rows, "precommitted-read", TXN);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ key: "x", values: [1], offsets: [0], ops: [1] });
  });
  it("gives no offset when neither the send nor the poll said where the value is", () => {
    const rows: Row[] = [
      [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
      [0, "ok", "txn", [["send", "x", 1], ["poll", { x: [[null, 1]] }]]],
    ];
    const c = cases(rows, "precommitted-read", TXN);
    expect(c).toHaveLength(1);
    expect(c[0].offsets).toBeUndefined();
  });
  it("is quiet when a transaction reads others' writes", () => {
    const rows: Row[] = [
      ...sendPair(1, "ok", "x", [1, 0]),
      [0, "invoke", "txn", [["send", "x", 2], ["poll"]]],
      [0, "ok", "txn", [["send", "x", [1, 2]], ["poll", { x: [[0, 1]] }]]],
      ...pollPair(2, "ok", { x: [[0, 1], [1, 2]] }),
    ];
    expect(found(rows, TXN)).toEqual([]);
  });
});

describe("op evidence", () => {
  it("points at ops by index, in history order", () => {
    const h: Op[] = history([...sendPair(0, "ok", "x", [1, 0]), ...sendPair(0, "ok", "x", [2, 1]), ...pollPair(1, "ok", { x: [[1, 2]] })]);
    const r = checkOps(h, { mode: ASSIGN });
    const lw = r.anomalies["lost-write"][0];
    for (const i of lw.ops) expect(h[i].type).not.toBe("invoke");
    expect(lw.ops).toEqual([...lw.ops].sort((a, b) => a - b));
  });
});

describe("unseen above where the final reads stopped, with the log end unknown", () => {
  // Three acknowledged sends to x; polls read offsets 0 and 1; the value at offset 2 was never read.
  const base: Row[] = [
    ...sendPair(0, "ok", "x", [1, 0]),
    ...sendPair(1, "ok", "x", [2, 1]),
    ...sendPair(0, "ok", "x", [3, 2]),
    ...pollPair(2, "ok", { x: [[0, 1], [1, 2]] }),
  ];
  const failedEnds: Row[] = [
    [9, "invoke", "log-ends", ["x"]],
    [9, "fail", "log-ends", ["x"], { error: "There is no leader for this topic-partition" }],
  ];

  it("cannot be judged: the verdict is unknown, with the key, the offsets and why (--preset operations --seed 8)", () => {
    const r = run([...base, ...failedEnds]);
    expect(r["anomaly-types"]).toEqual([]);
    expect(r.valid).toBe("unknown");
    expect(r["unknown-reasons"]).toEqual([expect.stringMatching(/^x: 1 acknowledged value at offset 2 was never read, but the reads stopped at offset 1 and the log end could not be read/)]);
  });

  it("names every unjudged offset, in order, and judges from the furthest ok read", () => {
    // 1 and 2 read at 0 and 1 (1 read again, later, by another poll); 3 and 4 acknowledged at 3 and 2, never read.
    const rows: Row[] = [
      ...sendPair(0, "ok", "x", [1, 0]),
      ...sendPair(1, "ok", "x", [2, 1]),
      // 3 and 4 in flight together, so that 4 landing before 3 is no realtime cycle.
      [0, "invoke", "send", [["send", "x", 3]]],
      [1, "invoke", "send", [["send", "x", 4]]],
      [0, "ok", "send", [["send", "x", [3, 3]]]],
      [1, "ok", "send", [["send", "x", [2, 4]]]],
      ...pollPair(2, "ok", { x: [[0, 1], [1, 2]] }),
      ...pollPair(3, "ok", { x: [[0, 1]] }),
      ...failedEnds,
    ];
    const r = run(rows);
    expect(r.valid).toBe("unknown");
    expect(r["unknown-reasons"]).toEqual([expect.stringMatching(/^x: 2 acknowledged values at offsets 2-3 were never read, but the reads stopped at offset 1 and/)]);
    expect(r["anomaly-types"]).toEqual([]);
  });

  it("still counts below the last offset read, when the log end is known, and in histories without log-ends ops", () => {
    // A hole below what was read is a skip past an acknowledged value: unseen, whatever the log end.
    const hole: Row[] = [...sendPair(0, "ok", "x", [1, 0]), ...sendPair(1, "ok", "x", [2, 1]), ...sendPair(0, "ok", "x", [3, 2]), ...pollPair(2, "ok", { x: [[0, 1], [2, 3]] })];
    expect(found([...hole, ...failedEnds])).toContain("unseen");
    expect(run([...base, [9, "invoke", "log-ends", ["x"]], [9, "ok", "log-ends", { x: 3 }]]).valid).toBe(false);
    expect(found([...base, [9, "invoke", "log-ends", ["x"]], [9, "ok", "log-ends", { x: 3 }]])).toEqual(["unseen"]);
    expect(run(base).valid).toBe(false);
  });
});
