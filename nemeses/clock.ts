// Clock faults on brokers through libfaketime (wall clock only): skew one broker or every
// broker by a different offset, bump one by an hour, or strobe one between true time and an
// offset. Needs the cluster started with faketime (the harness does it when `clock` is chosen).
import { brokers } from "./targets.ts";
import type { FaultFamily } from "./types.ts";

export const CLOCK_TARGETS = ["skew-one", "skew-all", "bump", "strobe"] as const;

export function clockFamily(): FaultFamily {
  const skewed = new Set<string>();
  const offset = (seconds: number) => `${seconds >= 0 ? "+" : "-"}${Math.abs(Math.round(seconds))}s`;
  return {
    name: "clock",
    targets: CLOCK_TARGETS,
    startF: "start-clock",
    stopF: "stop-clock",
    active: () => skewed.size > 0,
    async start(env, target, rng) {
      const bs = brokers(env);
      const sign = () => (rng.next() < 0.5 ? -1 : 1);
      const offsets: Record<string, string> = {};
      if (target === "skew-all") for (const b of bs) offsets[b] = offset(sign() * rng.between(1, 300));
      else offsets[rng.pick(bs)] = target === "bump" ? offset(sign() * 3600) : offset(sign() * rng.between(1, 300));
      for (const [node, off] of Object.entries(offsets)) {
        if (target === "strobe") await env.cluster.strobeClock(node, off, 500);
        else await env.cluster.setClock(node, off);
        skewed.add(node);
      }
      return { target, what: target === "strobe" ? "clock strobing" : "clock skewed", nodes: Object.keys(offsets), offsets };
    },
    async stop(env) {
      const nodes = [...skewed].sort();
      for (const n of nodes) {
        await env.cluster.setClock(n, "+0");
        skewed.delete(n);
      }
      return { what: "clocks reset", nodes };
    },
  };
}
