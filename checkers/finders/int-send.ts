// int-send-skip and int-nonmonotonic-send: inside one committed op, consecutive sends to a key
// should be neighbours in the log (a skip means other producers' values landed between them:
// expected with concurrent transactions) and must keep their order (a reversal is a bug).

import { INT_SEND_W } from "../analysis.ts";
import { listOf, plural } from "../cases.ts";
import type { Finder } from "./common.ts";
import { valuesBetween } from "./common.ts";

export const intSendFinder: Finder = {
  name: "int-send",
  types: ["int-send-skip", "int-nonmonotonic-send"],
  find({ analysis, cases }) {
    const t = analysis.intSend;
    const a = t.a;
    const committed = analysis.nodeCommitted;
    for (let r = 0; r < t.n * INT_SEND_W; r += INT_SEND_W) {
      const node = a[r + 6];
      if (node < 0 || committed[node] !== 1) continue;
      const ks = analysis.keyStates[a[r]];
      const v1 = a[r + 2];
      const v2 = a[r + 4];
      const p1 = ks.positionOf(v1, a[r + 1]);
      const p2 = ks.positionOf(v2, a[r + 3]);
      if (p1 !== p1 || p2 !== p2) continue;
      const i1 = ks.rank(p1);
      const i2 = ks.rank(p2);
      const delta = i2 - i1;
      const op = a[r + 5];
      if (delta === 1) continue;
      if (delta > 1) {
        if (!cases.wants("int-send-skip", delta)) continue;
        const skipped = valuesBetween(ks, i1, i2);
        cases.keep(
          {
            type: "int-send-skip",
            key: ks.name,
            offsets: [p1, p2],
            values: [v1, v2],
            ops: [op],
            delta,
            skipped,
            explanation: `op ${op} sent ${v1} and then ${v2} to ${ks.name}; they landed at offsets ${p1} and ${p2} with ${plural(delta - 1, "other value")} between them: ${listOf(skipped)}.`,
          },
          delta,
        );
      } else {
        if (!cases.wants("int-nonmonotonic-send", -delta)) continue;
        cases.keep(
          {
            type: "int-nonmonotonic-send",
            key: ks.name,
            offsets: [p1, p2],
            values: [v1, v2],
            ops: [op],
            delta,
            explanation: `op ${op} sent ${v1} and then ${v2} to ${ks.name}, but ${v2} landed ${delta === 0 ? "at the same offset as" : "before"} ${v1} (offsets ${p2} and ${p1}).`,
          },
          -delta,
        );
      }
    }
  },
};
