// What a nemesis may ask of the cluster under test: the capability protocols of core/cluster.ts
// (process, pause, network, links, leadership, upgrade). A deployment offers some of them and says which
// in `capabilities`; each fault family names the ones it uses (`needs`), and a family whose
// needs the deployment does not meet is refused before the cluster starts.
export { CAPABILITIES, type Capability } from "../core/faults.ts";
export {
  missingCapabilities,
  type ClockControl,
  type ClockReading,
  type ClockSetting,
  type ClusterNodes,
  type FullCapabilities,
  type Leadership,
  type DiskControl,
  type FileControl,
  type ElectionControl,
  type ElectionResult,
  type FailedLogDir,
  type FileDamage,
  type LogDirControl,
  type LinkControl,
  type MetadataMode,
  type NetworkControl,
  type PauseControl,
  type PodControl,
  type PodReplacement,
  type PowerControl,
  type PowerCut,
  type PartitionMove,
  type ReassignmentAnswer,
  type ReassignmentControl,
  type ReassignmentInProgress,
  type ProcessControl,
  type RestartControl,
  type UpgradeControl,
} from "../core/cluster.ts";
