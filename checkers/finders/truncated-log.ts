// truncated-log: a key's log ends, after every fault was healed, below an offset where a send was
// acknowledged. The message that was there is gone from the log, even when polls read it before
// it went (so lost-write and unseen, which look at what was read, stay silent): what a power cut
// does to writes no replica had fsynced. The log ends are the final reads' `log-ends` ops
// (ListOffsets, the high watermark); the highest reading counts. One case per key, with the
// acknowledged values at or past the end.

import { W_OK } from "../key-state.ts";
import type { Finder } from "./common.ts";

/** At most this many values named per case (the count is in the explanation). */
const MAX_VALUES = 16;

export const truncatedLogFinder: Finder = {
  name: "truncated-log",
  types: ["truncated-log"],
  find({ analysis, cases }) {
    if (!analysis.logEnds.size) return;
    for (const ks of analysis.keyStates) {
      const end = analysis.logEnds.get(ks.name);
      if (!end) continue;
      const lost: { v: number; o: number; op: number }[] = [];
      for (let s = 0; s < ks.nv; s++) {
        const o = ks.sendOffset[s];
        if (ks.writerType[s] === W_OK && o === o && o >= end.end) lost.push({ v: ks.vValue[s], o, op: ks.writerOp[s] });
      }
      if (!lost.length || !cases.wants("truncated-log")) continue;
      lost.sort((a, b) => a.o - b.o);
      const shown = lost.slice(0, MAX_VALUES);
      cases.keep({
        type: "truncated-log",
        key: ks.name,
        values: shown.map((l) => l.v),
        offsets: shown.map((l) => l.o),
        ops: [...new Set([...shown.map((l) => l.op), end.op])].sort((a, b) => a - b),
        explanation: `${ks.name}: the log ends at offset ${end.end} after the faults were healed (op ${end.op}), yet ${lost.length} acknowledged send${lost.length === 1 ? "" : "s"} landed at or past it (${lost.length === 1 ? `offset ${lost[0].o}` : `offsets ${lost[0].o}-${lost.at(-1)!.o}`}, first value ${lost[0].v} by op ${lost[0].op}): the log lost ${lost.length === 1 ? "it" : "them"}.`,
      });
    }
  },
};
