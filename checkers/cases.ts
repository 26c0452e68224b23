// Where finders put what they find: every case is counted, and only the clearest few per type
// are kept (condensed), ranked by a per-type score (e.g. how far a poll skipped), ties broken by
// order of discovery. Finders call wants() before building a case, so a history with a million
// unseen messages costs a million counts, not a million objects.

import type { Anomaly } from "./results.ts";

/** How many cases of each type results.json keeps; others keep DEFAULT_LIMIT. */
export const CASE_LIMITS: Record<string, number> = {
  G0: 8,
  "G0-process": 8,
  "G0-realtime": 8,
  G1c: 8,
  "G1c-process": 8,
  "G1c-realtime": 8,
  "int-poll-skip": 16,
  "int-nonmonotonic-poll": 16,
  "int-send-skip": 16,
  "int-nonmonotonic-send": 16,
  "poll-skip": 16,
  "nonmonotonic-poll": 16,
  "nonmonotonic-send": 16,
};
export const DEFAULT_LIMIT = 32;

interface Kept {
  score: number;
  seq: number;
  anomaly: Anomaly;
}

export class Cases {
  readonly counts: Record<string, number> = {};
  private readonly kept = new Map<string, Kept[]>();
  private seq = 0;
  private readonly limitOverride: number | undefined;

  constructor(limit?: number) {
    this.limitOverride = limit;
  }

  private limit(type: string): number {
    return this.limitOverride ?? CASE_LIMITS[type] ?? DEFAULT_LIMIT;
  }

  /** Counts n cases of `type`; true when a case of this score would be kept (then call keep()). */
  wants(type: string, score = 0, n = 1): boolean {
    this.counts[type] = (this.counts[type] ?? 0) + n;
    const l = this.kept.get(type);
    if (l === undefined || l.length < this.limit(type)) return true;
    return score > l[l.length - 1].score;
  }

  keep(anomaly: Anomaly, score = 0): void {
    const type = anomaly.type;
    let l = this.kept.get(type);
    if (l === undefined) this.kept.set(type, (l = []));
    const k: Kept = { score, seq: this.seq++, anomaly };
    let i = l.length;
    while (i > 0 && l[i - 1].score < score) i--;
    l.splice(i, 0, k);
    if (l.length > this.limit(type)) l.pop();
  }

  /** Counts and keeps in one go (for finders whose cases are cheap to build). */
  add(anomaly: Anomaly, score = 0): void {
    if (this.wants(anomaly.type, score)) this.keep(anomaly, score);
  }

  types(): string[] {
    return Object.keys(this.counts)
      .filter((t) => this.counts[t] > 0)
      .sort();
  }

  condensed(): Record<string, Anomaly[]> {
    const out: Record<string, Anomaly[]> = {};
    for (const t of this.types()) out[t] = (this.kept.get(t) ?? []).map((k) => k.anomaly);
    return out;
  }
}

/** "17, 18 and 19", with at most `max` items shown. */
export function listOf(xs: readonly (number | string)[], max = 8): string {
  const shown = xs.slice(0, max).map(String);
  const more = xs.length - shown.length;
  if (more > 0) return `${shown.join(", ")} and ${more} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
