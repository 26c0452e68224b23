// Link faults on clients' connections through Toxiproxy: latency with jitter, bandwidth limit,
// timeout (black hole), reset_peer, slicer, slow_close, the proxy taken down, and lose-acks
// (every broker's answers held while requests land: retries append twice). One random
// broker's link, or every broker's (a third of the time); toxics go on both directions, or on
// responses only (the request reaches the broker, its answer is lost: what makes a retrying
// producer write twice), or on requests only. Stop removes every toxic.
import type { LinkFault } from "../core/faults.ts";
import type { LinkControl } from "./capabilities.ts";
import { brokers } from "./targets.ts";
import type { FaultFamily } from "./types.ts";

export const LINK_TARGETS = ["latency", "bandwidth", "timeout", "reset_peer", "slicer", "slow_close", "down", "lose-acks"] as const;

export const LINK_FAULTS: Record<Exclude<(typeof LINK_TARGETS)[number], "down" | "lose-acks">, LinkFault> = {
  latency: { type: "latency", attributes: { latency: 500, jitter: 300 } },
  bandwidth: { type: "bandwidth", attributes: { rate: 16 } },
  timeout: { type: "timeout", attributes: { timeout: 0 } },
  reset_peer: { type: "reset_peer", attributes: { timeout: 500 }, toxicity: 0.5 },
  slicer: { type: "slicer", attributes: { average_size: 16, size_variation: 8, delay: 2000 } },
  slow_close: { type: "slow_close", attributes: { delay: 5000 } },
};

export function linkFamily(): FaultFamily<LinkControl> {
  let inForce = false;
  return {
    name: "link",
    targets: LINK_TARGETS,
    needs: ["links"],
    startF: "start-link",
    stopF: "stop-link",
    active: () => inForce,
    async start(env, target, rng) {
      const bs = brokers(env);
      if (target === "lose-acks") {
        // Every broker's answers held (a black hole on responses only), its requests still
        // landing: a producer whose request times out sends it again, and the broker, which
        // appended the first, appends the retry too. What a lost acknowledgement does.
        inForce = true;
        for (const b of bs) await env.cluster.links.addToxic(b, { ...LINK_FAULTS.timeout, stream: "downstream" });
        return { target, what: "every broker's answers to clients held (responses only), requests landing", nodes: bs, direction: "responses", attributes: LINK_FAULTS.timeout.attributes };
      }
      const nodes = rng.next() < 1 / 3 ? bs : [rng.pick(bs)];
      const direction = rng.pick(["both", "responses", "requests"] as const);
      const streams = { both: ["downstream", "upstream"], responses: ["downstream"], requests: ["upstream"] }[direction] as ("downstream" | "upstream")[];
      inForce = true;
      for (const b of nodes) {
        if (target === "down") await env.cluster.links.setEnabled(b, false);
        else {
          const fault = LINK_FAULTS[target as keyof typeof LINK_FAULTS];
          if (!fault) throw new Error(`unknown link fault ${target}`);
          for (const stream of streams) await env.cluster.links.addToxic(b, { ...fault, stream });
        }
      }
      if (target === "down") return { target, what: "client link down", nodes };
      return { target, what: `${target} toxic on client ${direction === "both" ? "links" : direction}`, nodes, direction, attributes: LINK_FAULTS[target as keyof typeof LINK_FAULTS].attributes };
    },
    async stop(env) {
      await env.cluster.links.reset();
      inForce = false;
      return { what: "removed every toxic, every proxy enabled" };
    },
  };
}
