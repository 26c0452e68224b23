// The nemesis contract: a fault family starts a fault on chosen targets and stops (heals) it.
// Families reach the cluster only through its capabilities (harness/cluster/cluster.ts).
import type { FaultCapabilities } from "../harness/cluster/cluster.ts";
import type { Key } from "../harness/history/op.ts";
import type { Rng } from "../harness/rng.ts";

export interface NemesisEnv {
  cluster: FaultCapabilities;
  mode: "zookeeper" | "kraft";
  /** Keys the workload uses now (to find partition leaders). */
  keys(): Key[];
  /** Aborted when the main phase ends: a staged fault stops waiting for its next stage. */
  stopping?: AbortSignal;
}

export interface FaultFamily {
  /** The `--nemesis` name: partition, kill, pause, link. */
  readonly name: string;
  /** Target specs this family understands; the schedule picks one per start. */
  readonly targets: readonly string[];
  /** History `f` of the start and stop ops, e.g. "kill" / "restart". */
  readonly startF: string;
  readonly stopF: string;
  /** Is a fault of this family in force? */
  active(): boolean;
  /** Starts a fault; returns what was done to which nodes (the value of the completing op). */
  start(env: NemesisEnv, target: string, rng: Rng): Promise<Record<string, unknown>>;
  /** Undoes everything this family did. Idempotent. */
  stop(env: NemesisEnv): Promise<Record<string, unknown>>;
}
