// One pass over a history (in memory or streamed from history.jsonl) that keeps only what the
// report needs: the ops anomalies point at (with their invocations), nemesis ops, the sends and
// polls of the keys anomalies are about, and bounded latency/rate series as a fallback for
// results without stats. Histories can be large, so nothing else is kept.

import type { Op } from "../core/history/op.ts";
import type { LatencyPoint } from "../checkers/results.ts";
import { isEdnHistory, parseOpLine, readLines, readOpsFile } from "../core/history/ops-file.ts";

/** One poll's view of one key: flat `[offset, value, offset, value, ...]`. */
export interface KeyPoll {
  op: number;
  process: number | "nemesis";
  time: number;
  pairs: number[];
}

/** Acknowledged (offset, value) of a key, from send completions. */
export interface KeySend {
  op: number;
  process: number | "nemesis";
  time: number;
  offset: number;
  value: number;
}

export interface KeyTrace {
  sends: KeySend[];
  polls: KeyPoll[];
}

export interface HistoryDigest {
  /** Number of ops read. */
  opCount: number;
  /** Highest `time` seen, in nanoseconds (0 for an empty history). */
  lastTime: number;
  /** The wanted ops by index. */
  ops: Map<number, Op>;
  /** For a wanted completion: its invocation. */
  invocations: Map<number, Op>;
  nemesis: Op[];
  keys: Map<string, KeyTrace>;
  /** Client completion latencies, bounded (ok points thinned first). */
  latency: LatencyPoint[];
  /** Client completions per second. */
  rate: { t: number; ok: number; fail: number; info: number }[];
  /** Lines of history.jsonl that did not parse (a crashed harness can leave a torn last line). */
  badLines: number;
}

export interface DigestWants {
  ops?: Iterable<number>;
  keys?: Iterable<string>;
}

const MAX_LATENCY_POINTS = 6000;

/** Ops of a history.jsonl, torn lines counted and skipped: the one Op-level reader (core/history). */
export { readOpsFile as readHistoryFile } from "../core/history/ops-file.ts";

/** Lines read but not parsed by neededOps: how many, and the latest time among them. */
export interface Skipped {
  count: number;
  lastTime: number;
}

/** The start of a line the harness wrote: `{"index":…,"time":…,"process":…,"type":"…"`. */
const PREFIX = /^\{"index":(\d+),"time":(\d+),"process":(\d+|"nemesis"),"type":"(invoke|ok|fail|info)"/;

/**
 * The ops of a history.jsonl a report needs once results.json has its series (latency points,
 * rates): the wanted ops with their invocations, nemesis ops, and ops that name a wanted key.
 * Other lines are only counted, their time read from the prefix, not parsed: on a 10M-op history
 * that is most of the report's time. A line not in the harness's key order, or not ending in
 * "}", is parsed as usual.
 */
export function* neededOps(path: string, wants: DigestWants, bad: { count: number }, skipped: Skipped): Generator<Op> {
  if (isEdnHistory(path)) {
    yield* readOpsFile(path, bad);
    return;
  }
  const wantOps = new Set(wants.ops ?? []);
  const keyNeedles = [...(wants.keys ?? [])].map((k) => JSON.stringify(k));
  const lastInvoke = new Map<string, string>();
  const parse = (line: string) => parseOpLine(line, bad);
  for (const line of readLines(path)) {
    // A line cut short (a crash) does not end in "}": it is parsed, so it is counted as bad.
    const m = line.charCodeAt(line.length - 1) === 0x7d ? PREFIX.exec(line) : null;
    if (m === null) {
      if (!line.trim()) continue;
      const op = parse(line);
      if (op) yield op;
      continue;
    }
    const [, index, time, process, type] = m;
    if (process === '"nemesis"' || wantOps.has(Number(index)) || keyNeedles.some((k) => line.includes(k))) {
      // A wanted completion comes after its invocation.
      if (type !== "invoke") {
        const inv = lastInvoke.get(process);
        lastInvoke.delete(process);
        const invOp = inv === undefined ? undefined : parse(inv);
        if (invOp) {
          skipped.count--; // counted when passed over; the digest counts it now
          yield invOp;
        }
      }
      const op = parse(line);
      if (op) yield op;
      continue;
    }
    if (type === "invoke") lastInvoke.set(process, line);
    else lastInvoke.delete(process);
    skipped.count++;
    const t = Number(time);
    if (t > skipped.lastTime) skipped.lastTime = t;
  }
}

const isCompletion = (op: Op) => op.type === "ok" || op.type === "fail" || op.type === "info";

/** Digests ops; `skipped` (from neededOps) adds the lines passed over to opCount and lastTime. */
export function digestHistory(history: Iterable<Op>, wants: DigestWants = {}, bad: { count: number } = { count: 0 }, skipped?: Skipped): HistoryDigest {
  const wantOps = new Set(wants.ops ?? []);
  const wantKeys = new Set(wants.keys ?? []);
  const d: HistoryDigest = {
    opCount: 0,
    lastTime: 0,
    ops: new Map(),
    invocations: new Map(),
    nemesis: [],
    keys: new Map([...wantKeys].map((k) => [k, { sends: [], polls: [] }])),
    latency: [],
    rate: [],
    badLines: 0,
  };
  const inFlight = new Map<number | string, Op>();
  let okStride = 1;
  let okSeen = 0;
  const rate = new Map<number, { ok: number; fail: number; info: number }>();

  for (const op of history) {
    d.opCount++;
    if (typeof op.time === "number" && op.time > d.lastTime) d.lastTime = op.time;
    if (wantOps.has(op.index)) d.ops.set(op.index, op);
    if (op.process === "nemesis") {
      d.nemesis.push(op);
      continue;
    }
    if (op.type === "invoke") {
      inFlight.set(op.process, op);
      continue;
    }
    if (!isCompletion(op)) continue;
    const inv = inFlight.get(op.process);
    inFlight.delete(op.process);
    if (inv && wantOps.has(op.index)) d.invocations.set(op.index, inv);
    const t = op.time / 1e9;
    const type = op.type as LatencyPoint["type"];
    if (inv && typeof inv.time === "number") {
      if (type !== "ok" || okSeen++ % okStride === 0) d.latency.push({ t, ms: (op.time - inv.time) / 1e6, f: op.f, type });
      if (d.latency.length > MAX_LATENCY_POINTS) {
        // Thin the ok points by half; fail and info points are rarer and tell more.
        okStride *= 2;
        let i = 0;
        d.latency = d.latency.filter((p) => p.type !== "ok" || i++ % 2 === 0);
        if (d.latency.length > MAX_LATENCY_POINTS) d.latency = d.latency.filter((_, j) => j % 2 === 0);
      }
    }
    const bucket = Math.floor(t);
    const b = rate.get(bucket) ?? { ok: 0, fail: 0, info: 0 };
    b[type]++;
    rate.set(bucket, b);
    if (wantKeys.size && Array.isArray(op.value)) collectKeys(op, d.keys);
  }
  d.rate = [...rate.entries()].sort((a, b) => a[0] - b[0]).map(([t, c]) => ({ t, ...c }));
  d.badLines = bad.count;
  if (skipped) {
    d.opCount += skipped.count;
    if (skipped.lastTime > d.lastTime) d.lastTime = skipped.lastTime;
  }
  return d;
}

function collectKeys(op: Op, keys: Map<string, KeyTrace>): void {
  const polls = new Map<string, number[]>();
  for (const mop of op.value as unknown[]) {
    if (!Array.isArray(mop)) continue;
    if (mop[0] === "send" && op.type === "ok") {
      const trace = keys.get(mop[1]);
      const ov = mop[2];
      if (trace && Array.isArray(ov) && typeof ov[0] === "number" && typeof ov[1] === "number")
        trace.sends.push({ op: op.index, process: op.process, time: op.time, offset: ov[0], value: ov[1] });
    } else if (mop[0] === "poll" && mop[1] && typeof mop[1] === "object") {
      for (const [key, pairs] of Object.entries(mop[1] as Record<string, unknown>)) {
        if (!keys.has(key) || !Array.isArray(pairs)) continue;
        const flat = polls.get(key) ?? [];
        for (const p of pairs) if (Array.isArray(p) && typeof p[0] === "number" && typeof p[1] === "number") flat.push(p[0], p[1]);
        polls.set(key, flat);
      }
    }
  }
  for (const [key, pairs] of polls) if (pairs.length) keys.get(key)?.polls.push({ op: op.index, process: op.process, time: op.time, pairs });
}
