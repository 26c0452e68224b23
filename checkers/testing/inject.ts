// Faults to inject into a history from the correct-Kafka model, for property tests: each
// returns the altered ops and what must be found, or null when the history offers no place
// for that fault. Indices are renumbered after insertions.

import type { Op } from "../../core/history/op.ts";

type Pair = [number, number];
type Reads = Record<string, Pair[]>;

export interface Injected {
  ops: Op[];
  key: string;
  value: number;
}

const clone = (ops: Op[]): Op[] => structuredClone(ops);
const renumber = (ops: Op[]): Op[] => ops.map((o, index) => ({ ...o, index }));

function* pollReads(ops: Op[]): Generator<{ op: Op; reads: Reads }> {
  for (const op of ops) {
    if (op.type === "invoke" || !Array.isArray(op.value)) continue;
    for (const m of op.value as unknown[][]) if (m[0] === "poll" && m.length === 2) yield { op, reads: m[1] as Reads };
  }
}

function* okSends(ops: Op[]): Generator<{ op: Op; key: string; offset: number; value: number; at: number }> {
  for (const op of ops) {
    if (op.type !== "ok" || !Array.isArray(op.value)) continue;
    (op.value as unknown[][]).forEach((m, at) => {
      if (m[0] === "send" && Array.isArray(m[2])) {
        const [offset, value] = m[2] as Pair;
        return void (yieldList.push({ op, key: m[1] as string, offset, value, at }));
      }
    });
    yield* yieldList.splice(0);
  }
}
const yieldList: { op: Op; key: string; offset: number; value: number; at: number }[] = [];

function lastOffsets(ops: Op[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const { reads } of pollReads(ops)) for (const [k, pairs] of Object.entries(reads)) for (const [o] of pairs) m.set(k, Math.max(m.get(k) ?? -1, o));
  for (const s of okSends(ops)) m.set(s.key, Math.max(m.get(s.key) ?? -1, s.offset));
  return m;
}

/** The broker appends value v to key k again (or for the first time) after everything else; the final reads see it. */
function appendToFinalRead(ops: Op[], key: string, value: number): boolean {
  const end = (lastOffsets(ops).get(key) ?? -1) + 1;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (op.type !== "ok" || op.f !== "poll") continue;
    const reads = (op.value as unknown[][])[0]?.[1] as Reads | undefined;
    if (reads?.[key] && reads[key].length > 0) {
      reads[key].push([end, value]);
      return true;
    }
  }
  return false;
}

/** Lose an acknowledged message that is not the last of its key: no poll returns it. */
export function injectLost(ops: Op[], pick: number): Injected | null {
  const h = clone(ops);
  const last = lastOffsets(h);
  const candidates = [...okSends(h)].filter((s) => s.offset < (last.get(s.key) ?? -1));
  if (candidates.length === 0) return null;
  const s = candidates[pick % candidates.length];
  for (const { reads } of pollReads(h)) if (reads[s.key]) reads[s.key] = reads[s.key].filter(([, v]) => v !== s.value);
  return { ops: h, key: s.key, value: s.value };
}

/** Duplicate a message: the broker writes it a second time, at the end of its key. */
export function injectDuplicate(ops: Op[], pick: number): Injected | null {
  const h = clone(ops);
  const read = [...pollReads(h)].flatMap(({ reads }) => Object.entries(reads).flatMap(([k, ps]) => ps.map(([, v]) => ({ k, v }))));
  if (read.length === 0) return null;
  const { k, v } = read[pick % read.length];
  return appendToFinalRead(h, k, v) ? { ops: h, key: k, value: v } : null;
}

/** Reorder one producer's two successive single-message sends to a key: each lands at the other's offset. */
export function injectReorder(ops: Op[], pick: number): Injected | null {
  const h = clone(ops);
  const byProc = new Map<unknown, { key: string; offset: number; value: number; op: Op; at: number }>();
  const pairs: [ReturnType<typeof okSends> extends Generator<infer T> ? T : never, ReturnType<typeof okSends> extends Generator<infer T> ? T : never][] = [];
  const resets = new Map<Op, unknown>();
  for (const o of h) if ((o.f === "assign" || o.f === "subscribe") && (o.type === "ok" || o.type === "info")) resets.set(o, o.process);
  const sends = [...okSends(h)];
  const order = new Map(h.map((o, i) => [o, i]));
  const events = [...sends.map((s) => ({ i: order.get(s.op)!, s })), ...[...resets].map(([o, p]) => ({ i: order.get(o)!, reset: p }))].sort((x, y) => x.i - y.i);
  for (const e of events) {
    // As in Jepsen, an assign/subscribe resets what the checker compares a producer's sends with.
    if ("reset" in e) {
      byProc.delete(e.reset);
      continue;
    }
    const s = e.s!;
    if ((s.op.value as unknown[]).length !== 1) continue;
    const prev = byProc.get(s.op.process);
    if (prev && prev.key === s.key) pairs.push([prev, s]);
    byProc.set(s.op.process, s);
  }
  if (pairs.length === 0) return null;
  const [a, b] = pairs[pick % pairs.length];
  (a.op.value as unknown[][])[a.at][2] = [b.offset, a.value];
  (b.op.value as unknown[][])[b.at][2] = [a.offset, b.value];
  for (const { reads } of pollReads(h))
    if (reads[a.key]) reads[a.key] = reads[a.key].map(([o, v]) => (o === a.offset ? [o, b.value] : o === b.offset ? [o, a.value] : [o, v]));
  return { ops: h, key: a.key, value: b.value };
}

/** A send that failed is nonetheless exposed to readers (an aborted read). */
export function injectAbortedRead(ops: Op[], pick: number): Injected | null {
  const h = clone(ops);
  const keys = [...lastOffsets(h).keys()].sort();
  if (keys.length === 0) return null;
  const key = keys[pick % keys.length];
  const value = 1_000_000 + pick;
  // The failed send goes just before the final reads (the first assign of a fresh process).
  const procs = h.filter((o) => typeof o.process === "number").map((o) => o.process as number);
  const p = Math.max(...procs) + 1;
  let at = h.findIndex((o, i) => o.f === "assign" && o.type === "invoke" && h.slice(i).every((x) => x.f === "assign" || x.f === "poll" || x.process === "nemesis"));
  if (at < 0) at = h.length;
  const t = at > 0 ? h[at - 1].time : 0;
  h.splice(
    at,
    0,
    { index: 0, time: t, process: p, type: "invoke", f: "send", value: [["send", key, value]] },
    { index: 0, time: t, process: p, type: "fail", f: "send", value: [["send", key, value]], error: "aborted" },
  );
  const out = renumber(h);
  return appendToFinalRead(out, key, value) ? { ops: out, key, value } : null;
}

/**
 * A read_committed poll returns a record of an aborted transaction, between two committed records
 * it returned anyway (kafkajs 2.2.4's leak): one poll, one record. `logs` are the model's (they
 * know where aborted records sit; the history does not). Every other poll rightly passed over it.
 */
export function injectLeakedAbort(ops: Op[], logs: { value: number; visible: boolean }[][], keyName: (k: number) => string, pick: number): Injected | null {
  const h = clone(ops);
  const failed = new Set<number>();
  for (const op of h) {
    if (op.type !== "fail" || !Array.isArray(op.value)) continue;
    for (const m of op.value as unknown[][]) if (m[0] === "send") failed.add(Array.isArray(m[2]) ? (m[2] as Pair)[1] : (m[2] as number));
  }
  const aborted = new Map<string, Map<number, number>>(); // key → offset → failed value
  logs.forEach((log, k) => log.forEach((r, off) => !r.visible && failed.has(r.value) && (aborted.get(keyName(k)) ?? aborted.set(keyName(k), new Map()).get(keyName(k))!).set(off, r.value)));
  const spots: { pairs: Pair[]; at: number; key: string; offset: number; value: number }[] = [];
  for (const { op, reads } of pollReads(h)) {
    if (op.type !== "ok") continue;
    for (const [key, pairs] of Object.entries(reads)) {
      const ab = aborted.get(key);
      if (!ab) continue;
      for (let i = 1; i < pairs.length; i++) for (let off = pairs[i - 1][0] + 1; off < pairs[i][0]; off++) if (ab.has(off)) spots.push({ pairs, at: i, key, offset: off, value: ab.get(off)! });
    }
  }
  if (spots.length === 0) return null;
  const s = spots[pick % spots.length];
  s.pairs.splice(s.at, 0, [s.offset, s.value]);
  return { ops: h, key: s.key, value: s.value };
}

/**
 * Duplicate a message in the middle of its key's log: the broker writes an earlier value again at
 * offset X, and every later record of the key moves up by one (in acknowledgements and reads
 * alike). X is chosen where no poll stops or starts, so each reader that crossed X reads the copy
 * in the same poll, as it would from a real log, and where it splits no op's own sends.
 */
export function injectMidDuplicate(ops: Op[], pick: number): Injected | null {
  const h = clone(ops);
  const byKey = new Map<string, Map<number, number>>(); // key → offset → value, as read
  const lists: { key: string; pairs: Pair[] }[] = [];
  for (const { reads } of pollReads(h)) {
    for (const [key, pairs] of Object.entries(reads)) {
      if (!pairs.length) continue;
      lists.push({ key, pairs });
      const m = byKey.get(key) ?? byKey.set(key, new Map()).get(key)!;
      for (const [o, v] of pairs) m.set(o, v);
    }
  }
  // Where each op's sends to a key landed (acknowledged, or else where a poll read the value): a
  // copy between two of them would split the op's own run of records.
  const readAt = new Map<string, number>(); // "key value" → first offset read
  for (const [key, m] of byKey) for (const [o, v] of [...m].sort((a, b) => b[0] - a[0])) readAt.set(`${key} ${v}`, o);
  const sendSpans: { key: string; lo: number; hi: number }[] = [];
  for (const op of h) {
    if (op.type === "invoke" || !Array.isArray(op.value)) continue;
    const at = new Map<string, number[]>();
    for (const m of op.value as unknown[][]) {
      if (m[0] !== "send") continue;
      const o = Array.isArray(m[2]) ? (m[2] as Pair)[0] : readAt.get(`${m[1] as string} ${m[2] as number}`);
      if (o !== undefined) (at.get(m[1] as string) ?? at.set(m[1] as string, []).get(m[1] as string)!).push(o);
    }
    for (const [key, os] of at) sendSpans.push({ key, lo: Math.min(...os), hi: Math.max(...os) });
  }
  const spots: { key: string; x: number; value: number }[] = [];
  for (const [key, m] of byKey) {
    const offs = [...m.keys()].sort((a, b) => a - b);
    for (let i = 1; i < offs.length; i++) {
      const [prev, x] = [offs[i - 1], offs[i]];
      // No poll ends at prev without reading x, none starts at x.
      const clean = lists.filter((l) => l.key === key).every((l) => {
        const at = l.pairs.findIndex(([o]) => o === prev);
        return l.pairs[0][0] !== x && (at < 0 || l.pairs[at + 1]?.[0] === x);
      });
      const splits = sendSpans.some((sp) => sp.key === key && sp.lo < x && sp.hi >= x);
      if (clean && !splits) for (const o of offs.slice(0, i)) spots.push({ key, x, value: m.get(o)! });
    }
  }
  if (spots.length === 0) return null;
  const { key, x, value } = spots[pick % spots.length];
  const shift = ([o, v]: Pair): Pair => (o >= x ? [o + 1, v] : [o, v]);
  for (const l of lists) {
    if (l.key !== key) continue;
    const shifted = l.pairs.map(shift);
    const at = shifted.findIndex(([o]) => o > x);
    if (at > 0) shifted.splice(at, 0, [x, value]);
    l.pairs.splice(0, l.pairs.length, ...shifted);
  }
  for (const s of okSends(h)) if (s.key === key && s.offset >= x) (s.op.value as unknown[][])[s.at][2] = [s.offset + 1, s.value];
  return { ops: h, key, value };
}
