// Process faults on chosen nodes: kill (SIGKILL the JVM, restart on stop) and pause
// (SIGSTOP-like cgroup freeze, resume on stop). Same targets: one, minority, majority, all,
// a partition leader, the controller, a minority of the ZooKeeper/KRaft quorum.
import { NODE_TARGETS, resolveNodes } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

function processFamily(o: {
  name: string;
  startF: string;
  stopF: string;
  doStart: (env: NemesisEnv, node: string) => Promise<void>;
  doStop: (env: NemesisEnv, node: string) => Promise<void>;
}): FaultFamily {
  const affected = new Set<string>();
  return {
    name: o.name,
    targets: NODE_TARGETS,
    startF: o.startF,
    stopF: o.stopF,
    active: () => affected.size > 0,
    async start(env, target, rng) {
      const { nodes, why } = await resolveNodes(env, target, rng);
      await Promise.all(
        nodes.map(async (n) => {
          await o.doStart(env, n);
          affected.add(n);
        }),
      );
      return { target, what: why, nodes };
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
  processFamily({
    name: "kill",
    startF: "kill",
    stopF: "restart",
    doStart: (env, n) => env.cluster.kill(n),
    doStop: async (env, n) => void (await env.cluster.start(n)),
  });

export const pauseFamily = () =>
  processFamily({
    name: "pause",
    startF: "pause",
    stopF: "resume",
    doStart: (env, n) => env.cluster.pause(n),
    doStop: (env, n) => env.cluster.resume(n),
  });
