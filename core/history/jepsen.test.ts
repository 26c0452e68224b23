// The EDN reader and printer, and the mapping between Jepsen's op maps and the history format.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdnMap, EdnSet, Keyword, Tagged, ednToJson, printEdn, readEdn, readEdnForms } from "./edn.ts";
import { JepsenKeys, keysOfOp, opFromEdnLine, opToEdnLine } from "./jepsen.ts";
import type { Op } from "./op.ts";

describe("EDN reader", () => {
  it("reads scalars", () => {
    expect(readEdnForms(`nil true false 42 -7 12N 1.5 2e3 3.25M 1/4 "a\\"b\\n\\u0041" \\x \\newline :f :ns/name sym`)).toEqual([
      null,
      true,
      false,
      42,
      -7,
      12,
      1.5,
      2000,
      3.25,
      0.25,
      'a"b\nA',
      "x",
      "\n",
      new Keyword("f"),
      new Keyword("ns/name"),
      expect.objectContaining({ name: "sym" }),
    ]);
  });

  it("reads collections, commas as whitespace, comments and discards", () => {
    const v = readEdn(`{:a [1, 2 (3)], "k" #{:x}, 7 {:n nil}} ; a comment`);
    expect(v).toBeInstanceOf(EdnMap);
    const m = v as EdnMap;
    expect(m.get("a")).toEqual([1, 2, [3]]);
    expect(m.entries[1]).toEqual(["k", new EdnSet([new Keyword("x")])]);
    expect(ednToJson(v)).toEqual({ a: [1, 2, [3]], k: ["x"], 7: { n: null } });
    expect(readEdn("[1 #_ 2 #_[3 4] 5]")).toEqual([1, 5]);
  });

  it("reads a record literal as its map, and keeps other tags", () => {
    const op = readEdn(`#jepsen.history.Op{:index 0, :type :invoke}`) as EdnMap;
    expect(op.get("type")).toEqual(new Keyword("invoke"));
    expect(readEdn(`#inst "2026-12-03T00:00:00.000-00:00"`)).toEqual(new Tagged("inst", "2026-12-03T00:00:00.000-00:00"));
    expect(ednToJson(readEdn(`#inst "2026"`))).toBe("2026");
  });

  it.each([
    ["{:a 1", /never closed at column 1/],
    ["{:a}", /even number of forms at column 1/],
    ["[1 2]]", /unexpected \] at column 6/],
    ['"abc', /string is never closed/],
    ["12abc", /"12abc" is not a number/],
    ["1 2", /expected one form, found 2/],
    ["#", /# must start/],
    ['"\\q"', /unknown escape \\q/],
  ])("rejects %s, naming where", (text, message) => {
    expect(() => readEdn(text)).toThrow(message);
  });

  it("prints what it reads back (property)", () => {
    const json = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string(),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.constantFrom("a", "f", "seek-to-beginning?", "x/y", "1", ""), fc.string()), tie("v"), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(json, (v) => {
        // -0 prints as 0, as JSON would.
        expect(ednToJson(readEdn(printEdn(v)))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("Jepsen ops ↔ history ops", () => {
  const keys = new JepsenKeys();
  const from = (line: string) => opFromEdnLine(line, keys, "line 1", 0);

  it("maps integer keys as Jepsen's clients do: t(k div 2), partition k mod 2", () => {
    expect([0, 1, 2, 7].map((k) => keys.keyOf(k, ""))).toEqual(["t0/0", "t0/1", "t1/0", "t3/1"]);
    expect(["t0/0", "t0/1", "t1/0", "t3/1"].map((k) => keys.intOf(k))).toEqual([0, 1, 2, 7]);
    expect(() => keys.keyOf(-1, "line 9")).toThrow(/line 9: a key must be a non-negative integer/);
  });

  it("numbers other key names in order, through a table", () => {
    const k = JepsenKeys.forKeys(["orders/1", "orders/0", "t0/0"]);
    expect(k.table).toEqual({ 0: "orders/0", 1: "orders/1", 2: "t0/0" });
    expect(k.intOf("orders/1")).toBe(1);
    expect(new JepsenKeys(k.table).keyOf(2, "")).toBe("t0/0");
    expect(() => new JepsenKeys(k.table).keyOf(3, "line 4")).toThrow(/line 4: key 3 is not in the file's key table/);
    expect(JepsenKeys.forKeys(["t0/0", "t5/1"]).table).toBeUndefined();
  });

  it("reads sends, polls, assigns, nemesis ops, errors and flags", () => {
    expect(from(`{:index 3, :time 9, :type :ok, :process 2, :f :txn, :value [[:send 3 [4 11]] [:send 0 12] [:poll {1 [[0 5] [1 6]]}] [:poll]]}`)).toEqual({
      index: 3,
      time: 9,
      type: "ok",
      process: 2,
      f: "txn",
      value: [["send", "t1/1", [4, 11]], ["send", "t0/0", 12], ["poll", { "t0/1": [[0, 5], [1, 6]] }], ["poll"]],
    });
    expect(from(`{:index 0, :time 0, :type :invoke, :process 0, :f :assign, :value [0 3], :seek-to-beginning? true}`)).toMatchObject({
      value: ["t0/0", "t1/1"],
      "seek-to-beginning": true,
    });
    expect(from(`{:index 0, :time 0, :type :info, :process :nemesis, :f :start-kill, :value {"n1" :killed}}`)).toMatchObject({ process: "nemesis", f: "start-kill", value: { n1: "killed" } });
    expect(from(`{:index 0, :time 0, :type :info, :process 1, :f :send, :value [[:send 0 [nil 3]]], :error [:timeout "t"]}`)).toMatchObject({
      value: [["send", "t0/0", [null, 3]]],
      error: '[:timeout "t"]',
    });
    expect(from(`{:time 0, :type :ok, :process 1, :f :poll, :value [[:poll {}]], :rebalance-log [{:keys [2 3]}]}`)).toMatchObject({ index: 0, "rebalance-log": [{ keys: ["t1/0", "t1/1"] }] });
  });

  it("names the line of bad input", () => {
    expect(() => from("{:index 0")).toThrow(/line 1: not valid EDN \(\{ is never closed at column 1\)/);
    expect(() => from("[1 2]")).toThrow(/line 1: expected an op map/);
    expect(() => from(`{:index 0, :time 0, :type :invoke, :process 0, :f :send, :value [[:send :x/y 1] [:send -3 1]]}`)).toThrow(/micro-op 1: a key must be a non-negative integer/);
  });

  it("writes ops in Jepsen's shape and reads them back unchanged", () => {
    const ops: Op[] = [
      { index: 0, time: 5, process: 0, type: "invoke", f: "assign", value: ["t0/0", "t2/1"], "seek-to-beginning": true },
      { index: 1, time: 6, process: 0, type: "ok", f: "assign", value: ["t0/0", "t2/1"], "seek-to-beginning": true },
      { index: 2, time: 7, process: "nemesis", type: "info", f: "start-partition", value: { grudge: { "broker-1": ["broker-2"] }, target: "one" } },
      { index: 3, time: 8, process: 0, type: "invoke", f: "txn", value: [["send", "t2/1", 4], ["poll"]] },
      { index: 4, time: 9, process: 0, type: "info", f: "txn", value: [["send", "t2/1", [null, 4]], ["poll", { "t0/0": [[0, 1]] }]], error: "REQUEST_TIMED_OUT" },
      { index: 5, time: 10, process: 9, type: "ok", f: "poll", value: [["poll", {}]], "rebalance-log": [{ keys: ["t0/0"] }] },
      { index: 6, time: 11, process: 9, type: "ok", f: "log-ends", value: { "t0/0": 3, "t2/1": 0 } },
      { index: 7, time: 12, process: 3, type: "ok", f: "commit", value: { "t2/1": 5 } },
      { index: 8, time: 13, process: 1, type: "invoke", f: "assign", value: ["t0/0"], unseen: { "t2/1": { polled: -1, sent: 4 } } },
    ];
    const lines = ops.map((o) => opToEdnLine(o, keys));
    expect(lines[0]).toBe(`{:index 0, :time 5, :type :invoke, :process 0, :f :assign, :value [0 5], :seek-to-beginning? true}`);
    expect(lines[2]).toBe(`{:index 2, :time 7, :type :info, :process :nemesis, :f :start-partition, :value {:grudge {:broker-1 ["broker-2"]}, :target "one"}}`);
    expect(lines[4]).toBe(`{:index 4, :time 9, :type :info, :process 0, :f :txn, :value [[:send 5 [nil 4]] [:poll {0 [[0 1]]}]], :error "REQUEST_TIMED_OUT"}`);
    expect(lines[7]).toBe(`{:index 7, :time 12, :type :ok, :process 3, :f :commit, :value {5 5}}`);
    // poll-unseen's record, keyed as Jepsen keys it.
    expect(lines[8]).toBe(`{:index 8, :time 13, :type :invoke, :process 1, :f :assign, :value [0], :unseen {5 {:polled -1, :sent 4}}}`);
    expect(lines.map((l, i) => opFromEdnLine(l, keys, "", i))).toEqual(ops);
    // Assigns (3), the poll and its rebalance-log, log-ends; and the send, the commit and the unseen record, 7 times t2/1.
    expect(ops.flatMap(keysOfOp).sort()).toEqual([...Array(6).fill("t0/0"), ...Array(7).fill("t2/1")]);
  });
});
