// unseen: acknowledged (ok) sends that no ok poll ever read, by the end of the history (after
// the final reads). Each message is one case; the over-time curve is in stats.unseen.

import { W_OK } from "../key-state.ts";
import type { Finder } from "./common.ts";
import { atOffset } from "./common.ts";

export const unseenFinder: Finder = {
  name: "unseen",
  types: ["unseen"],
  find({ analysis, cases }) {
    for (const ks of analysis.keyStates) {
      for (let s = 0; s < ks.nv; s++) {
        if (ks.writerType[s] !== W_OK || ks.okReader[s] >= 0) continue;
        if (!cases.wants("unseen")) continue;
        const v = ks.vValue[s];
        const o = ks.sendOffset[s];
        const seen = ks.anyReader[s] >= 0 ? ` (only op ${ks.anyReader[s]}, a poll that did not complete ok, returned it)` : "";
        cases.keep({
          type: "unseen",
          key: ks.name,
          values: [v],
          ...(o === o ? { offsets: [o] } : {}),
          ops: [ks.writerOp[s]],
          explanation: `${ks.name}: value ${v}, acknowledged to process ${ks.writerProc[s]} (op ${ks.writerOp[s]}${atOffset(o)}), was never read by any ok poll${seen}.`,
        });
      }
    }
  },
};
