// Shared producers (--processes-per-client): made once per group, kept while any process of the
// group uses it, replaced after a crash, not kept when making it failed.
import { describe, expect, it } from "vitest";
import { groupOf, SharedSlots } from "./sharing.ts";

const counter = () => {
  const made: number[] = [];
  const disposed: number[] = [];
  let n = 0;
  return { made, disposed, make: async () => (made.push(++n), n), dispose: async (x: number) => void disposed.push(x) };
};

describe("shared producers", () => {
  it("groups worker slots by K: processes 0-3 and their successors share, 4-7 share", () => {
    expect([0, 1, 3, 4, 7, 8, 11, 12].map((p) => groupOf(p, 8, 4))).toEqual([0, 0, 0, 1, 1, 0, 0, 1]);
    expect([0, 1, 2].map((p) => groupOf(p, 3, 1))).toEqual([0, 1, 2]);
  });

  it("makes one producer per group, even when its processes ask at once, and disposes of it when the last leaves", async () => {
    const c = counter();
    const slots = new SharedSlots<number>(8, 4);
    const a = slots.forProcess(0, c.make, c.dispose);
    const b = slots.forProcess(1, c.make, c.dispose);
    const other = slots.forProcess(4, c.make, c.dispose);
    expect(await Promise.all([a.get(), b.get(), a.get()])).toEqual([1, 1, 1]);
    expect(await other.get()).toBe(2);
    await a.leave();
    expect(c.disposed).toEqual([]);
    // A successor of process 0 (process 8) joins the same group and finds the same producer.
    const successor = slots.forProcess(8, c.make, c.dispose);
    expect(await successor.get()).toBe(1);
    await b.leave();
    await successor.leave();
    expect(c.disposed).toEqual([1]);
    expect(c.made).toEqual([1, 2]);
  });

  it("a crash (reset) replaces the group's producer for every member", async () => {
    const c = counter();
    const slots = new SharedSlots<number>(4, 2);
    const a = slots.forProcess(0, c.make, c.dispose);
    const b = slots.forProcess(1, c.make, c.dispose);
    expect(await a.get()).toBe(1);
    await a.reset();
    expect(c.disposed).toEqual([1]);
    expect(await b.get()).toBe(2);
  });

  it("does not keep a producer that failed to start: the next send tries again", async () => {
    let fail = true;
    const slots = new SharedSlots<string>(2, 2);
    const s = slots.forProcess(0, async () => {
      if (fail) throw new Error("no broker");
      return "p";
    }, async () => undefined);
    await expect(s.get()).rejects.toThrow("no broker");
    fail = false;
    expect(await s.get()).toBe("p");
  });

  it("with K = 1 every process has a producer of its own", async () => {
    const c = counter();
    const slots = new SharedSlots<number>(4, 1);
    const [a, b] = [slots.forProcess(0, c.make, c.dispose), slots.forProcess(4, c.make, c.dispose)];
    expect([await a.get(), await b.get()]).toEqual([1, 2]);
    await a.leave();
    expect(c.disposed).toEqual([1]);
  });
});
