// Process faults on chosen nodes: kill (SIGKILL the JVM, restart on stop) and pause
// (SIGSTOP-like cgroup freeze, resume on stop). Same targets: one, minority, majority, all,
// a partition leader, the controller, a minority of the ZooKeeper/KRaft quorum.
import { NODE_TARGETS, resolveNodes } from "./targets.ts";
import type { Capability, Leadership, PauseControl, PodControl, PodReplacement, ProcessControl } from "./capabilities.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

function processFamily<C>(o: {
  name: string;
  needs: Capability[];
  startF: string;
  stopF: string;
  /** Does the fault to one node; what it returns goes into the op (`done`, by node). */
  doStart: (env: NemesisEnv<C & Leadership>, node: string) => Promise<unknown>;
  doStop: (env: NemesisEnv<C & Leadership>, node: string) => Promise<void>;
}): FaultFamily<C & Leadership> {
  const affected = new Set<string>();
  return {
    name: o.name,
    targets: NODE_TARGETS,
    needs: [...o.needs, "leadership"],
    startF: o.startF,
    stopF: o.stopF,
    active: () => affected.size > 0,
    async start(env, target, rng) {
      const { nodes, why } = await resolveNodes(env, target, rng);
      const done = await Promise.all(
        nodes.map(async (n) => {
          const r = await o.doStart(env, n);
          affected.add(n);
          return r;
        }),
      );
      return { target, what: why, nodes, ...(done.some((d) => d !== undefined) ? { done } : {}) };
    },
    async stop(env) {
      const nodes = [...affected].sort();
      await Promise.all(
        nodes.map(async (n) => {
          await o.doStop(env, n);
          affected.delete(n);
        }),
      );
      return { nodes };
    },
  };
}

export const killFamily = () =>
  processFamily<ProcessControl>({
    name: "kill",
    needs: ["process"],
    startF: "kill",
    stopF: "restart",
    doStart: (env, n) => env.cluster.kill(n, "kill"),
    doStop: async (env, n) => void (await env.cluster.start(n, {}, "kill")),
  });

export const pauseFamily = () =>
  processFamily<PauseControl>({
    name: "pause",
    needs: ["pause"],
    startF: "pause",
    stopF: "resume",
    doStart: (env, n) => env.cluster.pause(n),
    doStop: (env, n) => env.cluster.resume(n),
  });

/**
 * Pod deletes (Kubernetes): a node's pod is deleted and its processes SIGKILLed after 1 s, as a
 * failing machine would take it; its StatefulSet makes a new one at once, on the same data, at a new address, and
 * the node starts again by itself. The op records each replacement (addresses before and after,
 * time to replace); the stop waits for the nodes' "ready" lines.
 */
export const podDeleteFamily = () =>
  processFamily<PodControl>({
    name: "pod-delete",
    needs: ["pods"],
    startF: "delete-pod",
    stopF: "await-pod",
    doStart: (env, n): Promise<PodReplacement> => env.cluster.deletePod(n),
    doStop: (env, n) => env.cluster.awaitPod(n),
  });
