// unseen: acknowledged (ok) sends that no ok poll ever read, by the end of the history (after
// the final reads). Each message is one case; the over-time curve is in stats.unseen.

import type { Analysis } from "../analysis.ts";
import { W_OK, type KeyState } from "../key-state.ts";
import type { Finder } from "./common.ts";
import { atOffset } from "./common.ts";

/**
 * When the final reads asked for the log ends and got none for this key (the cluster had not
 * recovered), the highest offset of the key any ok poll read: an acknowledged value above it may
 * be in the log, unread, as much as lost, so it cannot be judged (the verdict says "unknown" with
 * the numbers). Undefined when the key can be judged: its log end is known (a loss below it is
 * `truncated-log`), or the history has no log-ends op at all (histories from before they existed,
 * and Jepsen's, judge as they always did).
 */
export function unjudgedAbove(analysis: Analysis, ks: KeyState): number | undefined {
  if (!analysis.logEndsAsked || analysis.logEnds.has(ks.name)) return undefined;
  let max = -1;
  for (let s = 0; s < ks.nv; s++) if (ks.okReader[s] >= 0 && ks.sendOffset[s] > max) max = ks.sendOffset[s];
  return max;
}

/** Acknowledged values no poll read, above what the final reads reached on keys whose log end is unknown: why the verdict is unknown. */
export function unjudgedUnseen(analysis: Analysis): string[] {
  const reasons: string[] = [];
  for (const ks of analysis.keyStates) {
    const above = unjudgedAbove(analysis, ks);
    if (above === undefined) continue;
    const offsets: number[] = [];
    for (let s = 0; s < ks.nv; s++) if (ks.writerType[s] === W_OK && ks.okReader[s] < 0 && ks.sendOffset[s] > above) offsets.push(ks.sendOffset[s]);
    if (!offsets.length) continue;
    offsets.sort((a, b) => a - b);
    reasons.push(
      `${ks.name}: ${offsets.length} acknowledged value${offsets.length === 1 ? "" : "s"} at offset${offsets.length === 1 ? "" : "s"} ${offsets[0]}${offsets.length > 1 ? `-${offsets.at(-1)}` : ""} ${offsets.length === 1 ? "was" : "were"} never read, but the reads stopped at offset ${above} and the log end could not be read after the heal (the cluster had not recovered): in the log unread, or lost, cannot be told`,
    );
  }
  return reasons;
}

export const unseenFinder: Finder = {
  name: "unseen",
  types: ["unseen"],
  find({ analysis, cases }) {
    for (const ks of analysis.keyStates) {
      const above = unjudgedAbove(analysis, ks);
      for (let s = 0; s < ks.nv; s++) {
        if (ks.writerType[s] !== W_OK || ks.okReader[s] >= 0) continue;
        if (above !== undefined && ks.sendOffset[s] > above) continue;
        if (!cases.wants("unseen")) continue;
        const v = ks.vValue[s];
        const o = ks.sendOffset[s];
        const seen = ks.anyReader[s] >= 0 ? ` (only op ${ks.anyReader[s]}, a poll that did not complete ok, returned it)` : "";
        const stable = analysis.stableEnds.get(ks.name);
        const held = stable && o === o && o >= stable.end ? ` The last stable offset of ${ks.name} was ${stable.end} after the final reads (op ${stable.op}): a transaction left open holds read_committed readers below it.` : "";
        cases.keep({
          type: "unseen",
          key: ks.name,
          values: [v],
          ...(o === o ? { offsets: [o] } : {}),
          ops: [ks.writerOp[s]],
          explanation: `${ks.name}: value ${v}, acknowledged to process ${ks.writerProc[s]} (op ${ks.writerOp[s]}${atOffset(o)}), was never read by any ok poll${seen}.${held}`,
        });
      }
    }
  },
};
