// lost-write (Jepsen's definition): on each key, take the furthest point in the log that an ok
// poll read (the highest first position of any value read); every committed value whose last
// position is at or before it should have been read by some ok poll too. Those that were not
// are lost. "Committed" = acknowledged ok, or info with some value of the same op read.

import { W_INFO } from "../key-state.ts";
import type { Finder } from "./common.ts";
import { sortedOps } from "./common.ts";

export const lostWriteFinder: Finder = {
  name: "lost-write",
  types: ["lost-write"],
  find({ analysis, cases }) {
    const committed = analysis.nodeCommitted;
    for (const ks of analysis.keyStates) {
      let bound = -1;
      let boundSlot = -1;
      for (let s = 0; s < ks.firstIdx.length; s++) {
        if (ks.okReader[s] >= 0 && ks.firstIdx[s] > bound) {
          bound = ks.firstIdx[s];
          boundSlot = s;
        }
      }
      if (bound < 0) continue;
      const maxOp = ks.okReader[boundSlot];
      const maxProc = ks.okReaderProc[boundSlot];
      const maxVal = ks.vValue[boundSlot];
      const maxOff = ks.occOff[bound];
      const consider = (i: number, v: number) => {
        const s = ks.slotOf(v);
        if (s < 0 || ks.lastIdx[s] !== i || ks.okReader[s] >= 0 || !ks.committed(s, committed)) return;
        if (!cases.wants("lost-write")) return;
        const how = ks.writerType[s] === W_INFO ? "its outcome unknown, but another of its values was read" : "acknowledged";
        cases.keep({
          type: "lost-write",
          key: ks.name,
          values: [v, maxVal],
          offsets: [ks.occOff[i], maxOff],
          ops: sortedOps(ks.writerOp[s], maxOp),
          explanation: `${ks.name}: value ${v} at offset ${ks.occOff[i]}, sent by op ${ks.writerOp[s]} (process ${ks.writerProc[s]}, ${how}), was never read by any poll, though op ${maxOp} (process ${maxProc}) read ${maxVal} at offset ${maxOff}${maxOff > ks.occOff[i] ? ", further along the log" : ""}.`,
        });
      };
      for (let i = 0; i <= bound; i++) {
        consider(i, ks.occVal[i]);
        const c = ks.conflicts?.get(ks.occOff[i]);
        if (c) for (let j = 1; j < c.values.length; j++) consider(i, c.values[j]);
      }
    }
  },
};
