// Property tests: histories from a model of a correct Kafka log are always valid; a lost,
// duplicated, reordered or aborted-read message injected into one is always detected, as that
// type, pointing at that message (with only the consequences the fault logically implies).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { checkOps } from "./index.ts";
import type { Mode } from "./modes.ts";
import { injectAbortedRead, injectDuplicate, injectLeakedAbort, injectMidDuplicate, injectLost, injectReorder, type Injected } from "./testing/inject.ts";
import { keyName, simulate } from "./testing/model.ts";

interface Params {
  tape: number[];
  keys: number;
  processes: number;
  ops: number;
  txn: boolean;
  pick: number;
}

const params = (txn?: boolean): fc.Arbitrary<Params> =>
  fc.record({
    tape: fc.array(fc.nat(), { minLength: 16, maxLength: 300 }),
    // Up to 6 keys: keyName spreads them over 4 topics, so some topics have 2 partitions.
    keys: fc.integer({ min: 1, max: 6 }),
    processes: fc.integer({ min: 1, max: 4 }),
    ops: fc.integer({ min: 5, max: 120 }),
    txn: txn === undefined ? fc.boolean() : fc.constant(txn),
    pick: fc.nat(),
  });

function simulated(p: Params): { ops: Op[]; logs: ReturnType<typeof simulate>["logs"] } {
  let i = 0;
  const choose = (n: number) => (p.tape.length === 0 ? 0 : (p.tape[i++ % p.tape.length] + Math.floor(i / p.tape.length)) % n);
  const ops: Op[] = [];
  const { logs } = simulate({ keys: p.keys, processes: p.processes, ops: p.ops, txn: p.txn, choose, infoPerMille: 150, failPerMille: 150, nemesisEvery: 17 }, (o) => ops.push(o));
  return { ops, logs };
}
const generate = (p: Params): Op[] => simulated(p).ops;

const modeOf = (p: Params): Mode => ({ subscribe: false, transactional: p.txn });

describe("a correct Kafka", () => {
  it("always gives a valid history, with no anomaly of any type", () => {
    fc.assert(
      fc.property(params(), (p) => {
        const r = checkOps(generate(p), { mode: modeOf(p) });
        expect(r["anomaly-types"]).toEqual([]);
        expect(r.valid === true || r.valid === "unknown").toBe(true);
        if (r.valid === "unknown") expect(r["unknown-reasons"]!.every((x) => /no send was acknowledged|no poll|^faults not exercised/.test(x))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("has no cycle of write-write and write-read edges either (--ww-deps)", () => {
    fc.assert(
      fc.property(params(), (p) => {
        expect(checkOps(generate(p), { mode: { ...modeOf(p), wwDeps: true } })["anomaly-types"]).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

function injected(inject: (ops: Op[], pick: number) => Injected | null, must: string, may: string[], txn?: boolean) {
  fc.assert(
    fc.property(params(txn), (p) => {
      const inj = inject(generate(p), p.pick);
      fc.pre(inj !== null);
      const r = checkOps(inj!.ops, { mode: modeOf(p) });
      expect(r["anomaly-types"]).toContain(must);
      for (const t of r["anomaly-types"]) expect([must, ...may]).toContain(t);
      expect(r.valid).toBe(false);
      for (const a of r.anomalies[must]) {
        expect(a.key).toBe(inj!.key);
        expect(a.values).toContain(inj!.value);
      }
    }),
    { numRuns: 150 },
  );
}

describe("an injected fault is detected as its type", () => {
  it("lost message → lost-write (also unseen, and skips over where it was)", () => {
    injected(injectLost, "lost-write", ["unseen", "poll-skip", "int-poll-skip"]);
  });
  it("duplicated message → duplicate", () => {
    injected(injectDuplicate, "duplicate", []);
  });
  it("a message written again in the middle of its key's log, every later record one offset up → duplicate", () => {
    injected(injectMidDuplicate, "duplicate", []);
  });
  it("reordered sends of one producer → nonmonotonic-send (and the cycles that order implies)", () => {
    injected(injectReorder, "nonmonotonic-send", ["G0-process", "G0-realtime", "G1c-process", "G1c-realtime"], false);
  });
  it("failed send exposed to a reader → G1a", () => {
    injected(injectAbortedRead, "G1a", []);
  });
  it("an aborted record leaked to one read_committed poll, between committed ones → G1a, and no skip by the polls that passed over it", () => {
    let found = 0;
    fc.assert(
      fc.property(params(true), (p) => {
        const { ops, logs } = simulated(p);
        const inj = injectLeakedAbort(ops, logs, keyName, p.pick);
        fc.pre(inj !== null);
        found++;
        const r = checkOps(inj!.ops, { mode: modeOf(p) });
        expect(r["anomaly-types"]).toEqual(["G1a"]);
        expect(r.anomalies.G1a.map((a) => [a.key, a.values])).toEqual([[inj!.key, [inj!.value]]]);
      }),
      { numRuns: 150 },
    );
    expect(found).toBeGreaterThan(20);
  });
});

/** Each key's acknowledged sends as [offset, value], from the ok completions. */
function acknowledged(ops: Op[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const op of ops) {
    if (op.type !== "ok" || !Array.isArray(op.value)) continue;
    for (const m of op.value as unknown[][]) {
      if (m[0] === "send" && Array.isArray(m[2])) {
        const list = out.get(m[1] as string) ?? [];
        list.push(m[2] as [number, number]);
        out.set(m[1] as string, list);
      }
    }
  }
  return out;
}

/** The final reads' log-ends op pair, on a process above every other. */
function logEnds(ops: Op[], ends: Record<string, number>): Op[] {
  const process = Math.max(0, ...ops.map((o) => (typeof o.process === "number" ? o.process : 0))) + 1;
  const at = ops.length;
  const time = (ops.at(-1)?.time ?? 0) + 1;
  return [
    ...ops,
    { index: at, time, process, type: "invoke", f: "log-ends", value: Object.keys(ends) },
    { index: at + 1, time: time + 1, process, type: "ok", f: "log-ends", value: ends },
  ];
}

describe("log ends (truncated-log)", () => {
  it("a log that ends at or past every acknowledged offset is no anomaly", () => {
    fc.assert(
      fc.property(params(false), fc.nat(3), (p, extra) => {
        const ops = generate(p);
        const ends = Object.fromEntries([...acknowledged(ops)].map(([k, l]) => [k, Math.max(...l.map(([o]) => o)) + 1 + extra]));
        expect(checkOps(logEnds(ops, ends), { mode: modeOf(p) })["anomaly-types"]).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("a log cut below acknowledged offsets names exactly the acknowledged values at or past its end", () => {
    fc.assert(
      fc.property(params(false), fc.nat(), (p, cut) => {
        const ops = generate(p);
        const acked = [...acknowledged(ops)];
        fc.pre(acked.length > 0);
        const [key, list] = acked[cut % acked.length];
        const offsets = list.map(([o]) => o).sort((a, b) => a - b);
        const end = offsets[cut % offsets.length];
        const r = checkOps(logEnds(ops, { [key]: end }), { mode: modeOf(p) });
        expect(r["anomaly-types"]).toEqual(["truncated-log"]);
        const [c] = r.anomalies["truncated-log"];
        const lost = list.filter(([o]) => o >= end).sort((a, b) => a[0] - b[0]);
        expect(c.key).toBe(key);
        expect(c.offsets).toEqual(lost.slice(0, 16).map(([o]) => o));
        expect(c.values).toEqual(lost.slice(0, 16).map(([, v]) => v));
        expect(c.explanation).toContain(`${lost.length} acknowledged send`);
      }),
      { numRuns: 150 },
    );
  });
});
