// int-poll-skip and int-nonmonotonic-poll: inside one op, consecutive records of a key (across
// all its polls) must be neighbours in the log. Keys named in the op's rebalance-log are excused.

import { INT_POLL_W } from "../analysis.ts";
import { listOf, plural } from "../cases.ts";
import type { Finder } from "./common.ts";
import { pollDistance, valuesBetween } from "./common.ts";

export const intPollFinder: Finder = {
  name: "int-poll",
  types: ["int-poll-skip", "int-nonmonotonic-poll"],
  find({ analysis, cases, mode }) {
    const t = analysis.intPoll;
    const a = t.a;
    for (let r = 0; r < t.n * INT_POLL_W; r += INT_POLL_W) {
      const ks = analysis.keyStates[a[r]];
      const o1 = a[r + 1];
      const v1 = a[r + 2];
      const o2 = a[r + 3];
      const v2 = a[r + 4];
      const op = a[r + 5];
      const n = a[r + 6];
      const also = n > 1 ? ` (${plural(n - 1, "later op")} did the same)` : "";
      const i1 = ks.rank(o1);
      const i2 = ks.rank(o2);
      const delta = pollDistance(ks, i1, i2, mode);
      if (delta === 1) continue;
      if (delta > 1) {
        if (!cases.wants("int-poll-skip", delta, n)) continue;
        const skipped = valuesBetween(ks, i1, i2, 32, mode.transactional);
        cases.keep(
          {
            type: "int-poll-skip",
            key: ks.name,
            offsets: [o1, o2],
            values: [v1, v2],
            ops: [op],
            delta,
            skipped,
            ...(n > 1 ? { occurrences: n } : {}),
            explanation: `op ${op} read ${ks.name} offset ${o1} (value ${v1}) and then offset ${o2} (value ${v2}), skipping ${plural(delta - 1, "value")} known to be between them: ${listOf(skipped)}${also}.`,
          },
          delta,
        );
      } else {
        if (!cases.wants("int-nonmonotonic-poll", -delta)) continue;
        cases.keep(
          {
            type: "int-nonmonotonic-poll",
            key: ks.name,
            offsets: [o1, o2],
            values: [v1, v2],
            ops: [op],
            delta,
            explanation: `op ${op} read ${ks.name} offset ${o1} (value ${v1}) and then offset ${o2} (value ${v2}): within one op the log ${delta === 0 ? "repeated" : "went backwards"}.`,
          },
          -delta,
        );
      }
    }
  },
};
