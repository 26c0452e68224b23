// The nemesis contract: a fault family starts a fault on chosen targets and stops (heals) it.
// Families reach the cluster only through the capabilities they name (./capabilities.ts).
import type { Key } from "../core/history/op.ts";
import type { Rng } from "../core/rng.ts";
import type { Capability, ClusterNodes, FullCapabilities, MetadataMode } from "./capabilities.ts";

export interface NemesisEnv<C = FullCapabilities> {
  cluster: C & ClusterNodes;
  mode: MetadataMode;
  /** Keys the workload uses now (to find partition leaders). */
  keys(): Key[];
  /** Consumer groups and transactional ids the workload uses now (to find their coordinators). */
  coordinated?(): { groups: string[]; transactionalIds: string[] };
  /** Aborted when the main phase ends: a staged fault stops waiting for its next stage. */
  stopping?: AbortSignal;
}

export interface FaultFamily<C = FullCapabilities> {
  /** The `--nemesis` name: partition, kill, pause, link. */
  readonly name: string;
  /** Target specs this family understands; the schedule picks one per start. */
  readonly targets: readonly string[];
  /** The capabilities it uses; a deployment that lacks one is refused at config time. */
  readonly needs: readonly Capability[];
  /** History `f` of the start and stop ops, e.g. "kill" / "restart". */
  readonly startF: string;
  readonly stopF: string;
  /** Is a fault of this family in force? */
  active(): boolean;
  /** Starts a fault; returns what was done to which nodes (the value of the completing op). */
  start(env: NemesisEnv<C>, target: string, rng: Rng): Promise<Record<string, unknown>>;
  /** Undoes everything this family did (and nothing another family did). Idempotent. */
  stop(env: NemesisEnv<C>): Promise<Record<string, unknown>>;
}
