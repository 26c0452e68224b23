// Operations that restart brokers cleanly under load, as operators do: each process gets SIGTERM
// and a controlled shutdown (its leaderships move away first), then starts again on the same
// release and data. After each broker's restart the start waits until it is back in the ISR of
// every test partition it replicates.
// Nothing to heal: a clean restart is over when it returns.
//
// rolling-restart: every broker in turn (config changes, OS patching), in broker order.
//   brokers   the brokers;
//   all       the KRaft controllers first, then the brokers (ZooKeeper is left alone).
// bounce: kafkatest's bounce, chasing one role several times: each round restarts whoever holds
// it now, so leadership or the controller moves, and the next round follows it.
//   leader      the leader of a key in use (the same key every round);
//   controller  the active controller (a broker in ZooKeeper mode, the quorum leader in KRaft).
// A node another family holds down or paused is skipped, and the op says so.
import { KcError } from "../core/errors.ts";
import type { UpgradeStep } from "../core/cluster.ts";
import { parseKey } from "../core/history/op.ts";
import type { Leadership, RestartControl } from "./capabilities.ts";
import { brokerIdOf, brokers, topicStates } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

type Cluster = RestartControl & Leadership;
type Step = (UpgradeStep & { isrRejoinMs?: number; rejoin?: string; holder?: string }) | { node: string; skipped: string };

const ISR_WAIT_MS = 120_000;
export const BOUNCES = 3;

/**
 * Waits until a restarted broker is back in the ISR of every test partition it replicates (what an
 * operator waits for before the next broker; other families' faults elsewhere do not hold it up).
 * Undefined when the main phase ended first.
 */
async function rejoined(env: NemesisEnv<Cluster>, node: string): Promise<number | undefined> {
  const t0 = Date.now();
  const id = brokerIdOf(env, node);
  const topics = [...new Set(env.keys().map((k) => parseKey(k).topic))];
  // The restarted broker is asked last: the others have seen it rejoin first.
  const order = [...brokers(env).filter((b) => b !== node), node];
  for (;;) {
    let back = true;
    for (const t of topics) {
      const states = await topicStates(env, t, order);
      if (!states.length || states.some((p) => p.replicas.includes(id) && !p.isr.includes(id))) back = false;
    }
    if (back) return Date.now() - t0;
    // The main phase ended: the final heal and the recovery wait take over.
    if (env.stopping?.aborted) return undefined;
    if (Date.now() - t0 > ISR_WAIT_MS) {
      throw new KcError("KC_RESTART_FAILED", `${node} was not back in the ISR of ${topics.join(", ")} ${Math.round((Date.now() - t0) / 1000)} s after its restart`, { hint: `see ${node}'s container.log` });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One clean restart on the node's own release, then (a broker) the wait to rejoin the ISR; a node held by another fault is skipped. */
async function restartOne(env: NemesisEnv<Cluster>, node: string): Promise<Step> {
  let step: UpgradeStep;
  try {
    step = await env.cluster.restartOn(node, env.cluster.versionOf(node), { ifUp: true });
  } catch (e) {
    if (e instanceof KcError && e.code === "KC_NODE_DOWN") return { node, skipped: e.message };
    throw e;
  }
  const broker = env.cluster.nodes.some((n) => n.name === node && n.roles.includes("broker"));
  if (!broker) return step;
  const ms = await rejoined(env, node);
  return ms === undefined ? { ...step, rejoin: "the main phase ended before it was back in the ISR" } : { ...step, isrRejoinMs: ms };
}

const summary = (steps: Step[]) => {
  const done = steps.filter((s): s is Exclude<Step, { skipped: string }> => !("skipped" in s));
  const unclean = done.filter((s) => !s.clean).map((s) => s.node);
  const skipped = steps.filter((s) => "skipped" in s && s.node !== "none").map((s) => s.node);
  const nobody = steps.filter((s) => "skipped" in s && s.node === "none").length;
  return `${done.length} clean restart${done.length === 1 ? "" : "s"}${unclean.length ? ` (${unclean.join(", ")} needed SIGKILL)` : ""}${skipped.length ? `; skipped ${skipped.join(", ")} (held by another fault)` : ""}${nobody ? `; ${nobody} round${nobody === 1 ? "" : "s"} found nobody holding the role` : ""}`;
};

export function rollingRestartFamily(): FaultFamily<Cluster> {
  let running = false;
  return {
    name: "rolling-restart",
    targets: ["brokers", "all"],
    needs: ["restart", "leadership"],
    startF: "start-rolling-restart",
    stopF: "stop-rolling-restart",
    active: () => running,
    async start(env, target) {
      running = true;
      try {
        const nodes = env.cluster.nodes.filter((n) => !n.roles.includes("zookeeper") && !n.roles.includes("storage"));
        const controllersFirst = target === "all" ? nodes.filter((n) => !n.roles.includes("broker")) : [];
        const order = [...controllersFirst, ...nodes.filter((n) => n.roles.includes("broker"))].map((n) => n.name);
        const steps: Step[] = [];
        for (const node of order) {
          if (env.stopping?.aborted) break;
          steps.push(await restartOne(env, node));
        }
        const cut = steps.length < order.length ? `; the main phase ended before ${order.slice(steps.length).join(", ")}` : "";
        const whom = controllersFirst.length ? "the controllers, then the brokers" : "the brokers";
        return { target, what: `rolling restart of ${whom}: ${summary(steps)}${cut}`, nodes: steps.map((s) => s.node), steps };
      } finally {
        running = false;
      }
    },
    async stop() {
      return { what: "nothing to heal (a clean restart is over when it returns)" };
    },
  };
}

export function bounceFamily(rounds = BOUNCES): FaultFamily<Cluster> {
  let running = false;
  return {
    name: "bounce",
    targets: ["leader", "controller"],
    needs: ["restart", "leadership"],
    startF: "start-bounce",
    stopF: "stop-bounce",
    active: () => running,
    async start(env, target, rng) {
      const key = target === "leader" ? (env.keys().length ? rng.pick(env.keys()) : undefined) : undefined;
      if (target === "leader" && !key) throw new KcError("KC_NEMESIS_NO_TARGET", "no key in use yet to bounce the leader of");
      const holder = () => (key ? env.cluster.leader(key) : env.cluster.controller()).catch(() => undefined);
      running = true;
      try {
        const steps: Step[] = [];
        for (let i = 0; i < rounds && !env.stopping?.aborted; i++) {
          const node = await holder();
          if (!node) {
            steps.push({ node: "none", skipped: `no ${key ? `leader of ${key}` : "active controller"} to bounce` });
            continue;
          }
          const step = await restartOne(env, node);
          steps.push("skipped" in step ? step : { ...step, holder: (await holder()) ?? undefined });
        }
        const chased = steps.map((s) => s.node).join(" → ");
        return { target, ...(key ? { key } : {}), what: `bounce of the ${key ? `leader of ${key}` : "active controller"}, ${rounds} rounds (${chased}): ${summary(steps)}`, nodes: [...new Set(steps.map((s) => s.node).filter((n) => n !== "none"))], steps };
      } finally {
        running = false;
      }
    },
    async stop() {
      return { what: "nothing to heal (a clean restart is over when it returns)" };
    },
  };
}
