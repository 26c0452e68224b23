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
