// A preferred-leader election, as an operator (or the controller's auto-rebalance) runs one:
// every partition's leadership goes back to its first replica, under load. After kills or
// partitions moved leaders away, it moves them back. Nothing to heal; the start waits until the
// keys in use are led by their preferred replica again, or says which are not.
//   all   every partition of the cluster;
//   key   the partition of one key in use.
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import type { ElectionControl, Leadership } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

export const ELECT_TARGETS = ["all", "key"] as const;
const SETTLE_MS = 15_000;

export function electFamily(): FaultFamily<ElectionControl & Leadership> {
  return {
    name: "elect",
    targets: ELECT_TARGETS,
    needs: ["elections", "leadership"],
    startF: "start-elect",
    stopF: "stop-elect",
    active: () => false,
    async start(env, target, rng) {
      const keys = target === "key" ? (env.keys().length ? [rng.pick(env.keys())] : []) : env.keys();
      if (target === "key" && !keys.length) throw new KcError("KC_NEMESIS_NO_TARGET", "no key in use yet to elect the preferred leader of");
      const leaders = async () => Object.fromEntries(await Promise.all(keys.map(async (k) => [k, (await env.cluster.leader(k).catch(() => undefined)) ?? null] as const)));
      const before = await leaders();
      const t0 = Date.now();
      const result = await env.cluster.electPreferred(target === "key" ? keys.map(parseKey) : undefined);
      const electionMs = Date.now() - t0;
      // Wait until each key's leader is its preferred (first) replica, as the brokers see it.
      const preferred: Record<string, string | null> = {};
      const deadline = Date.now() + SETTLE_MS;
      let pending = [...keys];
      while (pending.length && Date.now() < deadline) {
        const still: string[] = [];
        for (const k of pending) {
          const { topic, partition } = parseKey(k);
          const via = (await env.cluster.leader(k).catch(() => undefined)) ?? "";
          const st = via ? (await env.cluster.partitionsVia(via, topic).catch(() => [])).find((p) => p.partition === partition) : undefined;
          preferred[k] = st ? (env.cluster.nodeOfBrokerId(st.replicas[0]) ?? null) : null;
          if (!st || st.leader !== st.replicas[0]) still.push(k);
        }
        pending = still;
        if (pending.length) await new Promise((r) => setTimeout(r, 500));
      }
      const after = await leaders();
      const moved = keys.filter((k) => before[k] !== after[k]);
      return {
        target,
        what: `preferred-leader election (${target === "all" ? "every partition" : keys[0]}): ${result.elected.length} elected, ${result.alreadyPreferred.length} already preferred, ${result.failed.length} failed; ${moved.length} of the keys in use moved${pending.length ? `; not led by their preferred replica after ${SETTLE_MS / 1000} s: ${pending.join(", ")}` : ""}`,
        nodes: [...new Set(moved.flatMap((k) => [before[k], after[k]]).filter((n): n is string => !!n))].sort(),
        election: result,
        electionMs,
        leadersBefore: before,
        leadersAfter: after,
        preferred,
        notPreferred: pending,
      };
    },
    async stop() {
      return { what: "nothing to heal (an election is not undone)" };
    },
  };
}
