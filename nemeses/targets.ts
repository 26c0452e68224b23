// Which nodes a target spec names, resolved against the live cluster with the nemesis's rng.
import { KcError } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import type { Leadership } from "./capabilities.ts";
import type { NemesisEnv } from "./types.ts";

export const brokers = (env: NemesisEnv<unknown>) => env.cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.name);
/** ZooKeeper nodes, or KRaft controllers (dedicated or combined). */
export const quorum = (env: NemesisEnv<unknown>) =>
  env.cluster.nodes.filter((n) => n.roles.includes("zookeeper") || n.roles.includes("controller")).map((n) => n.name);
export const allNodes = (env: NemesisEnv<unknown>) => env.cluster.nodes.map((n) => n.name);

export const minority = (n: number) => Math.max(1, Math.floor((n - 1) / 2));
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** Node-set targets shared by kill and pause. */
export const NODE_TARGETS = ["one", "minority", "majority", "all", "leader", "controller", "quorum"] as const;

export async function leaderOfRandomKey(env: NemesisEnv<Leadership>, rng: Rng): Promise<{ key: string; node: string }> {
  const keys = env.keys();
  if (!keys.length) throw new KcError("KC_NEMESIS_NO_TARGET", "no keys in use yet to find a leader of");
  const key = rng.pick(keys);
  const node = await env.cluster.leader(key);
  if (!node) throw new KcError("KC_NEMESIS_NO_TARGET", `${key} has no leader now`);
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
      return { nodes: rng.shuffle(q).slice(0, minority(q.length)), why: env.mode === "zookeeper" ? "a minority of ZooKeeper nodes" : "a minority of KRaft controllers" };
    }
    default:
      throw new KcError("KC_BAD_FLAG", `unknown nemesis target ${JSON.stringify(target)}`, { hint: `use one of ${NODE_TARGETS.join(", ")}` });
  }
}
