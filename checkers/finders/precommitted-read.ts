// precommitted-read: a transaction polled a value it sent itself. Fine in most databases, not
// in Kafka, whose read-committed consumers must never see records before their commit.

import { PRECOMMIT_W } from "../analysis.ts";
import type { Finder } from "./common.ts";
import { atOffset } from "./common.ts";

export const precommittedReadFinder: Finder = {
  name: "precommitted-read",
  types: ["precommitted-read"],
  find({ analysis, cases }) {
    const t = analysis.precommitted;
    for (let r = 0; r < t.n * PRECOMMIT_W; r += PRECOMMIT_W) {
      if (!cases.wants("precommitted-read")) continue;
      const ks = analysis.keyStates[t.a[r]];
      const v = t.a[r + 1];
      const op = t.a[r + 2];
      const o = t.a[r + 3];
      const s = ks.slotOf(v);
      cases.keep({
        type: "precommitted-read",
        key: ks.name,
        values: [v],
        ...(o === o ? { offsets: [o] } : {}),
        ops: [op],
        explanation: `op ${op} (process ${ks.writerProc[s]}) sent ${v} to ${ks.name} and polled it back${atOffset(o)} within the same transaction, before that transaction committed.`,
      });
    }
  },
};
