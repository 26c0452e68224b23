// double-consume: a value read by two committed transactions of the shared consumer group.
// Under subscribe with transactions, a poll's position is committed with the transaction
// (sendOffsets), so a value is consumed by the group exactly once across rebalances: the next
// owner of its partition starts from the committed offset. A second committed transaction that
// reads it (another process, after a rebalance, or the same one after a restart) broke that.
// Plain polls commit afterwards, at least once: they are counted in stats.consumption, not here.
// One case per second consumption, with both transactions.

import { CONSUME_W } from "../analysis.ts";
import type { Finder } from "./common.ts";
import { atOffset, opRef, sortedOps } from "./common.ts";

export const doubleConsumeFinder: Finder = {
  name: "double-consume",
  types: ["double-consume"],
  find({ analysis, cases }) {
    const t = analysis.doubleConsumed;
    for (let i = 0; i < t.n; i++) {
      const r = i * CONSUME_W;
      const a = t.a;
      const [k, v, o, op1, p1, op2, p2] = [a[r], a[r + 1], a[r + 2], a[r + 3], a[r + 4], a[r + 5], a[r + 6]];
      if (!cases.wants("double-consume")) continue;
      const key = analysis.keys.names[k];
      cases.keep({
        type: "double-consume",
        key,
        values: [v],
        offsets: o === o ? [o] : [],
        ops: sortedOps(op1, op2),
        explanation: `${key}: value ${v}${atOffset(o)} was consumed by two committed transactions of the consumer group, ${opRef(op1, p1)} and ${opRef(op2, p2)}: each transaction committed its read position with it, so the second should have started past it.`,
      });
    }
  },
};
