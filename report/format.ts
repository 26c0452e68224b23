// Number, time and value formatting shared by the report, the index and the CI summaries.

/** Seconds since test start, to the millisecond: "0.004 s", "51.812 s" (tenths past 1000 s). */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return "–";
  return `${Math.abs(s) < 1000 ? s.toFixed(3) : s.toFixed(1)} s`;
}

/** A duration for people: "45 s", "12 min 5 s", "2 h 3 min". */
export function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "–";
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Milliseconds: "0.42 ms", "12.3 ms", "1520 ms". */
export function millis(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

export function count(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "–";
}

export function percent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "–";
  return `${(fraction * 100).toFixed(1)} %`;
}

/** History time (nanoseconds) as seconds since the test started. */
export const nsToSeconds = (ns: number): number => ns / 1e9;

/** A date for people, in UTC so reports read the same everywhere: "2025-11-24 09:03:12 UTC". */
export function dateTime(iso: string | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Compact one-line JSON, cut to `max` characters. */
export function compactJson(value: unknown, max = 200): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Largest of many numbers (no argument spreading: series can be long). */
export function maxOf(xs: Iterable<number>, start = -Infinity): number {
  let m = start;
  for (const x of xs) if (x > m) m = x;
  return m;
}

export function minOf(xs: Iterable<number>, start = Infinity): number {
  let m = start;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** "1 op", "3 ops". */
export const plural = (n: number, word: string, many = `${word}s`): string => `${count(n)} ${n === 1 ? word : many}`;
