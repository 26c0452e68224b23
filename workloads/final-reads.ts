// Final reads: after the faults are healed and the cluster has recovered, fresh clients (one
// reader per worker) assign every key, seek to the beginning and poll until each has read every
// key up to the highest offset the history proves is in the log, or until the time cap; a client
// that does not catch up within 10 s is replaced by a fresh one (FinalReadGenerator). They are
// ordinary processes (numbered above every process of the main phase) and their ops are ordinary
// history ops: `assign` with `"seek-to-beginning": true`, then `poll`s.
//
// A log can end below an offset that was acknowledged: an unclean election truncated it. The
// readers then stop at the log's end (its high watermark, asked once before reading) instead of
// waiting out the time cap for offsets that no longer exist; the checkers report the loss.
import type { Key, Op, OffsetValue } from "../core/history/op.ts";
import { isClientProcess } from "../core/history/op.ts";
import type { GenContext, OpGenerator } from "./generator.ts";
import { runPhase, type HistorySink } from "./interpreter.ts";
import { component } from "../core/log.ts";
import type { ClientFactory, Invocation } from "../clients/types.ts";
import type { Isolation } from "../core/cluster.ts";

/**
 * Per key, the highest offset an `ok` op proves is in the log: offsets acknowledged to sends and
 * offsets returned by polls. `fail` ops are left out (an aborted transaction's records are never
 * visible to read_committed readers), and `info` ops prove nothing. Also the first process
 * number above every client process. Kept op by op while a run goes (Jepsen's
 * track-key-offsets: harness/run.ts feeds it every op appended), so the final reads need not read
 * the history back; `SeenOffsets.of(ops)` builds it from ops.
 */
export class SeenOffsets {
  readonly targets = new Map<Key, number>();
  firstProcess = 0;

  static of(ops: Iterable<Op>): SeenOffsets {
    const s = new SeenOffsets();
    for (const op of ops) s.see(op);
    return s;
  }

  see(op: Op): void {
    if (isClientProcess(op) && op.process >= this.firstProcess) this.firstProcess = op.process + 1;
    if (op.type !== "ok" || !Array.isArray(op.value) || !(op.f === "send" || op.f === "poll" || op.f === "txn")) return;
    for (const m of op.value as unknown[][]) {
      if (m[0] === "send" && Array.isArray(m[2])) this.offset(m[1] as Key, (m[2] as OffsetValue)[0]);
      else if (m[0] === "poll" && m[1] && typeof m[1] === "object")
        for (const [k, pairs] of Object.entries(m[1] as Record<Key, OffsetValue[]>)) for (const [o] of pairs) this.offset(k, o);
    }
  }

  private offset(k: Key, o: number): void {
    if (Number.isFinite(o) && o > (this.targets.get(k) ?? -1)) this.targets.set(k, o);
  }
}

/**
 * Caps each target at the last offset of its key's log (`logEnds`: the next offset to be written,
 * i.e. the high watermark). Keys whose log is empty have nothing to read and are dropped. Returns
 * the capped keys with their acknowledged target and log end.
 */
export function capTargets(targets: Map<Key, number>, logEnds: ReadonlyMap<Key, number>): { key: Key; target: number; logEnd: number }[] {
  const capped: { key: Key; target: number; logEnd: number }[] = [];
  for (const [key, target] of targets) {
    const end = logEnds.get(key);
    if (end === undefined || end - 1 >= target) continue;
    capped.push({ key, target, logEnd: end });
    if (end <= 0) targets.delete(key);
    else targets.set(key, end - 1);
  }
  return capped;
}

/** How long a reader's client may go without catching up before it is replaced (Jepsen's final reads: 10 s). */
export const FRESH_CLIENT_MS = 10_000;

interface Reader {
  process: number;
  /** Keys this reader has not yet read up to their target. */
  remaining: Map<Key, number>;
  /** What its client is assigned now, and since when (history time, ns). */
  assigned: Key[];
  since: number;
  /** After a client that did not catch up in time: one key per assignment, so one stuck partition cannot hold the others up. */
  perKey: boolean;
  /** The key assigned last in per-key mode; the next is the one after it, cyclically (readers start apart). */
  lastKey?: Key;
  worker: number;
  freshClients: number;
}

/**
 * Jepsen-strength final reads: every reader (one per worker) reads every key up to its target.
 *
 * - A new process assigns the keys it still has to read, from the beginning, then polls.
 * - A client that has not caught up on what it was assigned within `freshClientMs` is replaced by
 *   a fresh one (a `crash` op, so the worker goes on as a new process). From then on that reader
 *   assigns one key at a time, round robin, so a partition that stalls its client (kafkajs waits on
 *   a leaderless partition for every partition it is assigned) holds up only itself.
 * - A reader whose assignment is read up to its targets moves on to its next keys on the same client.
 * - The phase ends when every reader has read every key, or at the time cap.
 *
 * `remaining` is what no reader has read up to its target: what the checkers are told is unreached.
 */
export class FinalReadGenerator implements OpGenerator {
  readonly remaining: Map<Key, number>;
  private readonly targets: ReadonlyMap<Key, number>;
  private readonly readers = new Map<number, Reader>();
  private readonly byProcess = new Map<number, Reader>();
  private readonly freshClientNs: number;

  constructor(targets: Map<Key, number>, o: { freshClientMs?: number } = {}) {
    this.targets = new Map(targets);
    this.remaining = new Map(targets);
    this.freshClientNs = (o.freshClientMs ?? FRESH_CLIENT_MS) * 1e6;
  }

  /** Fresh clients the readers needed (one per replacement). */
  get freshClients(): number {
    return [...this.readers.values()].reduce((n, r) => n + r.freshClients, 0);
  }

  /** Readers that have not read every key up to its target. */
  get behind(): number {
    return [...this.readers.values()].filter((r) => r.remaining.size > 0).length;
  }

  next({ process, worker, time }: GenContext): Invocation | undefined {
    let r = this.readers.get(worker);
    if (!r) {
      r = { process: -1, remaining: new Map(this.targets), assigned: [], since: time, perKey: false, worker, freshClients: 0 };
      this.readers.set(worker, r);
    }
    if (!r.remaining.size) return undefined;
    if (r.process !== process) {
      // A new process: the first, or the one after a replaced client.
      if (r.process >= 0) r.freshClients++;
      r.process = process;
      this.byProcess.set(process, r);
      return this.assign(r, time);
    }
    if (r.assigned.every((k) => !r.remaining.has(k))) return this.assign(r, time);
    if (time - r.since >= this.freshClientNs) {
      r.perKey = true;
      return { f: "crash", value: null };
    }
    return { f: "poll", value: [["poll"]] };
  }

  private assign(r: Reader, time: number): Invocation {
    const keys = [...r.remaining.keys()].sort();
    if (r.perKey) {
      const key = r.lastKey === undefined ? keys[r.worker % keys.length] : (keys.find((k) => k > r.lastKey!) ?? keys[0]);
      r.lastKey = key;
      r.assigned = [key];
    } else r.assigned = keys;
    r.since = time;
    return { f: "assign", value: r.assigned, "seek-to-beginning": true };
  }

  update(op: Op): void {
    if (op.type !== "ok" || op.f !== "poll" || !Array.isArray(op.value)) return;
    const r = typeof op.process === "number" ? this.byProcess.get(op.process) : undefined;
    for (const m of op.value as unknown[][]) {
      if (m[0] !== "poll" || !m[1]) continue;
      for (const [k, pairs] of Object.entries(m[1] as Record<Key, OffsetValue[]>)) {
        const target = this.targets.get(k);
        if (target === undefined || !pairs.some(([o]) => o >= target)) continue;
        this.remaining.delete(k);
        r?.remaining.delete(k);
      }
    }
  }
}

export interface FinalReadOptions {
  history: HistorySink;
  /** What the test so far proves is in the log: kept while it ran, or every op so far (read once, in order). */
  ops: SeenOffsets | Iterable<Op>;
  clients: ClientFactory;
  /** Absolute deadline (Date.now() milliseconds): no op starts after it. */
  deadlineMs: number;
  signal?: AbortSignal;
  opTimeoutMs: number;
  /** Concurrent readers, each reading every key (default 1; the workloads use one per worker). */
  readers?: number;
  /** See FRESH_CLIENT_MS. */
  freshClientMs?: number;
  /**
   * Each key's log end: the high watermark, to stop at a log that ends below an acknowledged
   * offset; with `read_committed`, the last stable offset.
   */
  logEnds?: (keys: Key[], isolation?: Isolation) => Promise<Map<Key, number>>;
  /**
   * Transactional runs with read_committed readers: after the reads, also record each key's last
   * stable offset (`stable-ends`), where read_committed readers stop while a transaction is open.
   */
  stableEnds?: boolean;
}

export interface FinalReadSummary {
  targets: Map<Key, number>;
  /** Keys never read up to their target before the deadline (the checkers say why). */
  unreached: Map<Key, number>;
  elapsedMs: number;
}

export async function finalReads(o: FinalReadOptions): Promise<FinalReadSummary> {
  const logger = component("final-reads");
  const start = Date.now();
  // The targets, and the first process number above every process so far (a copy: the run's
  // tracker goes on seeing the final reads' own ops).
  const seen = o.ops instanceof SeenOffsets ? o.ops : SeenOffsets.of(o.ops);
  let firstProcess = seen.firstProcess;
  const targets = new Map(seen.targets);
  const reading = new Map(targets);
  // The log ends go into the history (a `log-ends` op of a process of their own, before the reads
  // and after them): a log that ends below an acknowledged offset lost that message, even when
  // every poll read it before it went (the checkers' truncated-log).
  const endsProcess = firstProcess++;
  if (o.logEnds && targets.size) {
    const ends = await recordLogEnds(o.history, endsProcess, [...targets.keys()], o.logEnds);
    if (!ends) logger.warn("could not read the log ends; reading up to the acknowledged offsets");
    const capped = capTargets(reading, ends ?? new Map());
    if (capped.length)
      logger.warn(`logs end below acknowledged offsets (truncated?): ${capped.map((c) => `${c.key} ends at ${c.logEnd}, acknowledged ${c.target}`).join("; ")}; reading to the end`);
  }
  const gen = new FinalReadGenerator(reading, { freshClientMs: o.freshClientMs });
  if (reading.size) {
    logger.info(`final reads: ${o.readers ?? 1} reader(s), ${reading.size} keys, up to offsets ${[...reading].map(([k, v]) => `${k}@${v}`).join(" ")}`);
    await runPhase({
      generator: gen,
      clients: o.clients,
      concurrency: o.readers ?? 1,
      history: o.history,
      rate: 0,
      durationMs: Math.max(0, o.deadlineMs - Date.now()),
      signal: o.signal,
      opTimeoutMs: o.opTimeoutMs,
      firstProcess,
    });
  }
  if (o.logEnds && targets.size) {
    await recordLogEnds(o.history, endsProcess, [...targets.keys()], o.logEnds);
    if (o.stableEnds) await recordLogEnds(o.history, endsProcess, [...targets.keys()], o.logEnds, "read_committed");
  }
  const unreached = gen.remaining;
  if (unreached.size) logger.warn(`final reads stopped short of ${[...unreached].map(([k, v]) => `${k}@${v}`).join(" ")}`);
  else {
    const lagging = gen.behind ? `; ${gen.behind} reader(s) had not read every key at the cap` : "";
    const fresh = gen.freshClients ? `; ${gen.freshClients} fresh client(s) after ${(o.freshClientMs ?? FRESH_CLIENT_MS) / 1000} s without catching up` : "";
    logger.info(`final reads reached every key in ${((Date.now() - start) / 1000).toFixed(1)} s${fresh}${lagging}`);
  }
  return { targets, unreached, elapsedMs: Date.now() - start };
}

/**
 * Reads the keys' log ends as an invoke/ok op of `process`; undefined when it fails. ListOffsets
 * read_uncommitted, the high watermark, is `log-ends`; read_committed, the last stable offset, is
 * `stable-ends`.
 */
async function recordLogEnds(history: HistorySink, process: number, keys: Key[], logEnds: NonNullable<FinalReadOptions["logEnds"]>, isolation: Isolation = "read_uncommitted"): Promise<Map<Key, number> | undefined> {
  const f = isolation === "read_committed" ? "stable-ends" : "log-ends";
  history.append({ process, type: "invoke", f, value: keys });
  try {
    const ends = await logEnds(keys, isolation);
    history.append({ process, type: "ok", f, value: Object.fromEntries(ends) });
    return ends;
  } catch (err) {
    history.append({ process, type: "fail", f, value: keys, error: (err as Error).message });
    return undefined;
  }
}
