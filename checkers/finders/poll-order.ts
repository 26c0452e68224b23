// poll-skip and nonmonotonic-poll: successive polls of one consumer process, with no
// assign/subscribe of the key in between (and no rebalance of it during the op), must continue
// exactly where the previous ok poll stopped. Distances are dense (gaps left by transaction
// markers don't count): a skip jumps over values known to be in the log; nonmonotonic starts
// at or before where the previous poll ended. Polls of any outcome are compared, but only ok
// polls move the consumer on (an aborted transaction must rewind).

import { POLL_W } from "../analysis.ts";
import { listOf, plural } from "../cases.ts";
import type { Finder } from "./common.ts";
import { pollDistance, sortedOps, valuesBetween } from "./common.ts";

export const pollOrderFinder: Finder = {
  name: "poll-order",
  types: ["poll-skip", "nonmonotonic-poll"],
  find({ analysis, cases, mode }) {
    const t = analysis.pollOrder;
    const a = t.a;
    for (let r = 0; r < t.n * POLL_W; r += POLL_W) {
      const ks = analysis.keyStates[a[r]];
      const o1 = a[r + 1];
      const v1 = a[r + 2];
      const o2 = a[r + 3];
      const v2 = a[r + 4];
      const op1 = a[r + 5];
      const op2 = a[r + 6];
      const proc = a[r + 7];
      const n = a[r + 8];
      const also = n > 1 ? ` (${plural(n - 1, "later poll")} jumped the same way)` : "";
      const i1 = ks.rank(o1);
      const i2 = ks.rank(o2);
      const delta = pollDistance(ks, i1, i2, mode);
      if (delta === 1) continue;
      const before = `process ${proc} polled ${ks.name} up to offset ${o1} (value ${v1}, op ${op1})`;
      if (delta > 1) {
        if (!cases.wants("poll-skip", delta, n)) continue;
        const skipped = valuesBetween(ks, i1, i2, 32, mode.transactional);
        cases.keep(
          {
            type: "poll-skip",
            key: ks.name,
            offsets: [o1, o2],
            values: [v1, v2],
            ops: sortedOps(op1, op2),
            delta,
            skipped,
            ...(n > 1 ? { occurrences: n } : {}),
            explanation: `${before}, then its next poll (op ${op2}) resumed at offset ${o2} (value ${v2}), skipping ${plural(delta - 1, "value")} known to be there: ${listOf(skipped)}${also}.`,
          },
          delta,
        );
      } else {
        if (!cases.wants("nonmonotonic-poll", -delta)) continue;
        const where = delta === 0 ? "read again" : `went back ${plural(-delta, "value")}`;
        cases.keep(
          {
            type: "nonmonotonic-poll",
            key: ks.name,
            offsets: [o1, o2],
            values: [v1, v2],
            ops: sortedOps(op1, op2),
            delta,
            explanation: `${before}, then its next poll (op ${op2}) started at offset ${o2} (value ${v2}): it ${where} instead of continuing after offset ${o1}.`,
          },
          -delta,
        );
      }
    }
  },
};
