// nonmonotonic-send: a process's later send op to a key must land after its earlier one (first
// value of the later op vs last value of the earlier). Positions come from the acknowledged
// offset, else from where polls saw the value. Only committed ops count (ok, or info proven by
// a read). As in Jepsen, an assign/subscribe that drops the key resets the comparison.

import { SEND_W } from "../analysis.ts";
import { plural } from "../cases.ts";
import type { Finder } from "./common.ts";
import { sortedOps } from "./common.ts";

export const sendOrderFinder: Finder = {
  name: "send-order",
  types: ["nonmonotonic-send"],
  find({ analysis, cases }) {
    const t = analysis.sendOrder;
    const a = t.a;
    const committed = analysis.nodeCommitted;
    for (let r = 0; r < t.n * SEND_W; r += SEND_W) {
      const n1 = a[r + 8];
      const n2 = a[r + 9];
      if (n1 < 0 || n2 < 0 || committed[n1] !== 1 || committed[n2] !== 1) continue;
      const ks = analysis.keyStates[a[r]];
      const v1 = a[r + 2];
      const v2 = a[r + 4];
      const p1 = ks.positionOf(v1, a[r + 1]);
      const p2 = ks.positionOf(v2, a[r + 3]);
      if (p1 !== p1 || p2 !== p2 || p2 > p1) continue;
      const delta = ks.rank(p2) - ks.rank(p1);
      if (!cases.wants("nonmonotonic-send", -delta)) continue;
      const op1 = a[r + 5];
      const op2 = a[r + 6];
      cases.keep(
        {
          type: "nonmonotonic-send",
          key: ks.name,
          offsets: [p1, p2],
          values: [v1, v2],
          ops: sortedOps(op1, op2),
          delta,
          explanation: `process ${a[r + 7]} sent ${v1} to ${ks.name} (op ${op1}, offset ${p1}) and later sent ${v2} (op ${op2}), which landed ${delta === 0 ? "at the same offset" : `${plural(-delta, "value")} earlier, at offset ${p2}`}.`,
        },
        -delta,
      );
    }
  },
};
