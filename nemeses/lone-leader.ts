// A staged fault for unclean leader election (the 2013 Jepsen result on Kafka): cut a leader's
// followers off from it, so they fall out of its ISR while it keeps leading and acknowledging
// writes alone; then kill it. With unclean.leader.election.enable=true a stale follower is
// elected, and the writes only the lone leader had are gone once it comes back and truncates to
// the new leader's log. With unclean election off the partition stays offline until the leader
// returns, and nothing is lost.
//
// The cut is one-way and on the inter-broker port only: the leader drops the connections the
// other brokers open to it (their fetches, and in ZooKeeper mode the controller's requests), but
// its own connections go through. So it can still tell the controller (ZooKeeper-mode broker or
// KRaft quorum) that its ISR shrank, and still follows the partitions other brokers lead, which
// stay available. Clients reach it through Toxiproxy as before.
//
// One start runs every stage and waits for each to happen (ISR shrink, then a new leader), so
// a stop that comes early cannot undo the fault before it has done its work. Stop heals and
// restarts the leader.
import type { PartitionState } from "../core/cluster.ts";
import type { Leadership, NetworkControl, ProcessControl } from "./capabilities.ts";
import { formatKey, type Key } from "../core/history/op.ts";
import { PORTS } from "../products/kafka/topology.ts";
import { byTopic } from "../clients/keys.ts";
import { brokers, leaderOfRandomKey, waitFor } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const LONE_LEADER_TARGETS = ["leader"] as const;

export interface LoneLeaderTiming {
  /** Longest wait for the ISR to shrink to the leader alone (replica.lag.time.max.ms + slack). */
  shrinkTimeoutMs: number;
  /** How long the leader goes on acknowledging alone before it is killed. */
  aloneMs: number;
  /** Longest wait for another broker to be elected leader after the kill. */
  electTimeoutMs: number;
  pollMs: number;
}

export const DEFAULT_TIMING: LoneLeaderTiming = { shrinkTimeoutMs: 30_000, aloneMs: 5_000, electTimeoutMs: 30_000, pollMs: 500 };

/** Partition states of `keys` as `via` sees them; keys whose topic cannot be read are left out. */
async function statesVia(env: NemesisEnv<Leadership>, via: string, keys: Key[]): Promise<Map<Key, PartitionState>> {
  const out = new Map<Key, PartitionState>();
  for (const { topic, partitions } of byTopic(keys)) {
    const parts = await env.cluster.partitionsVia(via, topic).catch(() => [] as PartitionState[]);
    for (const p of parts) if (partitions.includes(p.partition)) out.set(formatKey(topic, p.partition), p);
  }
  return out;
}

/** The states as the first of `vias` that answers sees them. */
async function statesViaAny(env: NemesisEnv<Leadership>, vias: string[], keys: Key[]): Promise<Map<Key, PartitionState>> {
  for (const via of vias) {
    const states = await statesVia(env, via, keys);
    if (states.size) return states;
  }
  return new Map();
}

export function loneLeaderFamily(timing: LoneLeaderTiming = DEFAULT_TIMING): FaultFamily<NetworkControl & ProcessControl & Leadership> {
  let victim: string | undefined;
  let cut = false;
  return {
    name: "lone-leader",
    targets: LONE_LEADER_TARGETS,
    needs: ["network", "process", "leadership"],
    startF: "start-lone-leader",
    stopF: "stop-lone-leader",
    active: () => cut || victim !== undefined,
    async start(env, target, rng) {
      const { key, node: leader } = await leaderOfRandomKey(env, rng);
      const others = brokers(env).filter((b) => b !== leader);
      await env.cluster.partition({ [leader]: others.map((b) => `${b}:${PORTS.internal}`) }, "lone-leader");
      cut = true;
      const t0 = Date.now();
      const why = `${leader}, leader of ${key}`;

      // Stage 1: the leader's ISRs shrink to itself, as the other brokers' metadata says (the
      // leader's own metadata cache may be stale: in ZooKeeper mode the controller cannot reach it).
      const alone = await waitFor(
        async () => {
          const states = await statesViaAny(env, others, env.keys());
          const ks = [...states].filter(([, p]) => env.cluster.nodeOfBrokerId(p.leader) === leader && p.isr.length === 1).map(([k]) => k);
          return ks.length ? ks.sort() : undefined;
        },
        timing.shrinkTimeoutMs,
        timing.pollMs,
        env.stopping,
      );
      const shrankAfterS = (Date.now() - t0) / 1000;
      if (!alone) {
        const reason = env.stopping?.aborted ? "the main phase ended before any ISR shrank to it alone" : `no ISR shrank to it alone within ${timing.shrinkTimeoutMs / 1000} s`;
        return { target, what: `cut ${why} off from its followers; ${reason}`, nodes: [leader], alone: [] };
      }

      // Stage 2: it acknowledges alone for a while, then dies.
      await new Promise((r) => setTimeout(r, timing.aloneMs));
      await env.cluster.kill(leader, "lone-leader");
      victim = leader;

      // Stage 3: wait for someone else to lead those keys (unclean election), seen from the rest.
      const t1 = Date.now();
      const elected = await waitFor(
        async () => {
          const states = await statesViaAny(env, others, alone);
          const moved = Object.fromEntries(
            [...states].map(([k, p]) => [k, env.cluster.nodeOfBrokerId(p.leader)] as const).filter(([, n]) => n && n !== leader),
          );
          return Object.keys(moved).length ? (moved as Record<Key, string>) : undefined;
        },
        timing.electTimeoutMs,
        timing.pollMs,
        env.stopping,
      );
      const what =
        `cut ${why} off from its followers; ISR of ${alone.join(", ")} shrank to it alone after ${shrankAfterS.toFixed(1)} s; killed it ${timing.aloneMs / 1000} s later; ` +
        (elected ? `new leaders after ${((Date.now() - t1) / 1000).toFixed(1)} s: ${Object.entries(elected).map(([k, n]) => `${k}→${n}`).join(", ")}` : `no new leader within ${timing.electTimeoutMs / 1000} s`);
      return { target, what, nodes: [leader], alone, elected: elected ?? {} };
    },
    async stop(env) {
      const nodes = victim ? [victim] : [];
      if (cut) await env.cluster.heal("lone-leader");
      cut = false;
      if (victim) await env.cluster.start(victim, {}, "lone-leader");
      victim = undefined;
      return { what: nodes.length ? "healed and restarted the lone leader" : "healed", nodes };
    },
  };
}
