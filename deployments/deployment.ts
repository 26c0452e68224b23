// The deployment seam: where the nodes of a cluster under test run, how they are started,
// stopped, reached and cleaned up. A deployment knows nothing of Kafka beyond what its broker
// product (../products/) tells it. Today: local Docker (./docker/). Kubernetes and remote hosts
// plug in here; each lists the powers it offers (`capabilities`, see nemeses/capabilities.ts),
// and the run refuses, before anything starts, a nemesis that needs a power it lacks.
import type { FullCapabilities, Isolation } from "../core/cluster.ts";
import type { Capability } from "../core/faults.ts";
import type { Key } from "../core/history/op.ts";
import type { TopicSpec } from "../clients/kafkajs/admin.ts";
import type { ClientHostLauncher } from "../clients/remote/remote.ts";
import type { ClusterOptions } from "../products/kafka/topology.ts";
import type { BrokerProduct } from "../products/product.ts";
import type { ProductSpec } from "../products/index.ts";

export interface ContainerNetwork {
  name: string;
  bootstrap: string[];
  labels: Record<string, string>;
}

/** Images (or other artifacts) a run uses, as recorded in test.json. */
export interface Artifacts {
  /** The image every node runs: Kafka's, or another product's (tansu). */
  kafka: string;
  toxiproxy: string;
  [other: string]: string;
}

/** Where a deployment reaches its cluster; each deployment reads what concerns it. */
export interface DeploymentSettings {
  /** Kubernetes: the kubeconfig file (default $KUBECONFIG, then the local cluster's). */
  kubeconfig?: string;
  /** Kubernetes: the namespace the run uses (default kc-<run id>, created and deleted by the run); with `attach`, the attached cluster's. */
  namespace?: string;
  /** Kubernetes: test a cluster that already runs, found by label selectors (deployments/kubernetes/attached.ts). */
  attach?: { brokers: string; quorum?: string; port: number; container?: string };
  /** Kubernetes: where the workload's clients run: in pods of the run (`pod`), or in the harness's process (`host`, the one-node cluster only). */
  clientsIn?: "host" | "pod";
  /** Kubernetes, `clientsIn` pod: how many client pods (spread over the Kubernetes nodes); default 1. */
  clientPods?: number;
}

export interface DeploymentStartOptions {
  /** Labels every resource of the run; leftovers are found by it. */
  runId: string;
  /** The run directory: node logs and generated configs go to nodes/<node>/. */
  runDir: string;
  options: ClusterOptions;
  product: BrokerProduct;
  /** Seconds a node may take to become ready. */
  readyTimeoutSeconds?: number;
  settings?: DeploymentSettings;
}

/** A running cluster: addresses for clients, topic set-up, the fault powers, teardown. */
export interface StartedCluster extends FullCapabilities, AsyncDisposable {
  readonly runId: string;
  readonly product: BrokerProduct;
  /** Addresses clients bootstrap from (each broker's proxy). */
  readonly bootstrap: string[];
  /**
   * Where a container of the user's own (an application under test) joins the run: the Docker
   * network, the brokers' addresses on it (through their proxies, so link faults reach it too),
   * and the labels that make it the run's (removed with it). Local Docker with Apache Kafka only.
   */
  readonly containerNetwork?: ContainerNetwork;
  createTopics(topics: TopicSpec[], timeoutMs?: number): Promise<void>;
  /**
   * Log end offsets of keys, from the cluster (final reads stop at a truncated log's end): the
   * high watermark, or with `read_committed` the last stable offset.
   */
  endOffsets(keys: Key[], isolation?: Isolation): Promise<Map<Key, number>>;
  /** Last log lines of a node (for error messages). */
  tail(node: string, n?: number): string[];
  /** A broker's log segments of one partition, dumped by Kafka's DumpLogSegments (INVALID runs keep them). */
  dumpSegments?(node: string, topic: string, partition: number): Promise<string>;

  /**
   * The cluster outlives the run (an attached one): the run names its topics for itself, and
   * the cluster deletes them when it stops, so that it is left as it was found.
   */
  readonly persistent?: boolean;
  /**
   * Where the workload's clients run when not in the harness's process (Kubernetes,
   * `--clients-in pod`): one launcher per pod, each starts a client host there (clients/remote/).
   */
  readonly clientHosts?: readonly ClientHostLauncher[];
  /** Where the cluster runs, for test.json (Kubernetes: version, nodes, namespace, pods). */
  readonly info?: Record<string, unknown>;

  /** Removes every resource of the run. Idempotent. */
  stop(): Promise<void>;
}

export interface Deployment {
  /** The `--deployment` name. */
  readonly name: string;
  readonly description: string;
  /** Powers its clusters offer to nemeses. */
  readonly capabilities: readonly Capability[];
  /** The powers for these settings, where they differ (Kubernetes: fewer on an attached cluster). */
  capabilitiesFor?(settings?: DeploymentSettings): readonly Capability[];
  /** Fails with an actionable error when it cannot run here; removes leftovers of crashed runs (returned). */
  preflight(settings?: DeploymentSettings): Promise<string[]>;
  /** Builds or finds what the nodes run (images), given the version and any images asked for. */
  prepare(o: {
    kafkaVersion: string;
    images: { kafka?: string; toxiproxy?: string };
    upgradeTo?: string;
    product?: ProductSpec;
    settings?: DeploymentSettings;
    /** The client library in use (its package directory): the clients image carries it when clients run in the cluster. */
    client?: { name: string; version: string; dir: string };
  }): Promise<Artifacts>;
  /** Starts a cluster and waits until it is ready; on failure removes what it created. */
  start(o: DeploymentStartOptions & { artifacts: Artifacts }): Promise<StartedCluster>;
}
