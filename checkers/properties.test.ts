// Property tests: histories from a model of a correct Kafka log are always valid; a lost,
// duplicated, reordered or aborted-read message injected into one is always detected, as that
// type, pointing at that message (with only the consequences the fault logically implies).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { checkOps } from "./index.ts";
import type { Mode } from "./modes.ts";
import { injectAbortedRead, injectDuplicate, injectLost, injectReorder, type Injected } from "./testing/inject.ts";
import { simulate } from "./testing/model.ts";

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
    keys: fc.integer({ min: 1, max: 3 }),
    processes: fc.integer({ min: 1, max: 4 }),
    ops: fc.integer({ min: 5, max: 120 }),
    txn: txn === undefined ? fc.boolean() : fc.constant(txn),
    pick: fc.nat(),
  });

function generate(p: Params): Op[] {
  let i = 0;
  const choose = (n: number) => (p.tape.length === 0 ? 0 : (p.tape[i++ % p.tape.length] + Math.floor(i / p.tape.length)) % n);
  const ops: Op[] = [];
  simulate({ keys: p.keys, processes: p.processes, ops: p.ops, txn: p.txn, choose, infoPerMille: 150, failPerMille: 150, nemesisEvery: 17 }, (o) => ops.push(o));
  return ops;
}

const modeOf = (p: Params): Mode => ({ subscribe: false, transactional: p.txn });

describe("a correct Kafka", () => {
  it("always gives a valid history, with no anomaly of any type", () => {
    fc.assert(
      fc.property(params(), (p) => {
        const r = checkOps(generate(p), { mode: modeOf(p) });
        expect(r["anomaly-types"]).toEqual([]);
        expect(r.valid === true || r.valid === "unknown").toBe(true);
        if (r.valid === "unknown") expect(r["unknown-reasons"]!.every((x) => /no send was acknowledged|no poll/.test(x))).toBe(true);
      }),
      { numRuns: 300 },
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
  it("reordered sends of one producer → nonmonotonic-send (and the cycles that order implies)", () => {
    injected(injectReorder, "nonmonotonic-send", ["G0-process", "G0-realtime", "G1c-process", "G1c-realtime"], false);
  });
  it("failed send exposed to a reader → G1a", () => {
    injected(injectAbortedRead, "G1a", []);
  });
});
