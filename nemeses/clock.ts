// Clock faults: what nodes read as the wall clock moves while their monotonic clocks run on, as
// when an operator, NTP or a VM migration steps or slews a machine's clock. Through kc-clock
// (deployments/shared/clock.ts), which moves the clock without slowing the node down.
//   bump    a random non-empty set of nodes, each stepped by its own ± 1 s .. 6 h;
//   strobe  a random non-empty set, each flipping between its clock and ± 10 ms .. 10 min off,
//           every 1 ms .. 1 s;
//   skew    every node set to its own offset, within ± 1 s .. 1 h of the others;
//   drift   a random non-empty set, each running fast or slow by 100 ppm .. 10 %.
// The stop resets every clock it moved. Each op records the settings and each node's clock as
// read from inside the node afterwards (the report draws them per node).
import { describeClock } from "../core/clock.ts";
import { KcError } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import { allNodes } from "./targets.ts";
import type { ClockControl, ClockReading, ClockSetting } from "./capabilities.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const CLOCK_TARGETS = ["bump", "strobe", "skew", "drift"] as const;

/** A magnitude between lo and hi, uniform on a log scale (seconds and hours alike). */
const logUniform = (rng: Rng, lo: number, hi: number): number => Math.round(lo * (hi / lo) ** rng.next());
const sign = (rng: Rng): number => (rng.next() < 0.5 ? -1 : 1);
const subset = (rng: Rng, nodes: readonly string[]): string[] => rng.shuffle(nodes).slice(0, 1 + rng.int(nodes.length));

/** The settings a target gives to which nodes (pure: the rng decides everything). */
export function planClocks(target: string, nodes: readonly string[], rng: Rng): Record<string, ClockSetting> {
  if (!nodes.length) throw new KcError("KC_NEMESIS_NO_TARGET", "no node to move the clock of");
  const out: Record<string, ClockSetting> = {};
  switch (target) {
    case "bump":
      for (const n of subset(rng, nodes)) out[n] = { offsetMs: sign(rng) * logUniform(rng, 1_000, 6 * 3_600_000) };
      break;
    case "strobe":
      for (const n of subset(rng, nodes)) out[n] = { offsetMs: 0, strobe: { deltaMs: sign(rng) * logUniform(rng, 10, 600_000), periodMs: logUniform(rng, 1, 1_000) } };
      break;
    case "skew": {
      const spread = logUniform(rng, 1_000, 3_600_000);
      for (const n of nodes) out[n] = { offsetMs: Math.round(rng.between(-spread, spread)) };
      break;
    }
    case "drift":
      for (const n of subset(rng, nodes)) out[n] = { offsetMs: 0, driftPpm: sign(rng) * logUniform(rng, 100, 100_000) };
      break;
    default:
      throw new KcError("KC_BAD_FLAG", `unknown clock target ${JSON.stringify(target)}`, { hint: `use one of ${CLOCK_TARGETS.join(", ")}` });
  }
  return out;
}

async function readAll(env: NemesisEnv<ClockControl>, nodes: string[]): Promise<Record<string, ClockReading>> {
  const read = await Promise.all(nodes.map((n) => env.cluster.readClock(n)));
  return Object.fromEntries(read.map((r) => [r.node, r]));
}

export function clockFamily(): FaultFamily<ClockControl> {
  const moved = new Set<string>();
  return {
    name: "clock",
    targets: CLOCK_TARGETS,
    needs: ["clock"],
    startF: "start-clock",
    stopF: "stop-clock",
    active: () => moved.size > 0,
    async start(env, target, rng) {
      const clocks = planClocks(target, allNodes(env), rng);
      const nodes = Object.keys(clocks).sort();
      for (const n of nodes) {
        await env.cluster.setClock(n, clocks[n]);
        moved.add(n);
      }
      const what = nodes.map((n) => `${n} ${describeClock(clocks[n])}`).join("; ");
      return { target, what: `${target}: ${what}`, nodes, clocks, read: await readAll(env, nodes) };
    },
    async stop(env) {
      const nodes = [...moved].sort();
      for (const n of nodes) {
        await env.cluster.setClock(n, { offsetMs: 0 });
        moved.delete(n);
      }
      return { what: nodes.length ? "reset the clocks" : "no clock was moved", nodes, clocks: Object.fromEntries(nodes.map((n) => [n, { offsetMs: 0 }])), read: await readAll(env, nodes) };
    },
  };
}
