// The nemesis registry: `--nemesis` names map to fault families. Adding a fault family is one
// module and one entry here.
import { KcError } from "../core/errors.ts";
import { linkFamily } from "./link.ts";
import { loneLeaderFamily } from "./lone-leader.ts";
import { partitionFamily } from "./partition.ts";
import { killFamily, pauseFamily } from "./process.ts";
import { missingCapabilities, type Capability } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

// Families are typed by the capabilities they use; the registry holds them all.
type AnyFamily = FaultFamily<any>;

export const FAMILIES: Record<string, () => AnyFamily> = {
  partition: partitionFamily,
  kill: killFamily,
  pause: pauseFamily,
  link: linkFamily,
  "lone-leader": () => loneLeaderFamily(),
};

/**
 * Builds the families named by `--nemesis`, narrowing their targets to `--nemesis-targets`.
 * With `offered`, the capabilities of the deployment, refuses families it cannot serve.
 */
export function buildFamilies(names: string[], targets: string[] = [], offered?: readonly Capability[]): AnyFamily[] {
  const families = names.map((name) => {
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
  const missing = offered ? missingCapabilities(families, offered) : [];
  if (missing.length) throw new KcError("KC_CAPABILITY_MISSING", missing.join("; "), { hint: "drop those faults from --nemesis, or use a deployment that offers them (--deployment docker offers every one)" });
  return families;
}

export type { FaultFamily, NemesisEnv } from "./types.ts";
export { CAPABILITIES, missingCapabilities, type Capability, type ClusterNodes, type FullCapabilities, type Leadership, type LinkControl, type NetworkControl, type PauseControl, type ProcessControl } from "./capabilities.ts";
export { planSchedule, type PlannedAction } from "./schedule.ts";
export { NemesisRunner } from "./runner.ts";
