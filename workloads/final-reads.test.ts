import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { capTargets, FinalReadGenerator, finalReads, SeenOffsets } from "./final-reads.ts";

let index = 0;
const op = (o: Partial<Op>): Op => ({ index: index++, time: 0, process: 0, type: "ok", f: "send", value: [], ...o }) as Op;

describe("SeenOffsets", () => {
  it("takes the highest offset of ok sends and ok polls per key, ignoring fail and info", () => {
    const t = SeenOffsets.of([
      op({ type: "invoke", value: [["send", "t0/0", 9]] }),
      op({ value: [["send", "t0/0", [4, 5]]] }),
      op({ value: [["send", "t0/1", 3]] }), // acks=0: no offset
      op({ f: "poll", value: [["poll", { "t0/0": [[0, 1], [6, 7]], "t1/0": [[2, 3]] }]] }),
      op({ f: "txn", value: [["poll", { "t1/0": [[3, 4]] }], ["send", "t1/1", [8, 2]]] }),
      op({ type: "fail", value: [["send", "t0/0", [20, 21]]], error: "aborted-on-purpose" }),
      op({ type: "info", f: "poll", value: [["poll", { "t0/1": [[50, 1]] }]] }),
      op({ process: "nemesis", type: "info", f: "start-partition", value: { "broker-1": [] } }),
    ]).targets;
    expect(Object.fromEntries(t)).toEqual({ "t0/0": 6, "t1/0": 3, "t1/1": 8 });
  });

  it("is kept op by op while a run goes: targets, and the first process above every client process", () => {
    const seen = new SeenOffsets();
    seen.see(op({ process: 3, value: [["send", "a", [7, 1]]] }));
    seen.see(op({ process: 1, f: "poll", value: [["poll", { a: [[9, 2], [8, 3]] }]] }));
    seen.see(op({ process: "nemesis", type: "info", f: "kill", value: null }));
    expect(Object.fromEntries(seen.targets)).toEqual({ a: 9 });
    expect(seen.firstProcess).toBe(4);
  });
});

describe("FinalReadGenerator", () => {
  it("assigns the unread keys from the beginning to each new process, then polls until every key is read", () => {
    const g = new FinalReadGenerator(new Map([["a/0", 5], ["b/0", 2]]));
    expect(g.next({ process: 10, worker: 0, time: 0 })).toEqual({ f: "assign", value: ["a/0", "b/0"], "seek-to-beginning": true });
    expect(g.next({ process: 10, worker: 0, time: 0 })).toEqual({ f: "poll", value: [["poll"]] });
    g.update(op({ process: 10, f: "poll", value: [["poll", { "a/0": [[0, 1], [1, 2]], "b/0": [[2, 3]] }]] }));
    expect([...g.remaining.keys()]).toEqual(["a/0"]);
    // A failed or unknown poll proves nothing.
    g.update(op({ process: 10, type: "info", f: "poll", value: [["poll", { "a/0": [[5, 6]] }]] }));
    expect(g.remaining.has("a/0")).toBe(true);
    // A replacement process starts over on what is left.
    expect(g.next({ process: 11, worker: 0, time: 0 })).toMatchObject({ f: "assign", value: ["a/0"] });
    g.update(op({ process: 11, f: "poll", value: [["poll", { "a/0": [[7, 8]] }]] }));
    expect(g.next({ process: 11, worker: 0, time: 0 })).toBeUndefined();
  });

  it("has every reader read every key: one reader done does not end another, and the unreached are what nobody read", () => {
    const g = new FinalReadGenerator(new Map([["a/0", 3], ["b/0", 3]]));
    expect(g.next({ process: 20, worker: 0, time: 0 })).toMatchObject({ f: "assign", value: ["a/0", "b/0"] });
    expect(g.next({ process: 21, worker: 1, time: 0 })).toMatchObject({ f: "assign", value: ["a/0", "b/0"] });
    g.update(op({ process: 21, f: "poll", value: [["poll", { "a/0": [[3, 4]], "b/0": [[3, 4]] }]] }));
    expect(g.next({ process: 21, worker: 1, time: 1 })).toBeUndefined();
    expect(g.remaining.size).toBe(0);
    // Reader 0 still has to read both itself.
    expect(g.next({ process: 20, worker: 0, time: 1 })).toEqual({ f: "poll", value: [["poll"]] });
    expect(g.behind).toBe(1);
    g.update(op({ process: 20, f: "poll", value: [["poll", { "a/0": [[3, 4]], "b/0": [[3, 4]] }]] }));
    expect(g.next({ process: 20, worker: 0, time: 2 })).toBeUndefined();
    expect(g.behind).toBe(0);
  });

  it("replaces a client that has not caught up in time, then reads one key per assignment so a stuck partition holds up only itself", () => {
    const s = 1e9;
    const g = new FinalReadGenerator(new Map([["a/0", 3], ["b/0", 3], ["c/0", 3]]), { freshClientMs: 10_000 });
    expect(g.next({ process: 30, worker: 0, time: 0 })).toMatchObject({ f: "assign", value: ["a/0", "b/0", "c/0"] });
    expect(g.next({ process: 30, worker: 0, time: 9 * s })).toEqual({ f: "poll", value: [["poll"]] });
    // 10 s and nothing read (a leaderless b/0 stalls the whole client): a fresh one.
    expect(g.next({ process: 30, worker: 0, time: 10 * s })).toEqual({ f: "crash", value: null });
    expect(g.next({ process: 31, worker: 0, time: 11 * s })).toEqual({ f: "assign", value: ["a/0"], "seek-to-beginning": true });
    g.update(op({ process: 31, f: "poll", value: [["poll", { "a/0": [[3, 4]] }]] }));
    // a/0 read: the next key on the same client.
    expect(g.next({ process: 31, worker: 0, time: 12 * s })).toEqual({ f: "assign", value: ["b/0"], "seek-to-beginning": true });
    expect(g.next({ process: 31, worker: 0, time: 21 * s })).toEqual({ f: "poll", value: [["poll"]] });
    expect(g.next({ process: 31, worker: 0, time: 22 * s })).toEqual({ f: "crash", value: null });
    // b/0 is still stuck: the fresh client takes c/0 first, then comes back to b/0.
    expect(g.next({ process: 32, worker: 0, time: 23 * s })).toMatchObject({ f: "assign", value: ["c/0"] });
    g.update(op({ process: 32, f: "poll", value: [["poll", { "c/0": [[3, 4]] }]] }));
    expect(g.next({ process: 32, worker: 0, time: 24 * s })).toMatchObject({ f: "assign", value: ["b/0"] });
    expect(g.freshClients).toBe(2);
    expect([...g.remaining.keys()]).toEqual(["b/0"]);
  });

  it("has nothing to do without targets", () => {
    expect(new FinalReadGenerator(new Map()).next({ process: 0, worker: 0, time: 0 })).toBeUndefined();
  });
});

describe("capTargets", () => {
  it("stops at a log that ends below an acknowledged offset, drops empty logs, and leaves the rest", () => {
    const t = new Map([["a/0", 124], ["b/0", 9], ["c/0", 3], ["d/0", 5]]);
    const capped = capTargets(t, new Map([["a/0", 120], ["b/0", 10], ["c/0", 0]]));
    expect(capped).toEqual([{ key: "a/0", target: 124, logEnd: 120 }, { key: "c/0", target: 3, logEnd: 0 }]);
    expect(Object.fromEntries(t)).toEqual({ "a/0": 119, "b/0": 9, "d/0": 5 });
  });
});

describe("finalReads: log ends", () => {
  /** A history sink, and clients whose polls return each assigned key's log (offsets 0-1) at once. */
  function harness() {
    const ops: Op[] = [];
    const history = { append: (o: Omit<Op, "index" | "time">) => (ops.push({ ...o, index: ops.length, time: ops.length } as Op), ops.at(-1)!), now: () => ops.length };
    const clients = {
      open: async () => {
        let keys: string[] = [];
        return {
          invoke: async (inv: { f: string; value: unknown }) => {
            if (inv.f === "assign") keys = inv.value as string[];
            return inv.f === "poll" ? { type: "ok" as const, value: [["poll", Object.fromEntries(keys.map((k) => [k, [[0, 1], [1, 2]]]))]] } : { type: "ok" as const, value: inv.value };
          },
          close: async () => {},
        };
      },
    };
    return { ops, history, clients };
  }
  const main = [op({ process: 0, type: "ok", f: "send", value: [["send", "x", [1, 2]]] })];

  it("records high watermarks before and after the reads, and the last stable offsets after them when asked", async () => {
    const { ops, history, clients } = harness();
    const asked: string[] = [];
    const logEnds = async (keys: string[], isolation?: string) => (asked.push(isolation ?? "default"), new Map(keys.map((k) => [k, isolation === "read_committed" ? 1 : 2])));
    const r = await finalReads({ history, ops: main, clients, deadlineMs: Date.now() + 5000, opTimeoutMs: 1000, logEnds, stableEnds: true });
    expect(r.unreached.size).toBe(0);
    expect(asked).toEqual(["read_uncommitted", "read_uncommitted", "read_committed"]);
    const ends = ops.filter((o) => o.f === "log-ends" || o.f === "stable-ends").map((o) => [o.f, o.type, o.value]);
    expect(ends).toEqual([
      ["log-ends", "invoke", ["x"]],
      ["log-ends", "ok", { x: 2 }],
      ["log-ends", "invoke", ["x"]],
      ["log-ends", "ok", { x: 2 }],
      ["stable-ends", "invoke", ["x"]],
      ["stable-ends", "ok", { x: 1 }],
    ]);
    // The log ends have a process of their own, above every process of the main phase.
    expect(new Set(ops.filter((o) => o.f.endsWith("-ends")).map((o) => o.process))).toEqual(new Set([1]));
  });

  it("takes its targets from a tracker kept while the run went, without reading ops back", async () => {
    const { ops, history, clients } = harness();
    const tracker = SeenOffsets.of(main);
    const r = await finalReads({ history, ops: tracker, clients, deadlineMs: Date.now() + 5000, opTimeoutMs: 1000 });
    expect(Object.fromEntries(r.targets)).toEqual({ x: 1 });
    expect(r.unreached.size).toBe(0);
    // The readers are numbered above the main phase's processes (0) and the log ends' (1).
    expect(Math.min(...ops.filter((o) => o.f === "poll").map((o) => o.process as number))).toBe(2);
  });

  it("records no last stable offsets unless asked, and a failed reading as a fail op", async () => {
    const { ops, history, clients } = harness();
    let calls = 0;
    const logEnds = async (keys: string[]) => {
      if (calls++ === 1) throw new Error("no leader");
      return new Map(keys.map((k) => [k, 2]));
    };
    await finalReads({ history, ops: main, clients, deadlineMs: Date.now() + 5000, opTimeoutMs: 1000, logEnds });
    expect(ops.filter((o) => o.f.endsWith("-ends") && o.type !== "invoke").map((o) => [o.f, o.type, o.error])).toEqual([
      ["log-ends", "ok", undefined],
      ["log-ends", "fail", "no leader"],
    ]);
  });
});
