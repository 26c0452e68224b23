// The clock model the clock layer (docker/clock/kc-clock.c), the clock nemesis and the report
// share: what offset a setting gives at a moment. Pure.
import type { ClockSetting } from "./cluster.ts";

export const isZeroClock = (s: ClockSetting): boolean => !s.offsetMs && !s.strobe && !s.driftPpm;

/** The offset a setting gives `sinceSetMs` after it was set: [low, high] (a strobe flips between them). */
export function clockOffsetAt(s: ClockSetting, sinceSetMs: number): [number, number] {
  const base = s.offsetMs + ((s.driftPpm ?? 0) * sinceSetMs) / 1e6;
  const d = s.strobe?.deltaMs ?? 0;
  return [Math.min(base, base + d), Math.max(base, base + d)];
}

/** One setting in words: "+2h 3m 4s", "strobes 500 ms every 20 ms", "runs 1% fast". */
export function describeClock(s: ClockSetting): string {
  const parts: string[] = [];
  if (s.offsetMs) parts.push(signedDuration(s.offsetMs));
  if (s.strobe) parts.push(`strobes ${signedDuration(s.strobe.deltaMs)} every ${s.strobe.periodMs} ms`);
  if (s.driftPpm) parts.push(`runs ${Math.abs(s.driftPpm) / 1e4}% ${s.driftPpm > 0 ? "fast" : "slow"}`);
  return parts.join(", ") || "real time";
}

export function signedDuration(ms: number): string {
  const a = Math.abs(ms);
  const sgn = ms < 0 ? "-" : "+";
  if (a < 1000) return `${sgn}${a} ms`;
  const h = Math.floor(a / 3_600_000);
  const m = Math.floor((a % 3_600_000) / 60_000);
  const sec = Math.round((a % 60_000) / 100) / 10;
  return sgn + [h ? `${h}h` : "", m ? `${m}m` : "", sec ? `${sec}s` : ""].filter(Boolean).join(" ");
}
