// Rolling upgrade (or downgrade) under load: `--upgrade-to V`. Its one start replaces the nodes
// one at a time (KRaft controllers first, then brokers), each with a clean shutdown, V's jars and
// the same data dir, waiting for the test partitions' full ISR after each; then, going up, the
// protocol is raised as Kafka's upgrade notes say (inter.broker.protocol.version in ZooKeeper
// mode, pinned to the old release until then; metadata.version in KRaft). Nothing to heal: the
// cluster stays on V. Every step, with its timings, is in the op.
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import { compareVersions } from "../core/versions.ts";
import type { UpgradeStep } from "../core/cluster.ts";
import type { Leadership, UpgradeControl } from "./capabilities.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

const newer = (a: string, b: string) => compareVersions(a, b) > 0;

/** Waits until every partition of the topics in use has its full ISR, as a running broker sees it. */
async function fullIsr(env: NemesisEnv<Leadership>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const topics = [...new Set(env.keys().map((k) => parseKey(k).topic))];
  const brokers = env.cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.name);
  for (;;) {
    let full = true;
    for (const t of topics) {
      const states = await env.cluster.partitionsVia(brokers[0], t).catch(() => []);
      if (!states.length || states.some((p) => p.isr.length < p.replicas.length)) full = false;
    }
    if (full) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new KcError("KC_UPGRADE_FAILED", `the ISR of ${topics.join(", ")} was not full ${timeoutMs / 1000} s after the restart`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

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
          steps.push({ ...step, isrFullMs: await fullIsr(env, 120_000) });
        }
        const finalize = newer(to, from) ? await env.cluster.finalizeUpgrade(to) : { what: "a downgrade: the protocol stays where it was" };
        if (Array.isArray(finalize.steps)) await fullIsr(env, 120_000);
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
