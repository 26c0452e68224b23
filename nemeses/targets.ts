// Which nodes a target spec names, resolved against the live cluster with the nemesis's rng.
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import type { Rng } from "../core/rng.ts";
import type { Leadership } from "./capabilities.ts";
import type { PartitionState } from "../core/cluster.ts";
import type { NemesisEnv } from "./types.ts";

export const brokers = (env: NemesisEnv<unknown>) => env.cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.name);
/** Where the metadata lives: ZooKeeper nodes, KRaft controllers (dedicated or combined), or the brokers' shared storage. */
export const quorum = (env: NemesisEnv<unknown>) =>
  env.cluster.nodes.filter((n) => n.roles.includes("zookeeper") || n.roles.includes("controller") || n.roles.includes("storage")).map((n) => n.name);

/** What `quorum` names, for a fault's description. */
export const quorumName = (env: NemesisEnv<unknown>): string =>
  env.mode === "zookeeper" ? "ZooKeeper" : env.mode === "kraft" ? "the KRaft controllers" : "the brokers' shared storage";
/** The broker id of node `node` (a name from the cluster's nodes). */
export function brokerIdOf(env: NemesisEnv<unknown>, node: string): number {
  const id = env.cluster.nodes.find((n) => n.name === node)?.id;
  if (id === undefined) throw new KcError("KC_NEMESIS_NO_TARGET", `no node named ${JSON.stringify(node)} in this cluster`, { hint: `its nodes are ${allNodes(env).join(", ")}` });
  return id;
}
export const allNodes = (env: NemesisEnv<unknown>) => env.cluster.nodes.map((n) => n.name);

export const minority = (n: number) => Math.max(1, Math.floor((n - 1) / 2));
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** Targets found through FindCoordinator: the coordinators of what the workload uses. */
export const COORDINATOR_TARGETS = ["group-coordinator", "txn-coordinator", "txn-leader-not-coordinator"] as const;

/** Node-set targets shared by kill and pause. */
export const NODE_TARGETS = ["one", "minority", "majority", "all", "leader", "controller", "quorum", ...COORDINATOR_TARGETS] as const;

/**
 * A coordinator-aware target: the group coordinator of a consumer group in use, the transaction
 * coordinator of a transactional id in use, or the leader of a partition the transactions write
 * to that is not that transaction's coordinator. The op's `what` names the id and the broker.
 */
export async function coordinatorTarget(env: NemesisEnv<Leadership>, target: string, rng: Rng): Promise<{ node: string; why: string }> {
  const used = env.coordinated?.() ?? { groups: [], transactionalIds: [] };
  const none = (what: string) => new KcError("KC_NEMESIS_NO_TARGET", `no ${what} in use to find the coordinator of`, { hint: target === "group-coordinator" ? "the workload's consumers have not started yet" : "use --workload txn: only transactions have a transaction coordinator" });
  if (target === "group-coordinator") {
    if (!used.groups.length) throw none("consumer group");
    const group = rng.pick(used.groups);
    const node = await env.cluster.groupCoordinator(group);
    if (!node) throw new KcError("KC_NEMESIS_NO_TARGET", `group ${group} has no coordinator now`);
    return { node, why: `the group coordinator of ${group}` };
  }
  if (!used.transactionalIds.length) throw none("transactional id");
  const id = rng.pick(used.transactionalIds);
  const coordinator = await env.cluster.transactionCoordinator(id);
  if (!coordinator) throw new KcError("KC_NEMESIS_NO_TARGET", `transactional id ${id} has no coordinator now`);
  if (target === "txn-coordinator") return { node: coordinator, why: `the transaction coordinator of ${id}` };
  for (const key of rng.shuffle(env.keys())) {
    const leader = await env.cluster.leader(key);
    if (leader && leader !== coordinator) return { node: leader, why: `the leader of ${key}, which transactions write to, not the coordinator (${coordinator}) of ${id}` };
  }
  throw new KcError("KC_NEMESIS_NO_TARGET", `every partition in use is led by ${coordinator}, the transaction coordinator of ${id}`);
}

const LEADER_WAIT_MS = 5_000;

export async function leaderOfRandomKey(env: NemesisEnv<Leadership>, rng: Rng): Promise<{ key: string; node: string }> {
  const keys = env.keys();
  if (!keys.length) throw new KcError("KC_NEMESIS_NO_TARGET", "no keys in use yet to find a leader of");
  const key = rng.pick(keys);
  // Asked again for a few seconds: the broker asked may be the one another family holds down
  // ("Closed connection"), or the partition between leaders.
  let last: unknown;
  const node = await waitFor(() => env.cluster.leader(key).catch((e: unknown) => void (last = e)), LEADER_WAIT_MS, 500, env.stopping);
  if (!node) throw new KcError("KC_NEMESIS_NO_TARGET", `${key} has no leader now (asked for ${LEADER_WAIT_MS / 1000} s${last instanceof Error ? `; last answer: ${last.message}` : ""})`);
  return { key, node };
}

export async function resolveNodes(env: NemesisEnv<Leadership>, target: string, rng: Rng): Promise<{ nodes: string[]; why: string }> {
  const bs = brokers(env);
  switch (target) {
    case "one":
      return { nodes: [rng.pick(bs)], why: "a random broker" };
    case "minority":
      return { nodes: rng.shuffle(bs).slice(0, minority(bs.length)), why: "a minority of brokers" };
    case "majority":
      return { nodes: rng.shuffle(bs).slice(0, majority(bs.length)), why: "a majority of brokers" };
    case "all":
      return { nodes: bs, why: "every broker" };
    case "leader": {
      const { key, node } = await leaderOfRandomKey(env, rng);
      return { nodes: [node], why: `the leader of ${key}` };
    }
    case "controller": {
      const c = await env.cluster.controller();
      if (!c) throw new KcError("KC_NEMESIS_NO_TARGET", "no active controller found");
      return { nodes: [c], why: "the active controller" };
    }
    case "quorum": {
      const q = quorum(env);
      if (!q.length) throw new KcError("KC_NEMESIS_NO_TARGET", "this cluster has no quorum or storage nodes", { hint: "its brokers keep their own data: target brokers (one, minority, majority, all)" });
      return { nodes: rng.shuffle(q).slice(0, minority(q.length)), why: `a minority of ${quorumName(env)}${q.length === 1 ? ` (${q[0]})` : ""}` };
    }
    case "group-coordinator":
    case "txn-coordinator":
    case "txn-leader-not-coordinator": {
      const { node, why } = await coordinatorTarget(env, target, rng);
      return { nodes: [node], why };
    }
    default:
      throw new KcError("KC_BAD_FLAG", `unknown nemesis target ${JSON.stringify(target)}`, { hint: `use one of ${NODE_TARGETS.join(", ")}` });
  }
}

/** Polls `probe` until it returns a value, or the deadline passes or `stopping` fires (then undefined). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, pollMs: number, stopping?: AbortSignal): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() >= deadline || stopping?.aborted) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Partition states of `topic` from the first broker in `order` (default: every broker) that
 * answers with any; [] when none does. One broker may be down, killed or cut off by another family.
 */
export async function topicStates(env: NemesisEnv<Leadership>, topic: string, order: string[] = brokers(env)): Promise<PartitionState[]> {
  for (const b of order) {
    const states = await env.cluster.partitionsVia(b, topic).catch(() => []);
    if (states.length) return states;
  }
  return [];
}

/**
 * Waits until every partition of the topics in use has its full ISR, as a running broker sees it;
 * returns how long that took. Throws `code` after `timeoutMs`.
 */
export async function fullIsr(env: NemesisEnv<Leadership>, timeoutMs: number, code: string): Promise<number> {
  const t0 = Date.now();
  const topics = [...new Set(env.keys().map((k) => parseKey(k).topic))];
  for (;;) {
    let full = true;
    for (const t of topics) {
      const states = await topicStates(env, t);
      if (!states.length || states.some((p) => p.isr.length < p.replicas.length)) full = false;
    }
    if (full) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new KcError(code, `the ISR of ${topics.join(", ")} was not full ${timeoutMs / 1000} s after the restart`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
