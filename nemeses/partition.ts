// Network partitions (iptables in each node's namespace): isolate one node, random halves,
// minority third, majorities ring, bridge, isolate a partition leader or the controller, and
// cut brokers off from ZooKeeper/the KRaft controllers only. Stop heals every rule.
import type { Rng } from "../core/rng.ts";
import type { Grudge } from "../core/faults.ts";
import type { Leadership, NetworkControl } from "./capabilities.ts";
import { between, bridge, cuts, halves, isolate, majoritiesRing, minorityThird } from "./grudges.ts";
import { KcError } from "../core/errors.ts";
import { allNodes, brokers, COORDINATOR_TARGETS, coordinatorTarget, leaderOfRandomKey, quorum, quorumName } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const PARTITION_TARGETS = ["one", "halves", "minority-third", "majorities-ring", "bridge", "leader", "controller", "quorum", ...COORDINATOR_TARGETS] as const;

async function grudgeFor(env: NemesisEnv<Leadership>, target: string, rng: Rng): Promise<{ grudge: Grudge; why: string }> {
  const all = allNodes(env);
  switch (target) {
    case "one": {
      const n = rng.pick(all);
      return { grudge: isolate(n, all), why: `isolated ${n}` };
    }
    case "halves":
      return { grudge: halves(all, rng), why: "random halves" };
    case "minority-third":
      return { grudge: minorityThird(all, rng), why: "a third cut off" };
    case "majorities-ring":
      return { grudge: majoritiesRing(all, rng), why: "majorities ring" };
    case "bridge":
      return { grudge: bridge(all, rng), why: "bridge" };
    case "leader": {
      const { key, node } = await leaderOfRandomKey(env, rng);
      return { grudge: isolate(node, all), why: `isolated ${node}, leader of ${key}` };
    }
    case "controller": {
      const c = await env.cluster.controller();
      if (!c) throw new Error("no active controller found");
      return { grudge: isolate(c, all), why: `isolated the active controller ${c}` };
    }
    case "quorum": {
      const q = quorum(env);
      const bs = brokers(env).filter((b) => !q.includes(b));
      if (!q.length) throw new KcError("KC_NEMESIS_NO_TARGET", "this cluster has no quorum or storage nodes to cut brokers off from", { hint: "use one, halves, minority-third, majorities-ring or bridge" });
      return { grudge: between(bs, q), why: `brokers cut off from ${quorumName(env)}` };
    }
    case "group-coordinator":
    case "txn-coordinator":
    case "txn-leader-not-coordinator": {
      const { node, why } = await coordinatorTarget(env, target, rng);
      return { grudge: isolate(node, all), why: `isolated ${node}, ${why}` };
    }
    default:
      throw new Error(`unknown partition target ${target}`);
  }
}

export function partitionFamily(): FaultFamily<NetworkControl & Leadership> {
  let inForce = false;
  return {
    name: "partition",
    targets: PARTITION_TARGETS,
    needs: ["network", "leadership"],
    startF: "start-partition",
    stopF: "stop-partition",
    active: () => inForce,
    async start(env, target, rng) {
      const { grudge, why } = await grudgeFor(env, target, rng);
      await env.cluster.partition(grudge, "partition");
      inForce = true;
      const cut = [...new Set(cuts(grudge).map(([x]) => x))].sort();
      return { target, what: why, grudge, nodes: cut };
    },
    async stop(env) {
      await env.cluster.heal("partition");
      inForce = false;
      return { what: "healed this family's partitions" };
    },
  };
}
