// Helpers for writing small histories by hand in tests: rows of [process, type, f, value, extras]
// become ops with dense indices and times 1 ms apart.

import type { Op, OpType } from "../../core/history/op.ts";

export type Row = [process: number | "nemesis", type: OpType, f: string, value: unknown, extras?: Record<string, unknown>];

export function history(rows: Row[], msPerOp = 1): Op[] {
  return rows.map(([process, type, f, value, extras], index) => ({
    index,
    time: index * msPerOp * 1e6,
    process,
    type,
    f,
    value,
    ...(extras ?? {}),
  }));
}

/** An invoke/completion pair of a send op: sends to key k of [value, offset?] (offset undefined → unknown). */
export function sendPair(process: number, type: Exclude<OpType, "invoke">, k: string, ...vs: [number, number?][]): Row[] {
  return [
    [process, "invoke", "send", vs.map(([v]) => ["send", k, v])],
    [process, type, "send", vs.map(([v, o]) => (o === undefined ? ["send", k, v] : ["send", k, [o, v]]))],
  ];
}

/** An invoke/completion pair of a poll op reading {key: [[offset, value], ...]}. */
export function pollPair(process: number, type: Exclude<OpType, "invoke">, reads: Record<string, [number, number][]>, extras?: Record<string, unknown>): Row[] {
  return [
    [process, "invoke", "poll", [["poll"]]],
    [process, type, "poll", [["poll", reads]], extras],
  ];
}
