// Cluster membership, as operators change it: a broker is decommissioned (every replica it holds,
// of the test topics and of Kafka's internal ones, moves to the other live brokers through
// Kafka's ReassignPartitionsCommand; once it holds none, it is shut down cleanly and stays down),
// and later added back (started again, empty, and given one replica of each test partition, so
// the new member really serves). Both under load. The start records the plan, waits until the
// moves really happened (the controller lists none, the metadata shows the new replicas in sync)
// and then stops the broker; a drain that did not finish in time leaves the broker running, as an
// operator would, and says so. The stop adds it back.
//   one     a random live broker;
//   leader  the leader of a key in use.
// Needs more brokers than the replication factor (`--brokers 4`).
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import type { PartitionState } from "../core/cluster.ts";
import type { Leadership, PartitionMove, ProcessControl, ReassignmentControl } from "./capabilities.ts";
import { nameOf, seenThrough } from "./reassign.ts";
import { brokerIdOf, brokers, leaderOfRandomKey, topicStates, waitFor } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const MEMBERSHIP_TARGETS = ["one", "leader"] as const;
/** Kafka's internal topics move with the rest: a decommissioned broker must coordinate nothing. */
export const INTERNAL_TOPICS = ["__consumer_offsets", "__transaction_state"] as const;

type Cluster = ReassignmentControl & Leadership & ProcessControl;
const OWNER = "membership";

export interface MembershipTiming {
  /** How long a drain (or the move onto the added broker) may take. */
  waitMs: number;
}
export const DEFAULT_MEMBERSHIP_TIMING: MembershipTiming = { waitMs: 90_000 };

/**
 * Moves every replica on broker `out` to a live broker outside its partition's set, the least
 * loaded first (counting the moves planned so far), so the drain spreads. Undefined when some
 * partition has nowhere to go.
 */
export function planDrain(states: { topic: string; state: PartitionState }[], out: number, live: readonly number[]): PartitionMove[] | undefined {
  const load = new Map(live.filter((b) => b !== out).map((b) => [b, 0]));
  for (const { state } of states) for (const r of state.replicas) if (load.has(r)) load.set(r, load.get(r)! + 1);
  const moves: PartitionMove[] = [];
  for (const { topic, state } of states) {
    if (!state.replicas.includes(out)) continue;
    const to = [...load].filter(([b]) => !state.replicas.includes(b)).sort((a, b) => a[1] - b[1] || a[0] - b[0])[0]?.[0];
    if (to === undefined) return undefined;
    load.set(to, load.get(to)! + 1);
    moves.push({ topic, partition: state.partition, replicas: state.replicas.map((r) => (r === out ? to : r)) });
  }
  return moves;
}

/** One replica of each partition onto broker `into` (its last follower gives way): how a new member gets work. */
export function planFill(states: { topic: string; state: PartitionState }[], into: number): PartitionMove[] {
  return states
    .filter(({ state }) => !state.replicas.includes(into) && state.replicas.length)
    .map(({ topic, state }) => {
      const out = state.replicas.filter((r) => r !== state.leader).at(-1) ?? state.replicas.at(-1)!;
      return { topic, partition: state.partition, replicas: state.replicas.map((r) => (r === out ? into : r)) };
    });
}

async function statesOf(env: NemesisEnv<Cluster>, topics: readonly string[]): Promise<{ topic: string; state: PartitionState }[]> {
  const out: { topic: string; state: PartitionState }[] = [];
  for (const topic of topics) for (const state of await topicStates(env, topic)) out.push({ topic, state });
  return out;
}

export function membershipFamily(timing: MembershipTiming = DEFAULT_MEMBERSHIP_TIMING): FaultFamily<Cluster> {
  /** The broker decommissioned and not yet added back. */
  let removed: string | undefined;
  return {
    name: "membership",
    targets: MEMBERSHIP_TARGETS,
    needs: ["reassign", "leadership", "process"],
    startF: "start-membership",
    stopF: "stop-membership",
    active: () => removed !== undefined,
    async start(env, target, rng) {
      if (removed) throw new KcError("KC_NEMESIS_NO_TARGET", `${removed} is decommissioned already; one at a time`);
      const live = await env.cluster.liveBrokerIds();
      const liveNames = brokers(env).filter((b) => live.includes(brokerIdOf(env, b)));
      const node = target === "leader" ? (await leaderOfRandomKey(env, rng)).node : rng.pick(liveNames);
      if (!liveNames.includes(node)) throw new KcError("KC_NEMESIS_NO_TARGET", `${node} is not a live broker now (another fault holds it)`);
      const id = brokerIdOf(env, node);
      const topics = [...new Set(env.keys().map((k) => parseKey(k).topic)), ...INTERNAL_TOPICS];
      const states = await statesOf(env, topics);
      const moves = planDrain(states, id, live);
      if (!moves) {
        throw new KcError("KC_NEMESIS_NO_TARGET", `decommissioning ${node}: some partition has no live broker outside its replicas to move to (live ${live.join(",")})`, {
          hint: "give the cluster more brokers than the replication factor, e.g. --brokers 4",
        });
      }
      const t0 = Date.now();
      const started = moves.length ? await env.cluster.reassign(moves) : { done: [] };
      const drainMs = moves.length ? (await seenThrough(env, moves, timing.waitMs))?.ms : 0;
      const intent = { target, node, nodes: [node], brokerId: id, moved: moves.length, partitions: moves.map(nameOf), started: started.done };
      if (drainMs === undefined) {
        // Not drained: an operator would not stop a broker that still holds replicas.
        const verified = await env.cluster.verifyReassignment(moves).catch(() => undefined);
        return { ...intent, what: `decommission of ${node}: its ${moves.length} replica(s) not all moved within ${timing.waitMs / 1000} s; left running`, drained: false, stillMoving: verified?.inProgress };
      }
      await env.cluster.verifyReassignment(moves).catch(() => undefined);
      removed = node;
      const stop = env.cluster.shutdown ? await env.cluster.shutdown(node, OWNER) : (await env.cluster.kill(node, OWNER), { clean: false, stopMs: 0 });
      return {
        ...intent,
        what: `decommissioned ${node}: ${moves.length} replica(s) moved to the other brokers in ${(drainMs / 1000).toFixed(1)} s, then shut down${stop.clean ? " cleanly" : " (killed: no clean exit in time)"}`,
        drained: true,
        drainMs,
        clean: stop.clean,
        stopMs: stop.stopMs,
        ms: Date.now() - t0,
      };
    },
    async stop(env) {
      const node = removed;
      if (!node) return { what: "no broker decommissioned" };
      await env.cluster.start(node, {}, OWNER);
      removed = undefined;
      // The new member gets one replica of each test partition.
      const id = brokerIdOf(env, node);
      await waitFor(async () => ((await env.cluster.liveBrokerIds()).includes(id) ? true : undefined), 30_000, 500);
      const topics = [...new Set(env.keys().map((k) => parseKey(k).topic))];
      const moves = planFill(await statesOf(env, topics), id);
      const filled = moves.length ? await env.cluster.reassign(moves).then(async () => (await seenThrough(env, moves, timing.waitMs))?.ms) : 0;
      // A move not seen through is cancelled: no reassignment outlives the stop.
      const verified = moves.length ? await env.cluster.verifyReassignment(moves).catch(() => undefined) : undefined;
      const still = moves.filter((m) => verified?.inProgress.includes(nameOf(m)));
      if (still.length) await env.cluster.cancelReassignment(still);
      return {
        what: `added ${node} back: started empty, ${moves.length} replica(s) moved onto it${filled === undefined ? `, not all in sync within ${timing.waitMs / 1000} s` : ` in ${(filled / 1000).toFixed(1)} s`}`,
        node,
        nodes: [node],
        moved: moves.length,
        partitions: moves.map(nameOf),
        filled: filled !== undefined,
        ...(still.length ? { cancelled: still.map(nameOf) } : {}),
        ...(filled !== undefined ? { fillMs: filled } : {}),
      };
    },
  };
}
