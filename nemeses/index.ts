// The nemesis registry: `--nemesis` names map to fault families. Adding a fault family is one
// module and one entry here.
import { KcError } from "../harness/errors.ts";
import { linkFamily } from "./link.ts";
import { loneLeaderFamily } from "./lone-leader.ts";
import { partitionFamily } from "./partition.ts";
import { killFamily, pauseFamily } from "./process.ts";
import type { FaultFamily } from "./types.ts";

export const FAMILIES: Record<string, () => FaultFamily> = {
  partition: partitionFamily,
  kill: killFamily,
  pause: pauseFamily,
  link: linkFamily,
  "lone-leader": () => loneLeaderFamily(),
};

/** Builds the families named by `--nemesis`, narrowing their targets to `--nemesis-targets`. */
export function buildFamilies(names: string[], targets: string[] = []): FaultFamily[] {
  return names.map((name) => {
    const make = FAMILIES[name];
    if (!make) throw new KcError("KC_BAD_FLAG", `unknown nemesis ${JSON.stringify(name)}`, { hint: `use any of ${Object.keys(FAMILIES).join(", ")}, or none` });
    const fam = make();
    if (!targets.length) return fam;
    const narrowed = fam.targets.filter((t) => targets.includes(t));
    if (!narrowed.length) {
      throw new KcError("KC_BAD_FLAG", `--nemesis-targets ${targets.join(",")} names no target of the ${name} nemesis`, { hint: `its targets are ${fam.targets.join(", ")}` });
    }
    return { ...fam, targets: narrowed, active: fam.active, start: fam.start, stop: fam.stop };
  });
}

export type { FaultFamily, NemesisEnv } from "./types.ts";
export { planSchedule, type PlannedAction } from "./schedule.ts";
export { NemesisRunner } from "./runner.ts";
