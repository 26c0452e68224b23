// duplicate and inconsistent-offsets: does each offset of a key hold one value, and each value
// sit at one offset? Built from ok sends, info sends proven committed, and every poll (polls
// of any outcome: a consumer must never return bad data, whatever happens to its transaction).

import { listOf, plural } from "../cases.ts";
import type { Finder } from "./common.ts";
import { sortedOps } from "./common.ts";

export const versionOrderFinder: Finder = {
  name: "version-order",
  types: ["inconsistent-offsets", "duplicate"],
  find({ analysis, cases }) {
    for (const ks of analysis.keyStates) {
      if (ks.conflicts !== null) {
        for (const o of [...ks.conflicts.keys()].sort((a, b) => a - b)) {
          const c = ks.conflicts.get(o)!;
          if (!cases.wants("inconsistent-offsets", c.values.length)) continue;
          const who = c.values.map((v, i) => `${v} (op ${c.ops[i]})`);
          cases.keep(
            {
              type: "inconsistent-offsets",
              key: ks.name,
              offsets: [o],
              values: [...c.values],
              ops: sortedOps(...c.ops),
              explanation: `${ks.name} offset ${o} holds ${plural(c.values.length, "different value")} depending on who is asked: ${listOf(who)}.`,
            },
            c.values.length,
          );
        }
      }
      if (ks.dups !== null) {
        for (const [s, offsets] of ks.dups) {
          if (!cases.wants("duplicate", offsets.length)) continue;
          const v = ks.vValue[s];
          const seenBy = offsets.map((o) => {
            const i = ks.rank(o);
            if (ks.occVal[i] === v) return ks.occOp[i];
            const c = ks.conflicts?.get(o);
            return c ? c.ops[c.values.indexOf(v)] : -1;
          });
          const w = ks.writerOp[s];
          const writer = w >= 0 ? `; it was sent once, by op ${w} (process ${ks.writerProc[s]})` : "";
          cases.keep(
            {
              type: "duplicate",
              key: ks.name,
              offsets: [...offsets],
              values: [v],
              ops: sortedOps(w, ...seenBy),
              count: offsets.length,
              explanation: `${ks.name}: value ${v} appears at ${plural(offsets.length, "offset")}, ${listOf(offsets)} (seen by ops ${listOf(seenBy)})${writer}.`,
            },
            offsets.length,
          );
        }
      }
    }
  },
};
