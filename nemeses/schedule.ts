// The fault schedule as a pure plan: after a fault-free window, every `interval` seconds on
// average (seeded stagger between 0.5x and 1.5x), one family is picked: started on a random
// target when idle, stopped when active. The runner heals everything at the end regardless.
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
}

export function planSchedule(o: ScheduleOptions, rng: Rng): PlannedAction[] {
  const plan: PlannedAction[] = [];
  if (!o.families.length) return plan;
  const active = new Set<string>();
  let t = o.quietSeconds;
  while (t < o.timeLimitSeconds) {
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
