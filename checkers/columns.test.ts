// The compact storage under the analysis, against plain JavaScript structures as oracles.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grownCapacity, growF64, SlotIndex } from "./columns.ts";
import { KeyState } from "./key-state.ts";

describe("SlotIndex", () => {
  it("maps every value to the slot it was added with, and only those, through rehashes", () => {
    const value = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: true }), fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 53, 0.5, 1e300));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(value, { maxLength: 50 }), (adds, probes) => {
        const index = new SlotIndex(1);
        const values = new Float64Array(adds.length);
        const oracle = new Map<number, number>();
        let n = 0;
        for (const v of adds) {
          const key = Object.is(v, -0) ? 0 : v;
          if (oracle.has(key)) {
            expect(index.get(v, values)).toBe(oracle.get(key));
            continue;
          }
          expect(index.get(v, values)).toBe(-1);
          values[n] = v;
          index.add(n, values);
          oracle.set(key, n++);
        }
        for (const v of [...adds, ...probes]) expect(index.get(v, values)).toBe(oracle.get(Object.is(v, -0) ? 0 : v) ?? -1);
      }),
    );
  });
});

describe("column growth", () => {
  it("doubles small columns, grows large ones by half, never below what is asked, and keeps contents and fill", () => {
    expect(grownCapacity(0, 1)).toBe(16);
    expect(grownCapacity(1000, 1001)).toBe(2000);
    expect(grownCapacity(1 << 20, (1 << 20) + 1)).toBe(1.5 * (1 << 20));
    expect(grownCapacity(1 << 20, 1 << 22)).toBe(1 << 22);
    const a = Float64Array.from([1, 2, 3]);
    const b = growF64(a, 5, -1);
    expect([...b.subarray(0, 5)]).toEqual([1, 2, 3, -1, -1]);
    expect(growF64(b, 4)).toBe(b);
  });
});

describe("KeyState.expiredIndex", () => {
  it("finds from any start below the answer what a search from 0 finds", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 200 }), fc.integer({ min: -2, max: 700 }), fc.nat(), (steps, i, f) => {
        const ks = new KeyState(0, "t/0");
        let o = -1;
        steps.forEach((s, t) => ks.reveal((o += s), t));
        const want = ks.expiredIndex(i);
        // Any start at or before the answer (every breakpoint before it below i) gives the same.
        const from = want === 0 ? 0 : f % (want + 1);
        expect(ks.expiredIndex(i, from)).toBe(want);
        let plain = 0;
        while (plain < ks.expOff.n && ks.expOff.a[plain] < i) plain++;
        expect(want).toBe(plain);
      }),
    );
  });
});

describe("KeyState.rank", () => {
  it("counts the occupied offsets below o, whatever order it is asked in", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }), fc.array(fc.integer({ min: -3, max: 405 }), { maxLength: 60 }), (offs, asks) => {
        const ks = new KeyState(0, "t/0");
        for (const o of offs) ks.insert(o, o * 10, 0);
        ks.finish();
        for (const o of [...asks, ...asks.slice().sort((x, y) => x - y)]) expect(ks.rank(o)).toBe(offs.filter((x) => x < o).length);
      }),
    );
  });
});
