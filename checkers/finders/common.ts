// What every finder gets: the finished analysis, the mode, and where to put cases.

import type { Analysis } from "../analysis.ts";
import type { Cases } from "../cases.ts";
import { W_FAIL, type KeyState } from "../key-state.ts";
import type { AnomalyType, Mode } from "../modes.ts";

export interface FinderContext {
  analysis: Analysis;
  cases: Cases;
  mode: Mode;
}

/** One anomaly family: the types it can report, and a function that finds them. */
export interface Finder {
  name: string;
  types: readonly AnomalyType[];
  find(ctx: FinderContext): void;
}

/** "op 12 (process 3)". */
export const opRef = (op: number, process?: number): string => (process === undefined || process < 0 ? `op ${op}` : `op ${op} (process ${process})`);

/** Values strictly between dense indices i1 and i2 of a key's log. */
export function valuesBetween(ks: KeyState, i1: number, i2: number, max = 32, committedOnly = false): number[] {
  const out: number[] = [];
  for (let i = i1 + 1; i < i2 && out.length < max; i++) {
    const v = ks.occVal[i];
    if (!committedOnly || ks.writerType[ks.slot(v)] !== W_FAIL) out.push(v);
  }
  return out;
}

/**
 * How far a consumer moved forward from dense index i1 to i2, for poll-skip and int-poll-skip:
 * with transactions (read_committed), values whose send failed do not count, since the consumer
 * must pass over them; otherwise every value in the log counts. Backwards or equal: i2 - i1.
 */
export function pollDistance(ks: KeyState, i1: number, i2: number, mode: Mode): number {
  return i2 > i1 && mode.transactional ? ks.committedSpan(i1, i2) : i2 - i1;
}

export const sortedOps = (...ops: number[]): number[] => [...new Set(ops.filter((o) => o >= 0))].sort((a, b) => a - b);

/** "at offset 9" or "" when unknown. */
export const atOffset = (o: number): string => (o === o ? ` at offset ${o}` : "");
