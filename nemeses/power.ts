// Power loss: a node's power is cut. Its process is SIGKILLed at the instant its data filesystem
// (kc-lazyfs, docker/lazyfs/) drops every write that was never fsynced, as a machine losing power
// loses its page cache. On one broker, a minority, a majority, every broker at once (a correlated
// outage: a rack or a zone), or every node (brokers and ZooKeeper or the KRaft controllers). The
// stop powers the nodes on: their processes start again on what was synced. Kafka's default
// (log.flush.interval.messages unbounded) acknowledges acks=all writes that only sit in the
// replicas' page caches, so a correlated cut can lose them; flush-every-message cannot.
import { KcError } from "../core/errors.ts";
import { allNodes, quorum, resolveNodes } from "./targets.ts";
import type { Leadership, PowerControl, PowerCut, ProcessControl } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

export const POWER_TARGETS = ["one", "minority", "majority", "all", "leader", "cluster"] as const;

export function powerFamily(): FaultFamily<PowerControl & ProcessControl & Leadership> {
  const off = new Set<string>();
  return {
    name: "power",
    targets: POWER_TARGETS,
    needs: ["power", "process", "leadership"],
    startF: "start-power",
    stopF: "stop-power",
    active: () => off.size > 0,
    async start(env, target, rng) {
      const { nodes, why } = target === "cluster" ? { nodes: allNodes(env), why: "every node of the cluster" } : await resolveNodes(env, target, rng);
      // Every cut at once: a correlated outage is the point of cutting several.
      const cuts: PowerCut[] = await Promise.all(
        nodes.map(async (n) => {
          const cut = await env.cluster.powerCut(n, "power");
          off.add(n);
          return cut;
        }),
      );
      const lost = cuts.reduce((a, c) => a + c.droppedBytes, 0);
      if (!cuts.length) throw new KcError("KC_NEMESIS_NO_TARGET", `no node to cut the power of (${why})`);
      return { target, what: `cut the power of ${why}: ${lost} unsynced bytes lost`, nodes, cuts };
    },
    async stop(env) {
      const nodes = [...off].sort();
      const started: string[] = [];
      // The quorum first: brokers register with ZooKeeper or the controllers as they start.
      const q = new Set(quorum(env));
      for (const wave of [nodes.filter((n) => q.has(n)), nodes.filter((n) => !q.has(n))]) {
        await Promise.all(
          wave.map(async (n) => {
            if (await env.cluster.start(n, {}, "power")) started.push(n);
            off.delete(n);
          }),
        );
      }
      return { nodes, started: started.sort() };
    },
  };
}
