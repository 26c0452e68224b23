// The generator simulated with no cluster: a fake schedule of workers asks for ops, crashes end
// processes as the interpreter would, and the plan is checked for determinism and invariants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KafkaGenerator, KeyLifecycle, RateLimiter, UnseenKeys, type KafkaGeneratorOptions } from "./generator.ts";
import type { Op } from "../core/history/op.ts";
import type { Invocation } from "../clients/types.ts";
import { keySpace } from "../clients/keys.ts";

interface Step {
  worker: number;
  process: number;
  inv: Invocation;
}

/** Asks the generator for `steps` ops; `order` picks the next worker (a fake interleaving). */
function simulate(gen: KafkaGenerator, concurrency: number, steps: number, order: (i: number) => number = (i) => i % concurrency): Step[] {
  const procs = Array.from({ length: concurrency }, (_, w) => w);
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    const worker = order(i);
    const process = procs[worker];
    const inv = gen.next({ process, worker, time: i * 1_000_000 });
    out.push({ worker, process, inv });
    if (inv.f === "crash") procs[worker] += concurrency; // completes as info: a new process
  }
  return out;
}

const keys = keySpace({ topics: 3, partitions: 2, replicationFactor: 3 }).keys;
const base: KafkaGeneratorOptions = { seed: 42, keys, activeKeys: 3, sendsPerKey: 20, subscribeVia: "assign", txn: false, crashP: 0.01 };

function sends(plan: Step[]): [string, number][] {
  return plan.flatMap((s) => (Array.isArray(s.inv.value) ? (s.inv.value as unknown[][]).filter((m) => m[0] === "send").map((m) => [m[1] as string, m[2] as number] as [string, number]) : []));
}

describe("KafkaGenerator", () => {
  it("gives the same plan for the same seed, and another for another seed", () => {
    const a = simulate(new KafkaGenerator(base), 4, 2000);
    const b = simulate(new KafkaGenerator(base), 4, 2000);
    const c = simulate(new KafkaGenerator({ ...base, seed: 43 }), 4, 2000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("keeps each worker's random choices independent of how workers interleave", () => {
    // Assigns are left out: besides the random ones, a process whose keys have all retired is
    // re-assigned to the active keys, and when keys retire depends on the interleaving. Those
    // assigns take no random draw, so every other op stays the same.
    const kinds = (plan: Step[], w: number) => plan.filter((s) => s.worker === w && s.inv.f !== "assign").map((s) => `${s.inv.f}:${Array.isArray(s.inv.value) ? s.inv.value.length : 0}`);
    const roundRobin = simulate(new KafkaGenerator(base), 3, 900);
    // Worker 0 runs three times as often at first, then the others catch up.
    const skewed = simulate(new KafkaGenerator(base), 3, 900, (i) => (i < 450 ? (i % 3 === 2 ? 1 + ((i >> 2) % 2) : 0) : [1, 2, 1, 2, 0][i % 5]));
    for (const w of [0, 1, 2]) {
      const n = Math.min(kinds(roundRobin, w).length, kinds(skewed, w).length);
      expect(kinds(skewed, w).slice(0, n)).toEqual(kinds(roundRobin, w).slice(0, n));
    }
  });

  it("starts every process with an assign of all active keys", () => {
    const plan = simulate(new KafkaGenerator({ ...base, crashP: 0.05 }), 4, 3000);
    const seen = new Set<number>();
    for (const s of plan) {
      if (!seen.has(s.process)) {
        expect(s.inv.f).toBe("assign");
        expect((s.inv.value as string[]).length).toBe(base.activeKeys);
        seen.add(s.process);
      }
    }
    expect(seen.size).toBeGreaterThan(4); // crashes made new processes
  });

  it("re-assigns a process whose keys have all retired to the active keys, on its next op", () => {
    for (const subscribeVia of ["assign", "subscribe"] as const) {
      // No random re-assigns: only the rule under test moves a process.
      const gen = new KafkaGenerator({ ...base, subscribeVia, activeKeys: 1, sendsPerKey: 5, crashP: 0, resubscribeP: 0 });
      const first = gen.next({ process: 0, worker: 0, time: 0 });
      expect(first.value).toEqual(["t0/0"]);
      // Process 1 sends until t0/0 retires: process 0 is then left with a retired key.
      gen.next({ process: 1, worker: 1, time: 0 });
      let guard = 0;
      while (gen.lifecycle.active()[0] === "t0/0" && guard++ < 1000) gen.next({ process: 1, worker: 1, time: 0 });
      const now = gen.lifecycle.active()[0];
      expect(now).not.toBe("t0/0");
      const next = gen.next({ process: 0, worker: 0, time: 0 });
      const sameTopic = now.split("/")[0] === "t0";
      if (subscribeVia === "assign" || !sameTopic) expect(next).toEqual({ f: subscribeVia, value: [now] });
      // Under subscribe a key of the same topic is still followed: the group hands out its partitions.
      else expect(next.f).not.toBe("subscribe");
    }
  });

  it("mixes sends, polls, re-assigns and crashes (queue)", () => {
    const plan = simulate(new KafkaGenerator(base), 4, 10_000);
    const count = (f: string) => plan.filter((s) => s.inv.f === f).length;
    expect(count("send")).toBeGreaterThan(4000);
    expect(count("poll")).toBeGreaterThan(4000);
    expect(count("assign")).toBeGreaterThan(100);
    expect(count("crash")).toBeGreaterThan(50);
    expect(count("txn")).toBe(0);
    for (const s of plan) if (s.inv.f === "send") expect(s.inv.value).toHaveLength(1);
  });

  it("uses subscribe ops in subscribe mode", () => {
    const plan = simulate(new KafkaGenerator({ ...base, subscribeVia: "subscribe" }), 2, 2000);
    expect(plan.some((s) => s.inv.f === "subscribe")).toBe(true);
    expect(plan.some((s) => s.inv.f === "assign")).toBe(false);
  });

  it("mixes assign and subscribe ops given both (Jepsen's --sub-via), every other op as with one", () => {
    const mixed = simulate(new KafkaGenerator({ ...base, subscribeVia: ["assign", "subscribe"] }), 3, 4000);
    const subs = mixed.filter((s) => s.inv.f === "subscribe").length;
    const assigns = mixed.filter((s) => s.inv.f === "assign").length;
    expect(subs).toBeGreaterThan(10);
    expect(assigns).toBeGreaterThan(10);
    // The same seed gives the same mix; the draw has a stream of its own, so the sends and polls
    // are those of an assign-only plan whenever the keys retire at the same points.
    expect(simulate(new KafkaGenerator({ ...base, subscribeVia: ["assign", "subscribe"] }), 3, 4000)).toEqual(mixed);
    const plain = simulate(new KafkaGenerator(base), 3, 4000);
    const rest = (plan: typeof mixed) => plan.filter((s) => s.inv.f !== "assign" && s.inv.f !== "subscribe").slice(0, 50).map((s) => s.inv);
    expect(rest(mixed)).toEqual(rest(plain));
    expect(() => new KafkaGenerator({ ...base, subscribeVia: [] })).toThrow(/subscribeVia/);
  });

  it("makes every txn-workload op a transaction of polls and sends in any mix, some aborted part-way", () => {
    const plan = simulate(new KafkaGenerator({ ...base, txn: true }), 4, 6000);
    const txns = plan.filter((s) => ["send", "poll", "txn"].includes(s.inv.f));
    const shapes = new Set<string>();
    for (const s of txns) {
      const mops = s.inv.value as unknown[][];
      expect(mops.length).toBeGreaterThanOrEqual(1);
      expect(mops.length).toBeLessThanOrEqual(4);
      // f names the mix: all polls, all sends, or both.
      expect(s.inv.f).toBe(mops.every((m) => m[0] === "poll") ? "poll" : mops.every((m) => m[0] === "send") ? "send" : "txn");
      shapes.add(mops.map((m) => (m[0] as string)[0]).join(""));
    }
    // Jepsen's breadth: several polls, polls after sends, sends before and after a poll.
    for (const shape of ["pp", "sp", "ps", "sps", "pps", "ss", "s", "p"]) expect([...shapes].some((x) => x.includes(shape)), shape).toBe(true);
    const sendsToKeys = txns.map((s) => new Set((s.inv.value as unknown[][]).filter((m) => m[0] === "send").map((m) => m[1])).size);
    expect(Math.max(...sendsToKeys)).toBeGreaterThan(1);
    // Aborts: about abortP of them, at every point from right after begin to after the last micro-op.
    const aborted = txns.filter((s) => s.inv.abort === true);
    expect(aborted.length / txns.length).toBeGreaterThan(0.05);
    expect(aborted.length / txns.length).toBeLessThan(0.15);
    for (const s of aborted) {
      const at = s.inv["abort-at"] as number;
      expect(Number.isInteger(at) && at >= 0 && at <= (s.inv.value as unknown[]).length).toBe(true);
    }
    expect(aborted.some((s) => s.inv["abort-at"] === 0)).toBe(true);
    expect(aborted.some((s) => (s.inv["abort-at"] as number) > 0 && (s.inv["abort-at"] as number) < (s.inv.value as unknown[]).length)).toBe(true);
    expect(aborted.some((s) => s.inv["abort-at"] === (s.inv.value as unknown[]).length)).toBe(true);
    expect(txns.filter((s) => s.inv.abort !== true).every((s) => s.inv["abort-at"] === undefined)).toBe(true);
    // --max-txn-length bounds the mix.
    const long = simulate(new KafkaGenerator({ ...base, txn: true, maxTxnLength: 8 }), 4, 3000);
    const lengths = long.filter((s) => ["send", "poll", "txn"].includes(s.inv.f)).map((s) => (s.inv.value as unknown[]).length);
    expect(Math.max(...lengths)).toBe(8);
    expect(Math.min(...lengths)).toBe(1);
  });

  it("hands out unique, increasing values per key, and retires keys after sendsPerKey sends", () => {
    const gen = new KafkaGenerator(base);
    const plan = simulate(gen, 4, 10_000);
    const last = new Map<string, number>();
    for (const [k, v] of sends(plan)) {
      expect(v).toBeGreaterThan(last.get(k) ?? 0);
      last.set(k, v);
    }
    // 10 000 ops ≈ 5000 sends over 6 keys of 20 sends per life: keys retire and come back.
    expect(gen.lifecycle.retired.length).toBeGreaterThan(100);
    expect(new Set(gen.lifecycle.retired)).toEqual(new Set(keys));
  });

  it("keeps the key lifecycle invariants for any key space (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 30 }),
        (seed, topics, partitions, activeKeys, sendsPerKey) => {
          const ks = keySpace({ topics, partitions, replicationFactor: 1 }).keys;
          const life = new KeyLifecycle(ks, activeKeys, sendsPerKey);
          const gen = new KafkaGenerator({ ...base, seed, keys: ks, activeKeys, sendsPerKey });
          // Drive the lifecycle directly: sends to active keys in a seed-dependent order.
          const lastValue = new Map<string, number>();
          const lifeSends = new Map<string, number>();
          for (let i = 0; i < 500; i++) {
            const active = life.active();
            expect(new Set(active).size).toBe(active.length);
            expect(active.length).toBe(Math.min(activeKeys, ks.length));
            const k = active[(seed + i * 7) % active.length];
            const retiredBefore = life.retired.length;
            const v = life.nextValue(k);
            expect(v).toBe((lastValue.get(k) ?? 0) + 1);
            lastValue.set(k, v);
            const n = (lifeSends.get(k) ?? 0) + 1;
            expect(n).toBeLessThanOrEqual(sendsPerKey);
            // A key retires exactly at its sendsPerKey-th send of this life.
            expect(life.retired.length - retiredBefore).toBe(n === sendsPerKey ? 1 : 0);
            lifeSends.set(k, n === sendsPerKey ? 0 : n);
          }
          // And the generator's own plan only ever sends to keys of the key space.
          for (const [k] of sends(simulate(gen, 3, 300))) expect(ks).toContain(k);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("brings new keys in, in key-space order", () => {
    const life = new KeyLifecycle(["a", "b", "c", "d", "e"], 2, 2);
    expect(life.active()).toEqual(["a", "b"]);
    life.nextValue("a");
    life.nextValue("a"); // a retires, c comes in
    expect(life.active()).toEqual(["c", "b"]);
    life.nextValue("b");
    life.nextValue("b");
    expect(life.active()).toEqual(["c", "d"]);
    life.nextValue("c");
    life.nextValue("c");
    life.nextValue("d");
    life.nextValue("d");
    expect(life.active()).toEqual(["e", "a"]); // the key space wraps around
    expect(life.nextValue("a")).toBe(3); // a's values go on from where they stopped
    expect(life.retired).toEqual(["a", "b", "c", "d"]);
  });
});

describe("poll-unseen (Jepsen's)", () => {
  const ok = (value: unknown[]): Op => ({ index: 0, time: 0, process: 0, type: "ok", f: "txn", value }) as Op;

  it("a key is unseen while its highest acknowledged send is past its highest poll, and no longer once caught up", () => {
    const u = new UnseenKeys();
    u.see(ok([["send", "t0/0", [4, 10]], ["send", "t1/0", [0, 1]]]));
    u.see({ ...ok([["send", "t2/0", [9, 3]]]), type: "info" }); // not acknowledged: not counted
    u.see(ok([["send", "t0/0", 11]])); // no offset: nothing known
    u.see(ok([["poll", { "t0/0": [[2, 8], [3, 9]], "t1/0": [[0, 1]] }]]));
    expect(u.unseen()).toEqual({ "t0/0": { polled: 3, sent: 4 } });
    u.see(ok([["poll", { "t0/0": [[4, 10]] }]]));
    expect(u.unseen()).toEqual({});
    // A poll ahead of any known send does not make a key unseen.
    u.see(ok([["poll", { "t3/0": [[7, 1]] }]]));
    expect(u.unseen()).toEqual({});
    // A later send past a caught-up key: unseen again, with the offset read so far.
    u.see(ok([["send", "t0/0", [5, 12]]]));
    expect(u.unseen()).toEqual({ "t0/0": { polled: 4, sent: 5 } });
  });

  it("off, nothing changes; on, a third of the assigns take the unseen keys and name them, and every other op stays as it was", () => {
    const run = (pollUnseen: boolean) => {
      const gen = new KafkaGenerator({ ...base, crashP: 0, resubscribeP: 0.2, pollUnseen });
      const steps: (Invocation & { activeThen?: readonly string[] })[] = [];
      for (let i = 0; i < 600; i++) {
        const activeThen = [...gen.lifecycle.active()];
        const inv = gen.next({ process: i % 3, worker: i % 3, time: i });
        steps.push(inv.f === "assign" ? { ...inv, activeThen } : inv);
        // Every send is acknowledged at its value's offset; polls read nothing: every sent key stays unseen.
        if (inv.f === "send") gen.update({ index: i, time: i, process: i % 3, type: "ok", f: "send", value: (inv.value as [string, string, number][]).map(([, k, v]) => ["send", k, [v, v]]) } as Op);
      }
      return steps;
    };
    const off = run(false);
    const on = run(true);
    expect(off.some((s) => "unseen" in s)).toBe(false);
    expect(on.filter((s) => s.f !== "assign")).toEqual(off.filter((s) => s.f !== "assign"));
    expect(on.map((s) => s.activeThen)).toEqual(off.map((s) => s.activeThen));
    const assigns = on.filter((s) => s.f === "assign");
    const steered = assigns.filter((s) => s.unseen);
    expect(steered.length).toBeGreaterThan(assigns.length / 6);
    expect(steered.length).toBeLessThan(assigns.length / 1.5);
    for (const s of steered) {
      const unseen = Object.keys(s.unseen as object);
      expect(unseen.length).toBeGreaterThan(0);
      for (const k of unseen) expect(s.value).toContain(k);
    }
    // Retired keys with unread sends come back to the readers.
    expect(steered.some((s) => (s.value as string[]).some((k) => !s.activeThen!.includes(k)))).toBe(true);
  });
});

describe("RateLimiter", () => {
  it("spaces op starts 1000/rate ms apart, on a fake clock", () => {
    const r = new RateLimiter(10);
    const starts = Array.from({ length: 5 }, () => r.reserve(0));
    expect(starts).toEqual([0, 100, 200, 300, 400]);
  });

  it("does not make up for slots nobody used (no bursts)", () => {
    const r = new RateLimiter(10);
    expect(r.reserve(0)).toBe(0);
    expect(r.reserve(5000)).toBe(5000);
    expect(r.reserve(5000)).toBe(5100);
  });

  it("sustains the rate over a simulated run when workers have time to spare", () => {
    // 4 workers, ops of 0–100 ms, rate 20/s over 10 s: about 200 op starts, never more.
    const r = new RateLimiter(20);
    const free = [0, 0, 0, 0];
    let started = 0;
    let lcg = 1;
    for (;;) {
      const w = free.indexOf(Math.min(...free));
      const start = r.reserve(free[w]);
      if (start >= 10_000) break;
      started++;
      lcg = (lcg * 1103515245 + 12345) % 2 ** 31;
      free[w] = start + (lcg % 100);
    }
    expect(started).toBeGreaterThanOrEqual(195);
    expect(started).toBeLessThanOrEqual(200);
  });

  it("does not limit at rate 0", () => {
    const r = new RateLimiter(0);
    expect([r.reserve(7), r.reserve(7), r.reserve(7)]).toEqual([7, 7, 7]);
  });
});
