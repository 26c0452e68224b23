// The nemesis registry: `--nemesis` names map to fault families. Adding a fault family is one
// module and one entry here.
import { KcError } from "../core/errors.ts";
import { clockFamily } from "./clock.ts";
import { corruptFamily } from "./corrupt.ts";
import { diskFamily } from "./disk.ts";
import { logDirFamily } from "./log-dir.ts";
import { electFamily } from "./elect.ts";
import { linkFamily } from "./link.ts";
import { loneLeaderFamily } from "./lone-leader.ts";
import { membershipFamily } from "./membership.ts";
import { partitionFamily } from "./partition.ts";
import { peerLinkFamily } from "./peer-link.ts";
import { powerFamily } from "./power.ts";
import { reassignFamily } from "./reassign.ts";
import { bounceFamily, rollingRestartFamily } from "./restart.ts";
import { killFamily, pauseFamily, podDeleteFamily } from "./process.ts";
import { upgradeFamily } from "./upgrade.ts";
import { missingCapabilities, type Capability } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

// Families are typed by the capabilities they use; the registry holds them all.
type AnyFamily = FaultFamily<any>;

/** What a family is made with: the release the upgrade family moves the cluster to, and what the product lacks. */
export interface FamilyOptions {
  upgradeTo?: string;
  /** Targets that mean nothing on the broker product, each with the reason (products' `unsupportedTargets`). */
  unsupportedTargets?: Readonly<Record<string, string>>;
  /** The product's name, for errors. */
  product?: string;
}

export const FAMILIES: Record<string, (o: FamilyOptions) => AnyFamily> = {
  partition: partitionFamily,
  kill: killFamily,
  pause: pauseFamily,
  link: linkFamily,
  "peer-link": () => peerLinkFamily(),
  "lone-leader": () => loneLeaderFamily(),
  upgrade: (o) => upgradeFamily(o.upgradeTo),
  corrupt: () => corruptFamily(),
  disk: () => diskFamily(),
  power: () => powerFamily(),
  clock: () => clockFamily(),
  "log-dir": () => logDirFamily(),
  elect: () => electFamily(),
  reassign: () => reassignFamily(),
  membership: () => membershipFamily(),
  "rolling-restart": () => rollingRestartFamily(),
  bounce: () => bounceFamily(),
  "pod-delete": () => podDeleteFamily(),
};

/**
 * Builds the families named by `--nemesis`, narrowing their targets to `--nemesis-targets`.
 * With `offered`, the capabilities of the deployment, refuses families it cannot serve.
 */
export function buildFamilies(names: string[], targets: string[] = [], offered?: readonly Capability[], options: FamilyOptions = {}): AnyFamily[] {
  const families = names.map((name) => {
    const make = FAMILIES[name];
    if (!make) throw new KcError("KC_BAD_FLAG", `unknown nemesis ${JSON.stringify(name)}`, { hint: `use any of ${Object.keys(FAMILIES).join(", ")}, or none` });
    const fam = make(options);
    // What the product lacks is refused when asked for, and left out of the defaults.
    const unsupported = options.unsupportedTargets ?? {};
    const asked = targets.filter((t) => fam.targets.includes(t) && unsupported[t]);
    if (asked.length) {
      throw new KcError("KC_BAD_FLAG", `--nemesis-targets ${asked.join(",")} cannot be used on ${options.product ?? "this product"}: ${asked.map((t) => unsupported[t]).join("; ")}`, {
        hint: `the ${name} nemesis offers ${fam.targets.filter((t) => !unsupported[t]).join(", ") || "nothing"} there`,
      });
    }
    const offeredTargets = fam.targets.filter((t) => !unsupported[t]);
    if (!offeredTargets.length) {
      throw new KcError("KC_BAD_FLAG", `the ${name} nemesis has no target on ${options.product ?? "this product"}: ${fam.targets.map((t) => unsupported[t]).join("; ")}`, { hint: `drop ${name} from --nemesis` });
    }
    // The upgrade has one way to happen; --nemesis-targets narrows the other families.
    if (!targets.length || name === "upgrade") return offeredTargets.length === fam.targets.length ? fam : withTargets(fam, offeredTargets);
    const narrowed = offeredTargets.filter((t) => targets.includes(t));
    if (!narrowed.length) {
      throw new KcError("KC_BAD_FLAG", `--nemesis-targets ${targets.join(",")} names no target of the ${name} nemesis`, { hint: `its targets are ${offeredTargets.join(", ")}` });
    }
    return withTargets(fam, narrowed);
  });
  const missing = offered ? missingCapabilities(families, offered) : [];
  if (missing.length) throw new KcError("KC_CAPABILITY_MISSING", missing.join("; "), { hint: "drop those faults from --nemesis, or use a deployment that offers them (--deployment docker offers every one)" });
  return families;
}

/** The family with fewer targets (methods copied too: a family may keep them on its prototype). */
const withTargets = (fam: AnyFamily, targets: readonly string[]): AnyFamily => ({ ...fam, targets, active: fam.active, start: fam.start, stop: fam.stop });

export type { FaultFamily, NemesisEnv } from "./types.ts";
export { CAPABILITIES, missingCapabilities, type Capability, type ClockControl, type ClusterNodes, type FullCapabilities, type DiskControl, type FileControl, type Leadership, type LinkControl, type NetworkControl, type PauseControl, type PodControl, type PowerControl, type ProcessControl, type RestartControl, type UpgradeControl } from "./capabilities.ts";
export { planSchedule, type PlannedAction } from "./schedule.ts";
export { NemesisRunner } from "./runner.ts";
