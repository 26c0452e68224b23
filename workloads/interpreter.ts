// The interpreter: runs a generator's ops against real clients and records every invocation and
// completion in the history. One async worker per process slot, at most one op in flight per
// process, a global rate limit, a time limit and an AbortSignal. Operations are never lost: an
// exception or an op timeout becomes an `info` completion, and after any `info` the worker goes
// on as a new process (worker + k × concurrency) with a fresh client, because the old process may
// still have that op in flight.
import type { NewOp } from "../core/history/writer.ts";
import type { Op } from "../core/history/op.ts";
import { RateLimiter, type OpGenerator } from "./generator.ts";
import type { Client, ClientFactory, Completion } from "../clients/types.ts";
import { component } from "../core/log.ts";

/** Where ops go: a HistoryWriter, or anything with the same two methods. */
export interface HistorySink {
  append(op: NewOp): Op;
  /** Nanoseconds since the test started. */
  now(): number;
}

export interface PhaseOptions {
  generator: OpGenerator;
  clients: ClientFactory;
  concurrency: number;
  history: HistorySink;
  /** Target ops/s over all processes; 0: as fast as they go. */
  rate: number;
  /** No op starts after this many ms; ops in flight then still complete (or time out). */
  durationMs: number;
  /** Stops starting new ops; ops in flight complete or time out. */
  signal?: AbortSignal;
  /** An op (including opening its client) that takes longer completes as `info`. */
  opTimeoutMs: number;
  /** The first process number (final reads start above the main phase's). Default 0. */
  firstProcess?: number;
  /** Live counters for a progress line; one is created when not given. */
  counters?: LiveCounters;
  /** Cap on closing a client. Default 5000 ms. */
  closeTimeoutMs?: number;
}

export interface PhaseSummary {
  ok: number;
  fail: number;
  info: number;
  elapsedMs: number;
  /** Completions per second over the whole phase. */
  opsPerSecond: number;
  /** One above the highest process number used: where a following phase may start. */
  nextProcess: number;
}

/** ok/fail/info counts and a recent ops/s, for a progress line. */
export class LiveCounters {
  ok = 0;
  fail = 0;
  info = 0;
  private readonly windowMs: number;
  private times: number[] = [];
  private head = 0;

  constructor(windowMs = 5000) {
    this.windowMs = windowMs;
  }

  record(type: Completion["type"], nowMs = performance.now()): void {
    this[type]++;
    this.times.push(nowMs);
  }

  /** Completions per second over the last window. */
  opsPerSecond(nowMs = performance.now()): number {
    while (this.head < this.times.length && this.times[this.head] < nowMs - this.windowMs) this.head++;
    if (this.head > 4096) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return (this.times.length - this.head) / (this.windowMs / 1000);
  }

  snapshot(nowMs = performance.now()): { ok: number; fail: number; info: number; opsPerSecond: number } {
    return { ok: this.ok, fail: this.fail, info: this.info, opsPerSecond: this.opsPerSecond(nowMs) };
  }
}

class OpTimeout extends Error {
  constructor(ms: number) {
    super(`op timed out after ${ms} ms`);
    this.name = "OpTimeout";
  }
}

/** A short, stable description of an error for the history's `error` field. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Closes a client, giving up (and leaving it to finish in the background) after `ms`. */
async function closeQuietly(client: Client | undefined, ms: number): Promise<void> {
  if (!client) return;
  const closing = client.close().catch((e) => component("interpreter").debug({ err: describeError(e) }, "client close failed"));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closing, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** Runs one phase to its end (time limit, abort, or every worker's generator exhausted). */
export async function runPhase(o: PhaseOptions): Promise<PhaseSummary> {
  const counters = o.counters ?? new LiveCounters();
  const start = performance.now();
  const limiter = new RateLimiter(o.rate);
  const first = o.firstProcess ?? 0;
  const closeMs = o.closeTimeoutMs ?? 5000;
  const before = { ok: counters.ok, fail: counters.fail, info: counters.info };
  let nextProcess = first + o.concurrency;
  // A harness bug (a generator or history that throws) stops every worker and is rethrown.
  let fatal: { error: unknown } | undefined;
  const over = () => fatal !== undefined || o.signal?.aborted === true || performance.now() - start >= o.durationMs;

  const worker = async (w: number): Promise<void> => {
    let process = first + w;
    let client: Client | undefined;
    try {
      while (!over()) {
        const slot = limiter.reserve(performance.now());
        if (slot - start >= o.durationMs) break;
        const wait = slot - performance.now();
        if (wait > 0) await sleep(wait, o.signal);
        if (over()) break;
        const inv = o.generator.next({ process, worker: w, time: o.history.now() });
        if (!inv) break;
        const { f, value, ...extra } = inv;
        o.history.append({ process, type: "invoke", f, value, ...extra });

        // The op, with its client opened on demand, raced against the op timeout. A client that
        // arrives after the timeout is closed as soon as it does.
        let timedOut = false;
        const attempt = (async () => {
          if (!client) {
            const opened = await o.clients.open(process);
            if (timedOut) {
              void closeQuietly(opened, closeMs);
              throw new OpTimeout(o.opTimeoutMs);
            }
            client = opened;
          }
          return client.invoke(inv);
        })();
        let timer: NodeJS.Timeout | undefined;
        let c: Completion;
        try {
          c = await Promise.race([
            attempt,
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new OpTimeout(o.opTimeoutMs)), o.opTimeoutMs))),
          ]);
        } catch (e) {
          timedOut = true;
          attempt.catch(() => undefined);
          c = { type: "info", value, error: e instanceof OpTimeout ? "timeout" : describeError(e) };
        } finally {
          clearTimeout(timer);
        }
        const op = o.history.append({ process, ...extra, ...c, f, value: c.value, type: c.type });
        counters.record(c.type);
        o.generator.update?.(op);
        if (c.type === "info") {
          // The op may still be in flight: this process is done; the slot goes on as a new one.
          await closeQuietly(client, closeMs);
          client = undefined;
          process += o.concurrency;
          nextProcess = Math.max(nextProcess, process + 1);
        }
      }
    } catch (error) {
      fatal ??= { error };
    } finally {
      await closeQuietly(client, closeMs);
    }
  };

  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  if (fatal) throw fatal.error;
  const elapsedMs = performance.now() - start;
  const ok = counters.ok - before.ok;
  const fail = counters.fail - before.fail;
  const info = counters.info - before.info;
  return { ok, fail, info, elapsedMs, opsPerSecond: elapsedMs > 0 ? ((ok + fail + info) * 1000) / elapsedMs : 0, nextProcess };
}

