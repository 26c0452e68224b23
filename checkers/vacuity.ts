// Vacuity gates: a run whose faults never met the workload proved little about them, however
// clean its history. Two floors, each making the verdict "unknown: faults not exercised" with
// the numbers (never hiding an anomaly that was found: invalid still wins):
//   1. no send was acknowledged while any fault window was open, nor in the LEAD_SECONDS before
//      one opened (the writes a kill, a power cut or an isolation puts at risk: a window in which
//      every broker is down can acknowledge nothing, yet tests the writes just before it);
//   2. a fault family (a window's f) none of whose windows any send op overlapped, whatever
//      its outcome.
// Runs without fault windows have nothing to gate.

import type { Stats } from "./results.ts";
import { LEAD_SECONDS } from "./stats.ts";

export const NOT_EXERCISED = "faults not exercised";

export function vacuityReasons(stats: Stats): string[] {
  const ws = stats.faultWindows;
  if (ws.length === 0 || ws.some((w) => w.ackedSends === undefined)) return [];
  const seconds = (list: typeof ws) => {
    const x = list.reduce((n, w) => n + Math.max(0, w.end - w.start), 0);
    return x < 1 ? x.toFixed(3) : x.toFixed(1);
  };
  const out: string[] = [];
  const acked = ws.reduce((n, w) => n + (w.ackedSends ?? 0) + (w.ackedSendsBefore ?? 0), 0);
  if (acked === 0) {
    const polls = ws.reduce((n, w) => n + (w.pollsWithData ?? 0), 0);
    out.push(
      `${NOT_EXERCISED}: no send was acknowledged during any of the ${ws.length} fault window(s) (${seconds(ws)} s in all; ${polls} poll(s) returned data there), nor in the ${LEAD_SECONDS} s before one opened, so the faults were never shown to lose or reorder an acknowledged write`,
    );
  }
  const families = new Map<string, typeof ws>();
  for (const w of ws) families.set(w.f, [...(families.get(w.f) ?? []), w]);
  for (const [f, list] of families) {
    if (list.some((w) => (w.sendsOverlapping ?? 0) > 0)) continue;
    out.push(`${NOT_EXERCISED}: no send overlapped any of the ${list.length} ${f} window(s) (${seconds(list)} s): that family met no write`);
  }
  return out;
}
