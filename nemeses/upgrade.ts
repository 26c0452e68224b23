// Rolling upgrade (or downgrade) under load: `--upgrade-to V`. Its one start replaces the nodes
// one at a time (KRaft controllers first, then brokers), each with a clean shutdown, V's jars and
// the same data dir, waiting for the test partitions' full ISR after each; then, going up, the
// protocol is raised as Kafka's upgrade notes say (inter.broker.protocol.version in ZooKeeper
// mode, pinned to the old release until then; metadata.version in KRaft). Nothing to heal: the
// cluster stays on V. Every step, with its timings, is in the op.
import { KcError } from "../core/errors.ts";
import { compareVersions } from "../core/versions.ts";
import type { UpgradeStep } from "../core/cluster.ts";
import type { Leadership, UpgradeControl } from "./capabilities.ts";
import { fullIsr } from "./targets.ts";
import type { FaultFamily } from "./types.ts";

const newer = (a: string, b: string) => compareVersions(a, b) > 0;

export function upgradeFamily(to: string | undefined): FaultFamily<UpgradeControl & Leadership> {
  if (!to) throw new KcError("KC_BAD_FLAG", "the upgrade nemesis needs --upgrade-to VERSION", { hint: "e.g. --upgrade-to 3.9.1" });
  let running = false;
  let done = false;
  return {
    name: "upgrade",
    targets: ["rolling"],
    needs: ["upgrade", "leadership"],
    startF: "start-upgrade",
    stopF: "stop-upgrade",
    active: () => running,
    async start(env) {
      if (done) return { what: `already on ${to}` };
      running = true;
      try {
        const nodes = env.cluster.nodes.filter((n) => !n.roles.includes("zookeeper"));
        const order = [...nodes.filter((n) => !n.roles.includes("broker")), ...nodes.filter((n) => n.roles.includes("broker"))].map((n) => n.name);
        const from = env.cluster.versionOf(order[0]);
        const steps: (UpgradeStep & { isrFullMs: number })[] = [];
        for (const node of order) {
          const step = await env.cluster.restartOn(node, to);
          steps.push({ ...step, isrFullMs: await fullIsr(env, 120_000, "KC_UPGRADE_FAILED") });
        }
        const finalize = newer(to, from) ? await env.cluster.finalizeUpgrade(to) : { what: "a downgrade: the protocol stays where it was" };
        if (Array.isArray(finalize.steps)) await fullIsr(env, 120_000, "KC_UPGRADE_FAILED");
        done = true;
        return { target: "rolling", what: `rolling ${newer(to, from) ? "upgrade" : "downgrade"} from ${from} to ${to}`, from, to, steps, finalize };
      } finally {
        running = false;
      }
    },
    async stop() {
      return { what: done ? `the cluster stays on ${to}` : "no upgrade ran" };
    },
  };
}
