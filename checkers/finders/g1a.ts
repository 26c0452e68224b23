// G1a (aborted read): an ok poll returned a value whose send definitely failed.

import { W_FAIL } from "../key-state.ts";
import type { Finder } from "./common.ts";
import { atOffset, sortedOps } from "./common.ts";

export const g1aFinder: Finder = {
  name: "G1a",
  types: ["G1a"],
  find({ analysis, cases }) {
    for (const ks of analysis.keyStates) {
      for (let s = 0; s < ks.nv; s++) {
        if (ks.writerType[s] !== W_FAIL || ks.okReader[s] < 0) continue;
        if (!cases.wants("G1a")) continue;
        const v = ks.vValue[s];
        const o = s < ks.firstOff.length ? ks.firstOff[s] : NaN;
        cases.keep({
          type: "G1a",
          key: ks.name,
          values: [v],
          ...(o === o ? { offsets: [o] } : {}),
          ops: sortedOps(ks.writerOp[s], ks.okReader[s]),
          explanation: `op ${ks.okReader[s]} (process ${ks.okReaderProc[s]}) polled ${v} from ${ks.name}${atOffset(o)}, but the send of ${v} (op ${ks.writerOp[s]}, process ${ks.writerProc[s]}) failed: a failed write must never become visible.`,
        });
      }
    }
  },
};
