// The verdict: false when an anomaly that counts in this mode was found; "unknown" when the
// history cannot support a verdict (nothing acknowledged, nothing read, a checker crashed);
// true otherwise. Invalid wins over unknown: a real anomaly stands even if another checker
// crashed — except "unseen", which says nothing when no poll ever completed ok.

import type { Verdict } from "./results.ts";

export interface VerdictInput {
  badTypes: string[];
  unknownReasons: string[];
  okPolls: number;
}

export function decideVerdict({ badTypes, unknownReasons, okPolls }: VerdictInput): { valid: Verdict; bad: string[] } {
  const bad = okPolls === 0 ? badTypes.filter((t) => t !== "unseen") : badTypes;
  if (bad.length > 0) return { valid: false, bad };
  if (unknownReasons.length > 0) return { valid: "unknown", bad };
  return { valid: true, bad };
}

/** Exit code of `check` for a verdict: see core/exit-codes.ts. */
export { exitCodeForVerdict } from "../core/exit-codes.ts";
