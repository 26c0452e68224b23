// The interpreter on a fake clock, with in-memory clients (no cluster): rate and time limits,
// one op in flight per process, info on exceptions and timeouts, new processes, abort.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { NewOp } from "../core/history/writer.ts";
import type { Op } from "../core/history/op.ts";
import { LiveCounters, runPhase, type HistorySink, type PhaseOptions } from "./interpreter.ts";
import type { OpGenerator } from "./generator.ts";
import type { Client, ClientFactory, Completion, Invocation } from "../clients/types.ts";

class MemoryHistory implements HistorySink {
  readonly ops: Op[] = [];
  private readonly t0 = performance.now();
  now(): number {
    return Math.round((performance.now() - this.t0) * 1e6);
  }
  append(op: NewOp): Op {
    const full = { ...op, index: this.ops.length, time: op.time ?? this.now() } as Op;
    this.ops.push(full);
    return full;
  }
}

interface Behaviour {
  latencyMs?: number;
  /** What an op does: a completion, a thrown error, or "hang". */
  outcome?: (inv: Invocation, process: number) => Completion | Error | "hang" | undefined;
  openFails?: (process: number) => boolean;
}

class FakeClients implements ClientFactory {
  opened: number[] = [];
  closed: number[] = [];
  inFlight = new Set<number>();
  private readonly b: Behaviour;
  constructor(b: Behaviour = {}) {
    this.b = b;
  }
  async open(process: number): Promise<Client> {
    if (this.b.openFails?.(process)) throw new Error(`cannot open ${process}`);
    this.opened.push(process);
    const b = this.b;
    const { inFlight, closed } = this;
    return {
      async invoke(inv) {
        if (inFlight.has(process)) throw new Error(`two ops in flight on process ${process}`);
        const r = b.outcome?.(inv, process);
        if (r === "hang") return new Promise<never>(() => undefined);
        inFlight.add(process);
        try {
          await new Promise((res) => setTimeout(res, b.latencyMs ?? 10));
          if (r instanceof Error) throw r;
          return r ?? { type: "ok", value: inv.value };
        } finally {
          inFlight.delete(process);
        }
      },
      async close() {
        closed.push(process);
      },
    };
  }
}

const polls: OpGenerator = { next: () => ({ f: "poll", value: [["poll"]] }) };

function phase(o: Partial<PhaseOptions> & { clients: ClientFactory; history: HistorySink }): Promise<Awaited<ReturnType<typeof runPhase>>> {
  return runPhase({ generator: polls, concurrency: 2, rate: 0, durationMs: 1000, opTimeoutMs: 1000, ...o });
}

/** Runs a phase to completion on the fake clock. */
async function drive<T>(p: Promise<T>, ms = 60_000): Promise<T> {
  let done = false;
  const out = p.finally(() => (done = true));
  out.catch(() => undefined); // the caller sees the rejection; this only keeps it handled meanwhile
  for (let t = 0; t < ms && !done; t += 100) await vi.advanceTimersByTimeAsync(100);
  return out;
}

function checkWellFormed(ops: Op[]): void {
  const open = new Map<number | string, Op>();
  ops.forEach((op, i) => expect(op.index).toBe(i));
  for (const op of ops) {
    if (op.type === "invoke") {
      expect(open.has(op.process), `process ${op.process} invoked twice without completing`).toBe(false);
      open.set(op.process, op);
    } else {
      const inv = open.get(op.process);
      expect(inv, `completion without invocation on ${op.process}`).toBeDefined();
      expect(op.f).toBe(inv!.f);
      open.delete(op.process);
    }
  }
  expect(open.size).toBe(0);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("runPhase", () => {
  it("holds the global rate and the time limit", async () => {
    const history = new MemoryHistory();
    const clients = new FakeClients({ latencyMs: 10 });
    const s = await drive(phase({ clients, history, concurrency: 4, rate: 20, durationMs: 5000 }));
    const invokes = history.ops.filter((o) => o.type === "invoke");
    expect(invokes.length).toBeGreaterThanOrEqual(99);
    expect(invokes.length).toBeLessThanOrEqual(101);
    expect(Math.max(...invokes.map((o) => o.time))).toBeLessThan(5000 * 1e6);
    expect(s.ok).toBe(invokes.length);
    expect(s.elapsedMs).toBeLessThan(5050);
    checkWellFormed(history.ops);
    // Each process opened once and closed at the end.
    expect(clients.opened.sort()).toEqual([0, 1, 2, 3]);
    expect(clients.closed.sort()).toEqual([0, 1, 2, 3]);
  });

  it("runs as fast as the clients go at rate 0, until the time limit", async () => {
    const history = new MemoryHistory();
    const s = await drive(phase({ clients: new FakeClients({ latencyMs: 100 }), history, concurrency: 2, durationMs: 1000 }));
    expect(s.ok).toBe(20);
    checkWellFormed(history.ops);
  });

  it("turns an exception into info and goes on as a new process with a fresh client", async () => {
    const history = new MemoryHistory();
    let n = 0;
    const clients = new FakeClients({ outcome: () => (++n === 3 ? new Error("boom") : undefined) });
    await drive(phase({ clients, history, concurrency: 2, durationMs: 200 }));
    const info = history.ops.find((o) => o.type === "info")!;
    expect(info.error).toBe("Error: boom");
    const crashed = info.process as number;
    // The process is retired: its client closed, the worker continues as process + concurrency.
    expect(history.ops.filter((o) => o.process === crashed).at(-1)).toBe(info);
    expect(clients.closed).toContain(crashed);
    expect(clients.opened).toContain(crashed + 2);
    expect(history.ops.some((o) => o.process === crashed + 2 && o.type === "ok")).toBe(true);
    checkWellFormed(history.ops);
  });

  it("completes an op that takes too long as info (timeout) and replaces the process", async () => {
    const history = new MemoryHistory();
    const clients = new FakeClients({ outcome: (_, p) => (p === 1 ? "hang" : undefined) });
    const s = await drive(phase({ clients, history, concurrency: 2, durationMs: 3000, opTimeoutMs: 500 }));
    const timeouts = history.ops.filter((o) => o.type === "info");
    expect(timeouts.length).toBeGreaterThan(0);
    expect(timeouts[0]).toMatchObject({ process: 1, error: "timeout", f: "poll" });
    expect(timeouts[0].time - history.ops.find((o) => o.process === 1 && o.type === "invoke")!.time).toBeGreaterThanOrEqual(500e6);
    expect(clients.closed).toContain(1);
    expect(s.info).toBe(timeouts.length);
    expect(s.nextProcess).toBeGreaterThan(3);
    checkWellFormed(history.ops);
  });

  it("records an open failure as info on the op that needed the client", async () => {
    const history = new MemoryHistory();
    const clients = new FakeClients({ openFails: (p) => p === 0 });
    await drive(phase({ clients, history, concurrency: 1, durationMs: 100 }));
    expect(history.ops[1]).toMatchObject({ process: 0, type: "info", error: "Error: cannot open 0" });
    expect(history.ops[2]).toMatchObject({ process: 1, type: "invoke" });
    checkWellFormed(history.ops);
  });

  it("stops starting ops when the signal aborts", async () => {
    const history = new MemoryHistory();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const s = await drive(phase({ clients: new FakeClients({ latencyMs: 100 }), history, concurrency: 2, durationMs: 10_000, signal: ac.signal }));
    expect(s.elapsedMs).toBeLessThan(500);
    expect(Math.max(...history.ops.filter((o) => o.type === "invoke").map((o) => o.time))).toBeLessThanOrEqual(300e6);
    checkWellFormed(history.ops);
  });

  it("ends a worker when its generator has nothing more, and starts processes at firstProcess", async () => {
    const history = new MemoryHistory();
    let left = 5;
    const gen: OpGenerator = { next: () => (left-- > 0 ? { f: "assign", value: ["t0/0"], "seek-to-beginning": true } : undefined) };
    const s = await drive(phase({ clients: new FakeClients(), history, generator: gen, concurrency: 1, durationMs: 60_000, firstProcess: 10 }));
    expect(s.ok).toBe(5);
    expect(history.ops.every((o) => o.process === 10)).toBe(true);
    // Invocation extras are carried onto the completion.
    expect(history.ops[1]).toMatchObject({ type: "ok", "seek-to-beginning": true });
  });

  it("feeds every completion back to the generator and keeps live counters", async () => {
    const history = new MemoryHistory();
    const seen: Op[] = [];
    const gen: OpGenerator = { next: () => ({ f: "poll", value: [["poll"]] }), update: (op) => seen.push(op) };
    const counters = new LiveCounters(1000);
    let n = 0;
    await drive(
      phase({
        clients: new FakeClients({ latencyMs: 10, outcome: (inv) => (++n % 4 === 0 ? { type: "fail", value: inv.value, error: "nope" } : undefined) }),
        history,
        generator: gen,
        durationMs: 1000,
        counters,
      }),
    );
    expect(seen).toEqual(history.ops.filter((o) => o.type !== "invoke"));
    expect(counters.ok + counters.fail).toBe(seen.length);
    expect(counters.fail).toBeGreaterThan(0);
    expect(counters.opsPerSecond(performance.now() - 1)).toBeGreaterThan(100);
  });

  it("stops every worker and rethrows when the generator throws (a harness bug, not an op outcome)", async () => {
    const history = new MemoryHistory();
    const clients = new FakeClients();
    let n = 0;
    const gen: OpGenerator = {
      next: () => {
        if (++n === 7) throw new Error("generator bug");
        return { f: "poll", value: [["poll"]] };
      },
    };
    await expect(drive(phase({ clients, history, generator: gen, concurrency: 3, durationMs: 60_000 }))).rejects.toThrow("generator bug");
    expect(clients.closed.sort()).toEqual(clients.opened.sort());
    checkWellFormed(history.ops);
  });
});
