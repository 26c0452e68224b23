// The fault schedule as a pure plan. By default, after a fault-free window, every `interval`
// seconds on average (seeded stagger between 0.5x and 1.5x), one family is picked: started on a
// random target when idle, stopped when active. With `--stable-time`, the composite schedule
// below. The runner heals everything at the end regardless.
import type { Rng } from "../core/rng.ts";

export interface PlannedAction {
  /** Seconds since the main phase started. */
  at: number;
  family: string;
  action: "start" | "stop";
  target?: string;
}

export interface ScheduleOptions {
  families: { name: string; targets: readonly string[] }[];
  intervalSeconds: number;
  quietSeconds: number;
  timeLimitSeconds: number;
  /** Composite schedule (`--stable-time`): fault-free seconds between fault periods. */
  stableSeconds?: number;
}

export function planSchedule(o: ScheduleOptions, rng: Rng): PlannedAction[] {
  if (!o.families.length) return [];
  return o.stableSeconds === undefined ? oneAtATime(o, rng) : composite(o, o.stableSeconds, rng);
}

/**
 * Composite (Jepsen's Bufstream test does this): each period starts a random non-empty subset of
 * the families together, each on its own random target, holds them for about `interval` seconds
 * (0.5x to 1.5x), stops them all, then keeps `stable` fault-free seconds. Families overlap; the
 * runner heals each apart. A period that would end past the time limit is left to the final heal.
 */
function composite(o: ScheduleOptions, stable: number, rng: Rng): PlannedAction[] {
  const plan: PlannedAction[] = [];
  let t = o.quietSeconds;
  while (round(t) < o.timeLimitSeconds) {
    let chosen = o.families.filter(() => rng.next() < 0.5);
    if (!chosen.length) chosen = [rng.pick(o.families)];
    for (const f of chosen) plan.push({ at: round(t), family: f.name, action: "start", target: rng.pick(f.targets) });
    const end = t + o.intervalSeconds * rng.between(0.5, 1.5);
    // Compared as planned (rounded to the millisecond): 119.9996 s is planned at 120 s.
    if (round(end) >= o.timeLimitSeconds) break;
    for (const f of chosen) plan.push({ at: round(end), family: f.name, action: "stop" });
    t = end + stable;
  }
  return plan;
}

function oneAtATime(o: ScheduleOptions, rng: Rng): PlannedAction[] {
  const plan: PlannedAction[] = [];
  const active = new Set<string>();
  let t = o.quietSeconds;
  while (round(t) < o.timeLimitSeconds) {
    const fam = rng.pick(o.families);
    if (active.has(fam.name)) {
      plan.push({ at: round(t), family: fam.name, action: "stop" });
      active.delete(fam.name);
    } else {
      plan.push({ at: round(t), family: fam.name, action: "start", target: rng.pick(fam.targets) });
      active.add(fam.name);
    }
    t += o.intervalSeconds * rng.between(0.5, 1.5);
  }
  return plan;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
