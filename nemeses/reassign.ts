// Partition reassignment under load, as an operator runs it (Kafka's ReassignPartitionsCommand):
// one replica of a key in use moves to a broker that holds none, while the workload writes to it.
// The start records the intent (replicas before and after), then waits until the move really
// happened (the controller lists no move in progress, and the metadata shows the new replicas,
// all in sync) or times out. The stop finishes what is left: a move still in progress is
// verified once more and cancelled if it still runs, so no move and no throttle outlive the run.
//   replica    a random replica moves;
//   leader     the leader's replica moves (leadership must move with it);
//   throttled  a random replica moves under a replication throttle (the tool's --throttle);
//   cancel     a move at a crawl (a 1 B/s throttle) is cancelled half-way; its replicas go back.
// Needs a broker outside the partition's replica set: more brokers than the replication factor.
import { KcError } from "../core/errors.ts";
import { formatKey, parseKey, type Key } from "../core/history/op.ts";
import type { Rng } from "../core/rng.ts";
import type { Leadership, PartitionMove, ReassignmentControl } from "./capabilities.ts";
import type { PartitionState } from "../core/cluster.ts";
import { brokers, topicStates, waitFor } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const REASSIGN_TARGETS = ["replica", "leader", "throttled", "cancel"] as const;
export type ReassignTarget = (typeof REASSIGN_TARGETS)[number];

export interface ReassignTiming {
  /** How long a start waits for its move (or its cancellation) to take effect. */
  waitMs: number;
  /** `throttled`: bytes/s for the move's replication (above the workload's rate per partition, so it completes). */
  throttleBytes: number;
  /** `cancel`: the crawl's throttle, and how long the move runs before it is cancelled. */
  crawlBytes: number;
  cancelAfterMs: number;
}

export const DEFAULT_REASSIGN_TIMING: ReassignTiming = { waitMs: 30_000, throttleBytes: 50_000, crawlBytes: 1, cancelAfterMs: 3_000 };

/**
 * The target replica list: one replica (the leader's, for `leader`) swapped in place for a
 * broker outside the set. Undefined when every broker already holds a replica.
 */
export function planMove(current: PartitionState, brokerIds: readonly number[], target: ReassignTarget, rng: Rng): { replicas: number[]; out: number; in: number } | undefined {
  const outside = brokerIds.filter((b) => !current.replicas.includes(b));
  if (!outside.length || !current.replicas.length) return undefined;
  const out = target === "leader" && current.replicas.includes(current.leader) ? current.leader : rng.pick(current.replicas);
  const incoming = rng.pick(outside);
  return { replicas: current.replicas.map((r) => (r === out ? incoming : r)), out, in: incoming };
}

export const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x) => b.includes(x));
export const nameOf = (m: { topic: string; partition: number }) => `${m.topic}-${m.partition}`;

type Cluster = ReassignmentControl & Leadership;

/** The partition's state as the brokers see it now (asked through its leader, or any broker that answers). */
async function stateOf(env: NemesisEnv<Cluster>, key: Key): Promise<PartitionState | undefined> {
  const { topic, partition } = parseKey(key);
  const leader = await env.cluster.leader(key).catch(() => undefined);
  const order = [...(leader ? [leader] : []), ...brokers(env).filter((b) => b !== leader)];
  return (await topicStates(env, topic, order)).find((p) => p.partition === partition);
}

/**
 * Waits until no move of `moves` is in progress (the controller lists none of them) and the
 * metadata shows each one's new replicas, all in sync, as the leader of its first partition in
 * each topic sees it. Their states then and how long it took; undefined at the deadline, or when
 * the main phase ends.
 */
export async function seenThrough(
  env: NemesisEnv<Cluster>,
  moves: readonly PartitionMove[],
  waitMs: number,
): Promise<{ ms: number; states: Map<string, PartitionState> } | undefined> {
  const t0 = Date.now();
  const names = new Set(moves.map(nameOf));
  const topics = [...new Set(moves.map((m) => m.topic))];
  const states = await waitFor(async () => {
    if ((await env.cluster.reassignments()).some((r) => names.has(r.partition))) return undefined;
    const seen = new Map<string, PartitionState>();
    for (const topic of topics) {
      const first = moves.find((m) => m.topic === topic)!;
      const leader = await env.cluster.leader(formatKey(topic, first.partition)).catch(() => undefined);
      const order = [...(leader ? [leader] : []), ...brokers(env).filter((b) => b !== leader)];
      for (const st of await topicStates(env, topic, order)) seen.set(nameOf({ topic, partition: st.partition }), st);
    }
    const done = moves.every((m) => {
      const st = seen.get(nameOf(m));
      return st !== undefined && sameSet(st.replicas, m.replicas) && sameSet(st.isr, m.replicas);
    });
    return done ? seen : undefined;
  }, waitMs, 500, env.stopping);
  return states ? { ms: Date.now() - t0, states } : undefined;
}

export function reassignFamily(timing: ReassignTiming = DEFAULT_REASSIGN_TIMING): FaultFamily<Cluster> {
  // Moves started and not yet seen through (complete with throttles cleared, or cancelled).
  let pending: PartitionMove[] = [];
  const node = (env: NemesisEnv<Cluster>, id: number) => env.cluster.nodeOfBrokerId(id) ?? `broker ${id}`;

  return {
    name: "reassign",
    targets: REASSIGN_TARGETS,
    needs: ["reassign", "leadership"],
    startF: "start-reassign",
    stopF: "stop-reassign",
    active: () => pending.length > 0,
    async start(env, target, rng) {
      const t = target as ReassignTarget;
      if (!env.keys().length) throw new KcError("KC_NEMESIS_NO_TARGET", "no key in use yet to reassign the partition of");
      const key = rng.pick(env.keys());
      const { topic, partition } = parseKey(key);
      const before = await stateOf(env, key);
      if (!before) throw new KcError("KC_NEMESIS_NO_TARGET", `no broker answered for the state of ${key}`);
      // Only to a broker that is up: the controller refuses one it does not know ("Unknown broker id").
      const brokerIds = await env.cluster.liveBrokerIds();
      const plan = planMove(before, brokerIds, t, rng);
      if (!plan) {
        throw new KcError("KC_NEMESIS_NO_TARGET", `every live broker (${brokerIds.join(",")}) already holds a replica of ${key} (replicas ${before.replicas.join(",")}): there is nowhere to move one now`, {
          hint: "give the cluster more brokers than the replication factor, e.g. --brokers 4",
        });
      }
      const move: PartitionMove = { topic, partition, replicas: plan.replicas };
      const throttle = t === "throttled" ? timing.throttleBytes : t === "cancel" ? timing.crawlBytes : undefined;
      const intent = {
        target,
        key,
        partition: nameOf(move),
        from: before.replicas,
        to: plan.replicas,
        leaderBefore: before.leader,
        ...(throttle !== undefined ? { throttleBytes: throttle } : {}),
        nodes: [node(env, plan.out), node(env, plan.in)],
      };
      const t0 = Date.now();
      // Pending before the tool answers: an --execute that failed may still have started it.
      pending.push(move);
      const started = await env.cluster.reassign([move], throttle);
      const moving = async () => (await env.cluster.reassignments()).some((r) => r.partition === nameOf(move));

      if (t === "cancel") {
        await waitFor(async () => undefined, timing.cancelAfterMs, 250, env.stopping);
        const inProgressAtCancel = await moving().catch(() => undefined);
        const cancelled = await env.cluster.cancelReassignment([move]);
        // Its replicas go back to the ones before the move.
        const after = await waitFor(async () => {
          const st = await stateOf(env, key);
          return st && sameSet(st.replicas, before.replicas) && !(await moving()) ? st : undefined;
        }, timing.waitMs, 500, env.stopping);
        if (after) pending = pending.filter((m) => m !== move);
        return {
          ...intent,
          what: `reassignment of ${nameOf(move)} from ${before.replicas.join(",")} to ${plan.replicas.join(",")} at ${throttle} B/s, cancelled after ${timing.cancelAfterMs / 1000} s${inProgressAtCancel === false ? " (it had already finished)" : ""}: ${after ? `back on ${after.replicas.join(",")}` : `not back on ${before.replicas.join(",")} within ${timing.waitMs / 1000} s`}${after && after.replicas.join(",") !== before.replicas.join(",") ? " (the same brokers in another order: another preferred leader)" : ""}`,
          started: started.done,
          inProgressAtCancel,
          cancelled: cancelled.done,
          throttlesCleared: cancelled.throttlesCleared,
          restored: !!after,
          // Kafka drops the adding replicas from the merged list on a cancel, so the set comes
          // back but its order (the preferred leader) can differ from before the move.
          orderRestored: after ? after.replicas.join(",") === before.replicas.join(",") : undefined,
          replicasAfter: after?.replicas,
          leaderAfter: after?.leader,
          ms: Date.now() - t0,
        };
      }

      const seen = await seenThrough(env, [move], timing.waitMs);
      const after = seen?.states.get(nameOf(move));
      const ms = Date.now() - t0;
      // --verify clears the throttles once the move is complete.
      const verified = after ? await env.cluster.verifyReassignment([move]).catch(() => undefined) : undefined;
      if (after && (throttle === undefined || verified?.throttlesCleared)) pending = pending.filter((m) => m !== move);
      return {
        ...intent,
        what: `reassignment of ${nameOf(move)}: ${node(env, plan.out)}'s replica to ${node(env, plan.in)} (${before.replicas.join(",")} → ${plan.replicas.join(",")})${throttle !== undefined ? ` at ${throttle} B/s` : ""}: ${after ? `done in ${(ms / 1000).toFixed(1)} s, led by ${node(env, after.leader)}` : `not done within ${timing.waitMs / 1000} s (the stop sees it through)`}`,
        started: started.done,
        completed: !!after,
        ms,
        replicasAfter: after?.replicas,
        leaderAfter: after?.leader,
        ...(verified ? { verified: verified.done, throttlesCleared: verified.throttlesCleared } : {}),
      };
    },
    async stop(env) {
      if (!pending.length) return { what: "no reassignment left to see through" };
      const finished: string[] = [];
      const cancelled: string[] = [];
      const moves = pending;
      // --verify: complete moves clear their throttles; what still moves is cancelled.
      const verified = await env.cluster.verifyReassignment(moves);
      finished.push(...verified.done);
      const still = moves.filter((m) => verified.inProgress.includes(nameOf(m)));
      if (still.length) cancelled.push(...(await env.cluster.cancelReassignment(still)).done);
      pending = [];
      const moving = still.map(nameOf);
      const failed = verified.failed.map((f) => `${f.partition}: ${f.error}`);
      return {
        what:
          `reassignments seen through: ${finished.length ? `${finished.join(", ")} complete` : "none complete"}` +
          (moving.length ? `; ${moving.join(", ")} still moving: ${cancelled.length ? `${cancelled.join(", ")} cancelled` : "finished before the cancel"}` : "") +
          (failed.length ? `; ${failed.join("; ")}` : ""),
        finished,
        stillMoving: moving,
        cancelled,
        failed: verified.failed,
      };
    },
  };
}
