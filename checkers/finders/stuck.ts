// stuck-after-heal (liveness): every fault was healed, yet for at least LIVENESS_SECONDS after
// that, to the end of the history, no send or poll completed ok while the workload kept trying
// (its recovery phase and final reads: sends, polls, assigns, log-ends, whatever failed). A cluster that never serves again proves nothing about
// what it would have returned, and is itself the finding: Jepsen's Bufstream report plotted
// stuck consumers and producers; here they count. One case for the run, naming the heal, the
// last ok op and the first failed attempt after it.
//
// The heal is the later of the last fault window's end and the harness's "check-healed" op. A
// history that ends sooner than the bound after it, or whose windows never closed, is not judged.

import type { Finder } from "./common.ts";
import { LIVENESS_SECONDS } from "../modes.ts";

export { LIVENESS_SECONDS };

export const stuckFinder: Finder = {
  name: "stuck-after-heal",
  types: ["stuck-after-heal"],
  find({ analysis, cases }) {
    const heal = Math.max(analysis.stats.lastHeal(), analysis.checkHealed.time);
    if (heal < 0 || !Number.isFinite(heal)) return;
    const last = analysis.lastOkRw;
    if (last.time >= heal) return;
    const span = (analysis.lastClientTime - heal) / 1e9;
    if (analysis.notOkSinceOk === 0 || span < LIVENESS_SECONDS) return;
    const s = (ns: number) => (ns / 1e9).toFixed(1);
    const ops = [last.op, analysis.checkHealed.op, analysis.firstNotOkSinceOk].filter((o) => o >= 0).sort((a, b) => a - b);
    cases.add({
      type: "stuck-after-heal",
      ops: [...new Set(ops)],
      explanation: `every fault was healed by ${s(heal)} s, yet in the ${span.toFixed(1)} s from then to the last client op no send or poll completed ok (${analysis.notOkSinceOk} attempt${analysis.notOkSinceOk === 1 ? "" : "s"} failed or timed out since the last ok op, ${last.op >= 0 ? `op ${last.op} at ${s(last.time)} s` : "of which there was none"}): the cluster did not recover.`,
    });
  },
};
