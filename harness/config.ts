// The test description: one serializable value, resolved from CLI flags and presets, saved as
// test.json before the run starts. Live handles (Docker, clients) never go in here.
import { validateApplication, type Application, type ApplicationImage, type ContainerStats } from "../workloads/application/index.ts";
import type { Delivery } from "../checkers/application.ts";
import { KcError } from "../core/errors.ts";
import { compareVersions } from "../core/versions.ts";
import type { Acks, ClientName, ConsumerSettings, ProducerSettings } from "../clients/settings.ts";
import { assertModeSupported, DEFAULT_KAFKA_VERSION, KAFKA_LINES, kafkaLine, TESTED_VERSIONS } from "../products/kafka/versions.ts";
import type { ClusterOptions, Mode } from "../products/kafka/topology.ts";
import { CLIENT_NAMES, CLIENT_PACKAGES, parseClientSpec } from "../clients/index.ts";
import { DEPLOYMENTS } from "../deployments/index.ts";
import type { DeploymentSettings } from "../deployments/deployment.ts";
import { isTansuStorage, parseProductSpec, type ProductSpec } from "../products/index.ts";
import { TANSU_STORAGES } from "../products/tansu/index.ts";

const DEPLOYMENT_NAMES = Object.keys(DEPLOYMENTS);

export type { Acks, ClientName, ConsumerSettings, ProducerSettings } from "../clients/settings.ts";
export type { WorkloadName } from "../workloads/index.ts";
import type { WorkloadConfig, WorkloadName } from "../workloads/index.ts";

export interface TestConfig {
  name: string;
  seed: number;
  /** The command line as typed. */
  command: string;
  startedAt: string;
  preset?: string;
  /** Where the nodes run (deployments/): "docker" or "kubernetes". */
  deployment: string;
  /** --deployment kubernetes: the kubeconfig and namespace given (absent: $KUBECONFIG or the local cluster's, and kc-<run id>). */
  kubernetes?: { kubeconfig?: string; namespace?: string; clientPods?: number; attach?: { brokers: string; quorum?: string; port: number; container?: string } };
  /** Where the cluster ran, as the deployment reported it (Kubernetes: version, nodes, namespace, pods); set once it started. */
  deploymentInfo?: Record<string, unknown>;
  /** `upgradeTo`: a rolling upgrade (or downgrade) to that release during the run (nemeses/upgrade.ts). */
  kafka: { version: string; mode: Mode; upgradeTo?: string };
  /**
   * A broker product other than Apache Kafka (`--product tansu`); `kafka` then says nothing about
   * the nodes. Absent: Apache Kafka as `kafka` says.
   */
  product?: ProductSpec;
  /** The cluster's shape; mode and version live in `kafka`. */
  cluster: Omit<ClusterOptions, "mode" | "kafkaVersion">;
  /** The images the nodes ran: `kafka` (or the product's name, e.g. `tansu`) and `toxiproxy`. */
  images: { kafka?: string; toxiproxy?: string; tansu?: string };
  client: ClientName;
  /**
   * Where the workload's clients run: `host`, in the harness's own process; `process`, in a child
   * process of the harness on this machine (clients/remote/local.ts), so that a client that dies
   * (a native assertion in librdkafka) leaves `info` ops and a new process, not a dead harness;
   * `pod`, in pods of a Kubernetes run. Default: `process` for confluent on docker, else `host`.
   */
  clientsIn?: "host" | "process" | "pod";
  /** The client library's release: given as --client NAME@VERSION, else the bundled one (recorded once loaded). */
  clientVersion?: string;
  producer: ProducerSettings;
  consumer: ConsumerSettings;
  /** What the clients do (workloads/index.ts), and `subscribe`, read by the checkers to decide the mode (design.md). */
  workload: WorkloadConfig["workload"] & { subscribe: boolean };
  concurrency: number;
  /** History processes per producer (clients/sharing.ts): K sends in flight on one producer; 1: one each. */
  processesPerClient: number;
  /** Target ops/s over all processes (0: as fast as they go). */
  rate: number;
  timeLimitSeconds: number;
  recoverySeconds: number;
  finalTimeLimitSeconds: number;
  nemesis: {
    faults: string[];
    intervalSeconds: number;
    /** Seconds without faults at the start of the main phase. */
    quietSeconds: number;
    /** Restrict targets (e.g. "leader", "minority", "one"); empty: each fault's defaults. */
    targets: string[];
    /** Composite schedule: fault-free seconds between periods of several families at once. */
    stableSeconds?: number;
    /** Record the cluster's view of the active keys' partitions after each fault starts or stops (debug-topic-partitions). */
    debugPartitions: boolean;
  };
  store: string;
  /** How the checkers judge (checkers/modes.ts): `wwDeps`, Jepsen's :ww-deps (--ww-deps). */
  checker?: { wwDeps?: boolean };
  /** Set on each run of a differential run (`--clients`): one seeded plan through several clients in a row. */
  differential?: { id: string; clients: string[] };
  /** Application mode (library only: runTest(spec, { application })): what the application under test was, without its code. */
  application?: Omit<Application, "start"> & {
    /** A container application's instances, the run's kills of it, its own crashes and dropped protocol lines. */
    containerStats?: ContainerStats;
  };
}

/** The defaults: a 60 s queue test against 3 ZooKeeper nodes + 3 brokers, no faults. */
export function defaultConfig(): TestConfig {
  return {
    name: "queue",
    seed: 0,
    command: "",
    startedAt: "",
    deployment: "docker",
    kafka: { version: DEFAULT_KAFKA_VERSION, mode: "zookeeper", upgradeTo: undefined },
    cluster: { brokers: 3, zookeepers: 3, controllers: 3, combined: false, brokerConfig: {}, javaOpts: "-Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" },
    images: {},
    client: "kafkajs",
    clientVersion: undefined,
    producer: { acks: "all", idempotent: false, retries: 5, maxInFlight: 1, requestTimeoutMs: 10_000 },
    consumer: { isolation: "read_committed", mode: "assign", autoCommit: false, pollMs: 1000 },
    workload: { name: "queue", subscribe: false, txn: false, topics: 4, partitions: 2, replicationFactor: 3, topicConfig: {}, activeKeys: 4, sendsPerKey: 150, abortP: 0.1, maxTxnLength: 4, crashP: 0.001, resubscribeP: 1 / 64, pollUnseen: false },
    concurrency: 8,
    processesPerClient: 1,
    rate: 100,
    timeLimitSeconds: 60,
    recoverySeconds: 10,
    finalTimeLimitSeconds: 60,
    nemesis: { faults: [], intervalSeconds: 15, quietSeconds: 5, targets: [], debugPartitions: false },
    store: "store",
    differential: undefined,
  };
}

// --- flags ------------------------------------------------------------------------------

type Setter = (c: TestConfig, v: string) => void;
interface Flag {
  help: string;
  /** Valid values, listed in errors and --help. */
  choices?: readonly string[];
  boolean?: boolean;
  repeatable?: boolean;
  set: Setter;
}

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badFlag(name, v, `an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}`);
  return n;
};
const num = (name: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw badFlag(name, v, `a number >= ${min}`);
  return n;
};
const probability = (name: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw badFlag(name, v, "a probability from 0 to 1");
  return n;
};
const bool = (name: string) => (v: string): boolean => {
  if (v === "true" || v === "") return true;
  if (v === "false") return false;
  throw badFlag(name, v, "true or false");
};

export function badFlag(name: string, value: string, expected: string): KcError {
  return new KcError("KC_BAD_FLAG", `--${name} ${JSON.stringify(value)} is not valid: expected ${expected}`, { hint: "see `npm run chaos -- --help`" });
}

/** A repeatable `key=value` flag that fills the map `into` picks from the config. */
function keyValueFlag(name: string, help: string, into: (c: TestConfig) => Record<string, string>) {
  return {
    help,
    repeatable: true,
    set: (c: TestConfig, v: string) => {
      const eq = v.indexOf("=");
      if (eq <= 0) throw badFlag(name, v, "key=value, e.g. min.insync.replicas=1");
      into(c)[v.slice(0, eq)] = v.slice(eq + 1);
    },
  };
}

/** Application mode from the command line: a container application, its topics and group named for it unless given. */
export const APP_FLAG_DEFAULTS = { input: "kc-app-in", output: "kc-app-out", groupId: "kc-app" };
function appOf(c: TestConfig): NonNullable<TestConfig["application"]> {
  c.application ??= { ...APP_FLAG_DEFAULTS };
  return c.application;
}
const containerOf = (c: TestConfig): ApplicationImage => {
  const a = appOf(c);
  a.container ??= { image: "" };
  return a.container;
};

export const NEMESIS_FAULTS = ["none", "partition", "kill", "pause", "link", "peer-link", "lone-leader", "upgrade", "corrupt", "disk", "power", "clock", "log-dir", "elect", "reassign", "membership", "rolling-restart", "bounce", "pod-delete"] as const;

export const FLAGS: Record<string, Flag> = {
  deployment: { help: "where the nodes run", choices: DEPLOYMENT_NAMES, set: (c, v) => (c.deployment = v) },
  kubeconfig: {
    help: "--deployment kubernetes: the kubeconfig file (default: $KUBECONFIG, then the local cluster of `npm run k8s:up`)",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, kubeconfig: v }),
  },
  namespace: {
    help: "--deployment kubernetes: the namespace to run in (default: kc-<run id>, created and deleted by the run; an existing one is kept, only the run's objects are removed)",
    set: (c, v) => {
      if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v)) throw badFlag("namespace", v, "a Kubernetes namespace name: lowercase letters, digits and '-', at most 63");
      c.kubernetes = { ...c.kubernetes, namespace: v };
    },
  },
  attach: {
    help: "--deployment kubernetes: test a cluster that already runs in --namespace, found by --broker-selector (the harness deploys only its fault agent)",
    boolean: true,
    set: (c, v) => {
      if (!bool("attach")(v)) return;
      c.kubernetes = { ...c.kubernetes, attach: { brokers: "", port: 9092, ...c.kubernetes?.attach } };
    },
  },
  "clients-in": {
    help: "where the workload's clients run: host (in the harness's process), process (in a child process of the harness, so a client that crashes, as librdkafka's assertions do, is recorded and replaced instead of ending the run; the default for confluent on docker) or pod (--deployment kubernetes: in a pod of the run, reaching the brokers from inside the cluster; needed past one machine)",
    choices: ["host", "process", "pod"],
    set: (c, v) => {
      c.clientsIn = v as "host" | "process" | "pod";
    },
  },
  "client-pods": {
    help: "--clients-in pod: how many pods run the clients (process p runs in pod p mod N), spread over the Kubernetes nodes; default 1",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, clientPods: int("client-pods", 1, 16)(v) }),
  },
  "broker-selector": {
    help: "--attach: label selector of the broker pods, e.g. app=kafka or strimzi.io/broker-role=true",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, attach: { port: 9092, ...c.kubernetes?.attach, brokers: v } }),
  },
  "quorum-selector": {
    help: "--attach: label selector of the ZooKeeper or KRaft controller pods, when they are separate (targets of `quorum`)",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, attach: { brokers: "", port: 9092, ...c.kubernetes?.attach, quorum: v } }),
  },
  "broker-port": {
    help: "--attach: the port clients bootstrap from on each broker pod's address",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, attach: { brokers: "", ...c.kubernetes?.attach, port: int("broker-port", 1, 65535)(v) } }),
  },
  container: {
    help: "--attach: the container of each pod that runs the node (default: the pod's first)",
    set: (c, v) => (c.kubernetes = { ...c.kubernetes, attach: { brokers: "", port: 9092, ...c.kubernetes?.attach, container: v } }),
  },
  workload: { help: "what the clients do", choices: ["queue", "txn"], set: (c, v) => { c.workload.name = v as WorkloadName; c.workload.txn = v === "txn"; } },
  client: {
    help: `Kafka client library, NAME or NAME@VERSION (${CLIENT_NAMES.map((n) => `${n} from ${CLIENT_PACKAGES[n].floor}`).join(", ")}; other versions are installed on demand into the cache)`,
    set: (c, v) => {
      const spec = parseClientSpec(v, CLIENT_NAMES);
      c.client = spec.name;
      c.clientVersion = spec.version;
    },
  },
  concurrency: { help: "client processes", set: (c, v) => (c.concurrency = int("concurrency", 1, 256)(v)) },
  "processes-per-client": {
    help: "history processes sharing one producer (each still one op in flight): K concurrent sends on one client; queue workload",
    set: (c, v) => (c.processesPerClient = int("processes-per-client", 1, 256)(v)),
  },
  rate: { help: "target ops/s over all processes (0: unlimited)", set: (c, v) => (c.rate = num("rate", 0)(v)) },
  "time-limit": { help: "seconds of the main phase", set: (c, v) => (c.timeLimitSeconds = num("time-limit", 1)(v)) },
  "recovery-time": { help: "seconds to wait after healing before final reads", set: (c, v) => (c.recoverySeconds = num("recovery-time", 0)(v)) },
  "final-time-limit": { help: "cap in seconds on the final reads", set: (c, v) => (c.finalTimeLimitSeconds = num("final-time-limit", 1)(v)) },
  seed: { help: "seed of every random choice (default: random, printed)", set: (c, v) => (c.seed = int("seed", 0)(v)) },
  "kafka-version": {
    help: `Apache Kafka release X.Y.Z, ${KAFKA_LINES[0].line} to 4.x, image built on demand; tested: ${TESTED_VERSIONS.map((t) => `${t.version} (${t.modes.join("+")}, ${t.date})`).join(", ")}`,
    set: (c, v) => {
      kafkaLine(v);
      c.kafka.version = v;
    },
  },
  product: {
    help: "the broker product: kafka (Apache Kafka, --kafka-version) or tansu[@VERSION] (brokers in Rust sharing PostgreSQL; built with cargo on first use, about 12 min; queue workload, no idempotence)",
    set: (c, v) => {
      const spec = parseProductSpec(v, c.product?.storage);
      if (!spec && c.product) throw new KcError("KC_BAD_FLAG", "--storage is tansu's, and --product says kafka", { hint: "drop --storage, or use --product tansu" });
      c.product = spec;
    },
  },
  storage: {
    help: "tansu's storage: postgres (shared by every broker), or sqlite/memory (one broker only)",
    choices: TANSU_STORAGES,
    set: (c, v) => {
      if (!isTansuStorage(v)) throw badFlag("storage", v, TANSU_STORAGES.join(", "));
      // Only tansu has a storage to choose: --storage alone means tansu at its default release.
      c.product = { ...(c.product ?? (parseProductSpec("tansu") as ProductSpec)), storage: v };
    },
  },
  mode: { help: "cluster metadata mode", choices: ["zookeeper", "kraft"], set: (c, v) => (c.kafka.mode = v as Mode) },
  "upgrade-to": {
    help: "a rolling upgrade (or downgrade) to this release under load: one node at a time, clean shutdown, same data; then the protocol is raised (adds the upgrade nemesis)",
    set: (c, v) => {
      kafkaLine(v);
      c.kafka.upgradeTo = v;
    },
  },
  brokers: { help: "number of brokers", set: (c, v) => (c.cluster.brokers = int("brokers", 1, 9)(v)) },
  zookeepers: { help: "ZooKeeper nodes (zookeeper mode)", choices: ["1", "3"], set: (c, v) => (c.cluster.zookeepers = Number(v)) },
  controllers: { help: "dedicated KRaft controllers", set: (c, v) => (c.cluster.controllers = int("controllers", 1, 5)(v)) },
  combined: { help: "KRaft: every broker is also a controller", boolean: true, set: (c, v) => (c.cluster.combined = bool("combined")(v)) },
  "app-image": {
    help: "application mode: test your own service, an image built on this machine, in place of the workload. It runs on the run's network with the brokers in $KC_BOOTSTRAP, its topics in $KC_INPUT and $KC_OUTPUT, its group in $KC_GROUP, and reports its ops on stdout (README: Testing your own application)",
    set: (c, v) => (containerOf(c).image = v),
  },
  "app-input": { help: "--app-image: the topic the harness feeds and the service reads [kc-app-in]", set: (c, v) => (appOf(c).input = v) },
  "app-output": { help: "--app-image: the topic the service writes [kc-app-out]", set: (c, v) => (appOf(c).output = v) },
  "app-group": { help: "--app-image: the service's consumer group [kc-app]", set: (c, v) => (appOf(c).groupId = v) },
  "app-delivery": { help: "--app-image: what the service promises: a second output of one input counts as an anomaly with exactly-once [at-least-once]", choices: ["at-least-once", "exactly-once"], set: (c, v) => (appOf(c).delivery = v as Delivery) },
  "app-rate": { help: "--app-image: inputs fed per second [20]", set: (c, v) => (appOf(c).rate = int("app-rate", 1, 100_000)(v)) },
  "app-partitions": { help: "--app-image: partitions of the input topic (and the output's) [3]", set: (c, v) => (appOf(c).partitions = int("app-partitions", 1, 1000)(v)) },
  "app-drain": { help: "--app-image: seconds the service runs on after the heal, to catch up [20]", set: (c, v) => (appOf(c).drainSeconds = int("app-drain", 1, 3600)(v)) },
  "app-kill-every": { help: "--app-image: SIGKILL the service every N seconds of the main phase; a new instance starts as a supervisor would", set: (c, v) => (containerOf(c).killEverySeconds = int("app-kill-every", 2, 3600)(v)) },
  "app-env": keyValueFlag("app-env", "--app-image: environment for the service key=value (repeatable)", (c) => (containerOf(c).env ??= {})),
  "broker-config": keyValueFlag("broker-config", "broker config override key=value (repeatable)", (c) => c.cluster.brokerConfig),
  "topic-config": keyValueFlag(
    "topic-config",
    "config of the test topics key=value (repeatable); in KRaft mode the way to reach the controllers, e.g. unclean.leader.election.enable=true",
    (c) => c.workload.topicConfig,
  ),
  "data-disk-mb": {
    help: "brokers keep their data on a filesystem of this many MiB of their own (the disk nemesis fills it; default 256 with it)",
    set: (c, v) => (c.cluster.dataDiskMb = int("data-disk-mb", 16, 1 << 20)(v)),
  },
  lazyfs: {
    help: "every node keeps its data dir on kc-lazyfs, which loses writes never fsynced on a power cut (the power nemesis sets it; alone, it measures the layer's cost)",
    boolean: true,
    set: (c, v) => (c.cluster.lazyfs = bool("lazyfs")(v)),
  },
  "log-dirs": {
    help: "brokers keep their partitions in this many log dirs of their own (the log-dir nemesis fails one; default 2 with it, else 1)",
    set: (c, v) => (c.cluster.logDirs = int("log-dirs", 1, 8)(v)),
  },
  "clock-layer": {
    help: "every node's processes read the wall clock through kc-clock, an LD_PRELOAD library the clock nemesis moves (the clock nemesis sets it; alone, it measures the layer's cost)",
    boolean: true,
    set: (c, v) => (c.cluster.clockLayer = bool("clock-layer")(v)),
  },
  "java-opts": { help: "JVM options for every node", set: (c, v) => (c.cluster.javaOpts = v) },
  "kafka-image": { help: "use this image for Kafka/ZooKeeper (e.g. apache/kafka:3.9.1)", set: (c, v) => (c.images.kafka = v) },
  "toxiproxy-image": { help: "use this Toxiproxy image", set: (c, v) => (c.images.toxiproxy = v) },
  acks: { help: "producer acks", choices: ["all", "1", "0"], set: (c, v) => (c.producer.acks = v as Acks) },
  idempotent: { help: "idempotent producer", boolean: true, set: (c, v) => (c.producer.idempotent = bool("idempotent")(v)) },
  retries: { help: "producer retries", set: (c, v) => (c.producer.retries = int("retries", 0, 1000)(v)) },
  "max-in-flight": { help: "producer max in-flight requests", set: (c, v) => (c.producer.maxInFlight = int("max-in-flight", 1, 5)(v)) },
  "request-timeout": { help: "producer request timeout (ms)", set: (c, v) => (c.producer.requestTimeoutMs = int("request-timeout", 100)(v)) },
  isolation: { help: "consumer isolation level", choices: ["read_committed", "read_uncommitted"], set: (c, v) => (c.consumer.isolation = v as ConsumerSettings["isolation"]) },
  "consumer-mode": {
    help: "consumer assignment; assign,subscribe: each assign/subscribe op picks one (Jepsen's --sub-via), and the checker judges as under subscribe",
    choices: ["assign", "subscribe", "assign,subscribe"],
    set: (c, v) => {
      c.consumer.mode = v as ConsumerSettings["mode"];
      c.workload.subscribe = v !== "assign";
    },
  },
  "auto-commit": { help: "consumer auto-commit", boolean: true, set: (c, v) => (c.consumer.autoCommit = bool("auto-commit")(v)) },
  "ww-deps": {
    help: "checker: G1c as Jepsen's :ww-deps has it (cycles of write-write and write-read edges, judged as G0 is); off: write-read cycles only, which always count",
    boolean: true,
    set: (c, v) => (c.checker = { ...c.checker, wwDeps: bool("ww-deps")(v) }),
  },
  "poll-ms": { help: "how long a poll waits for records (ms)", set: (c, v) => (c.consumer.pollMs = int("poll-ms", 1, 600_000)(v)) },
  "active-keys": { help: "keys written at once; a key retires after --sends-per-key sends and a new one takes its place", set: (c, v) => (c.workload.activeKeys = int("active-keys", 1, 10_000)(v)) },
  "sends-per-key": { help: "sends to a key before it retires", set: (c, v) => (c.workload.sendsPerKey = int("sends-per-key", 1)(v)) },
  "abort-p": { help: "txn: probability that a transaction aborts on purpose (after a random number of its micro-ops)", set: (c, v) => (c.workload.abortP = probability("abort-p")(v)) },
  "max-txn-length": { help: "txn: most micro-ops (polls and sends, in any mix) in one transaction (Jepsen's --max-txn-length)", set: (c, v) => (c.workload.maxTxnLength = int("max-txn-length", 1, 100)(v)) },
  "crash-p": { help: "probability that an op is a client crash (the worker goes on as a new process with a fresh client)", set: (c, v) => (c.workload.crashP = probability("crash-p")(v)) },
  "poll-unseen": {
    help: "Jepsen's poll-unseen: a third of the assigns/subscribes also take every key with an acknowledged send that no poll has read yet, and name them on the op (unseen)",
    boolean: true,
    set: (c, v) => (c.workload.pollUnseen = bool("poll-unseen")(v)),
  },
  "subscribe-p": { help: "probability that an op re-assigns or re-subscribes to a random subset of the active keys", set: (c, v) => (c.workload.resubscribeP = probability("subscribe-p")(v)) },
  topics: { help: "test topics", set: (c, v) => (c.workload.topics = int("topics", 1, 100)(v)) },
  partitions: { help: "partitions per topic", set: (c, v) => (c.workload.partitions = int("partitions", 1, 100)(v)) },
  "replication-factor": { help: "replication factor of test topics", set: (c, v) => (c.workload.replicationFactor = int("replication-factor", 1, 9)(v)) },
  nemesis: {
    help: `faults, comma separated: ${NEMESIS_FAULTS.join(", ")}`,
    set: (c, v) => {
      const faults = v.split(",").map((s) => s.trim()).filter(Boolean);
      for (const f of faults) if (!(NEMESIS_FAULTS as readonly string[]).includes(f)) throw badFlag("nemesis", f, `one or more of ${NEMESIS_FAULTS.join(", ")}`);
      c.nemesis.faults = faults.filter((f) => f !== "none");
    },
  },
  "nemesis-interval": { help: "mean seconds between fault changes", set: (c, v) => (c.nemesis.intervalSeconds = num("nemesis-interval", 1)(v)) },
  "nemesis-targets": { help: "fault targets, comma separated (one, minority, majority, all, leader, controller, quorum, group-coordinator, txn-coordinator, txn-leader-not-coordinator, ...; see README, Nemeses)", set: (c, v) => (c.nemesis.targets = v.split(",").filter(Boolean)) },
  "stable-time": {
    help: "composite schedule: each period starts a random subset of the --nemesis families together (each on a random target), holds them about --nemesis-interval seconds, stops them all, then keeps this many fault-free seconds",
    set: (c, v) => (c.nemesis.stableSeconds = num("stable-time", 0)(v)),
  },
  "quiet-time": { help: "fault-free seconds at the start", set: (c, v) => (c.nemesis.quietSeconds = num("quiet-time", 0)(v)) },
  "debug-partitions": {
    help: "after each fault starts or stops, and once healed, record every broker's view of the active keys' partitions (leader, ISR, replicas) and their log ends, as debug-topic-partitions ops",
    boolean: true,
    set: (c, v) => (c.nemesis.debugPartitions = bool("debug-partitions")(v)),
  },
  store: { help: "directory of run directories", set: (c, v) => (c.store = v) },
  name: { help: "test name (default: workload and faults)", set: (c, v) => (c.name = v) },
};

/** Parses `--flag value`, `--flag=value` and boolean `--flag`/`--no-flag` into a config. */
export function parseRunFlags(argv: string[], base: TestConfig = defaultConfig()): { config: TestConfig; seedGiven: boolean; nameGiven: boolean } {
  const c = structuredClone(base);
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new KcError("KC_BAD_FLAG", `unexpected argument ${JSON.stringify(arg)}`, { hint: "flags start with --; see `npm run chaos -- --help`" });
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let negated = false;
    if (!FLAGS[name] && name.startsWith("no-") && FLAGS[name.slice(3)]?.boolean) {
      name = name.slice(3);
      negated = true;
    }
    const flag = FLAGS[name];
    if (!flag) {
      const close = Object.keys(FLAGS).filter((k) => k.includes(name) || name.includes(k));
      throw new KcError("KC_BAD_FLAG", `unknown flag --${name}`, { hint: close.length ? `did you mean ${close.map((k) => `--${k}`).join(" or ")}?` : "see `npm run chaos -- --help`" });
    }
    if (negated) value = "false";
    else if (value === undefined) {
      if (flag.boolean && (argv[i + 1] === undefined || argv[i + 1].startsWith("--") || !["true", "false"].includes(argv[i + 1]))) value = "true";
      else {
        value = argv[++i];
        if (value === undefined) throw new KcError("KC_BAD_FLAG", `--${name} needs a value`, { hint: flag.choices ? `one of ${flag.choices.join(", ")}` : flag.help });
      }
    }
    if (flag.choices && !flag.choices.includes(value)) throw badFlag(name, value, `one of ${flag.choices.join(", ")}`);
    if (seen.has(name) && !flag.repeatable) throw new KcError("KC_BAD_FLAG", `--${name} given twice`, { hint: "give each flag once (only --broker-config, --topic-config and --app-env repeat)" });
    seen.add(name);
    flag.set(c, value);
  }
  return { config: c, seedGiven: seen.has("seed"), nameGiven: seen.has("name") };
}

/** Cross-flag checks, after presets and flags are merged. */
/** What the deployment is told: the Kubernetes settings, and on Kubernetes where the clients run (pod, or host: this process). */
export function deploymentSettings(c: TestConfig): DeploymentSettings | undefined {
  if (c.deployment !== "kubernetes") return c.kubernetes;
  return { ...c.kubernetes, clientsIn: c.clientsIn === "pod" ? "pod" : "host" };
}

export function validateConfig(c: TestConfig): void {
  if (c.application) {
    if (!c.application.container?.image) throw new KcError("KC_BAD_FLAG", "--app-input, --app-output, --app-group and the other --app-* flags need --app-image", { hint: "give the image of your service: --app-image my-service:test (built on this machine)" });
    validateApplication(c.application);
  }
  if ((c.kubernetes || c.clientsIn === "pod") && c.deployment !== "kubernetes") {
    throw new KcError("KC_BAD_FLAG", `--kubeconfig, --namespace, --clients-in pod, --client-pods and --attach are for --deployment kubernetes (this run's is ${c.deployment})`, { hint: "add --deployment kubernetes, or drop them" });
  }
  const attach = c.kubernetes?.attach;
  if (attach) {
    if (!attach.brokers) throw new KcError("KC_BAD_FLAG", "--attach needs --broker-selector: the labels of the cluster's broker pods", { hint: "e.g. --broker-selector app=kafka (kubectl get pods --show-labels lists them)" });
    if (!c.kubernetes?.namespace) throw new KcError("KC_BAD_FLAG", "--attach needs --namespace: the namespace the cluster runs in", { hint: "e.g. --namespace kafka" });
    if (c.product) throw new KcError("KC_BAD_FLAG", "--attach tests the cluster that runs; --product says which one to deploy", { hint: "drop --product" });
  }
  if (c.clientsIn === "process" && c.client === "java") {
    throw new KcError("KC_BAD_FLAG", "--clients-in process is for the Node clients: the java client already runs in a JVM of its own (its sidecar)", { hint: "drop --clients-in, or use --client kafkajs or confluent" });
  }
  // librdkafka aborts the process on a failed assertion (docs/findings/2026-12-05-librdkafka-double-fetch-stop).
  c.clientsIn ??= c.client === "confluent" && c.deployment === "docker" && !c.application ? "process" : "host";
  if (c.kubernetes?.clientPods !== undefined && c.clientsIn !== "pod") {
    throw new KcError("KC_BAD_FLAG", "--client-pods is for --clients-in pod", { hint: "add --clients-in pod, or drop --client-pods" });
  }
  if (c.product) validateProduct(c, c.product);
  if (c.nemesis.faults.includes("disk")) c.cluster.dataDiskMb ??= 256;
  if (c.cluster.dataDiskMb && c.kubernetes?.attach) {
    throw new KcError("KC_BAD_FLAG", "--data-disk-mb (and the disk nemesis) need the harness to deploy the cluster: it puts each broker's data on a filesystem of that size", { hint: "drop --attach, or use --deployment docker for disk faults" });
  }
  if (c.deployment === "kubernetes" && c.nemesis.faults.includes("peer-link") && c.nemesis.faults.includes("pod-delete")) {
    throw new KcError("KC_BAD_FLAG", "the peer-link nemesis routes a link through rules in a pod's network namespace and to the other pod's address, which a deleted pod's replacement does not keep", { hint: "run the peer-link and pod-delete nemeses in separate runs" });
  }
  if (c.cluster.dataDiskMb && c.deployment === "kubernetes" && c.nemesis.faults.includes("pod-delete")) {
    throw new KcError("KC_BAD_FLAG", "--data-disk-mb (set by the disk nemesis) puts each broker's data on a memory-backed emptyDir on Kubernetes, which a deleted pod's replacement would not have: pod-delete would then wipe a broker, not restart it", { hint: "run the disk and pod-delete nemeses in separate runs" });
  }
  if (c.nemesis.faults.includes("power")) {
    if (c.cluster.lazyfs === false) throw new KcError("KC_BAD_FLAG", "the power nemesis needs the nodes' data on kc-lazyfs, and --no-lazyfs turns it off", { hint: "drop --no-lazyfs" });
    c.cluster.lazyfs = true;
  }
  if (c.nemesis.faults.includes("log-dir")) {
    if (c.cluster.lazyfs === false) throw new KcError("KC_BAD_FLAG", "the log-dir nemesis fails a log dir through kc-lazyfs, and --no-lazyfs turns it off", { hint: "drop --no-lazyfs" });
    c.cluster.lazyfs = true;
    c.cluster.logDirs ??= 2;
    if (c.cluster.logDirs < 2) throw new KcError("KC_BAD_FLAG", `the log-dir nemesis needs brokers with at least two log dirs (got --log-dirs ${c.cluster.logDirs}): a broker whose only log dir fails shuts down`, { hint: "drop --log-dirs, or give --log-dirs 2; the disk nemesis shows a broker's only dir failing" });
  }
  if ((c.cluster.logDirs ?? 1) > 1 && c.kafka.mode === "kraft" && compareVersions(c.kafka.version, "3.7.0") < 0) {
    throw new KcError("KC_BAD_FLAG", `--log-dirs ${c.cluster.logDirs} in KRaft mode needs Kafka 3.7 or later (JBOD came to KRaft in 3.7), not ${c.kafka.version}`, { hint: "use --mode zookeeper, or --kafka-version 3.9.1" });
  }
  if (c.cluster.lazyfs && c.kubernetes?.attach) {
    throw new KcError("KC_BAD_FLAG", "--lazyfs (and the power nemesis) need the harness to deploy the cluster: an attached one's data dirs are not on kc-lazyfs", { hint: "drop --attach, or use another nemesis (kill keeps the page cache; pod-delete restarts a pod)" });
  }
  if (c.nemesis.faults.includes("clock")) {
    if (c.cluster.clockLayer === false) throw new KcError("KC_BAD_FLAG", "the clock nemesis moves the nodes' clocks through kc-clock, and --no-clock-layer turns it off", { hint: "drop --no-clock-layer" });
    c.cluster.clockLayer = true;
  }
  if (c.cluster.clockLayer && c.kubernetes?.attach) {
    throw new KcError("KC_BAD_FLAG", "--clock-layer (and the clock nemesis) need the harness to deploy the cluster: an attached cluster's processes do not load kc-clock", { hint: "drop --attach, or use --deployment docker for clock faults" });
  }
  if (c.kafka.upgradeTo) {
    assertModeSupported(c.kafka.upgradeTo, c.kafka.mode);
    if (!c.nemesis.faults.includes("upgrade")) c.nemesis.faults.push("upgrade");
    const down = compareVersions(c.kafka.upgradeTo, c.kafka.version) < 0;
    if (down && c.kafka.mode === "kraft") {
      throw new KcError("KC_BAD_FLAG", `--upgrade-to ${c.kafka.upgradeTo} is a downgrade of a KRaft cluster, which the upgrade nemesis does not do`, {
        hint: "a KRaft cluster's metadata.version must first be lowered to one the older release supports; use ZooKeeper mode for downgrades, or upgrade instead",
      });
    }
    // Kafka's upgrade notes: the brokers speak the older release's protocol until every one runs the newer.
    if (c.kafka.mode === "zookeeper") c.cluster.brokerConfig["inter.broker.protocol.version"] ??= (down ? c.kafka.upgradeTo : c.kafka.version).split(".").slice(0, 2).join(".");
  } else if (c.nemesis.faults.includes("upgrade")) {
    throw new KcError("KC_BAD_FLAG", "the upgrade nemesis needs --upgrade-to VERSION", { hint: `e.g. --upgrade-to ${DEFAULT_KAFKA_VERSION}` });
  }
  // A client name the registry knows, and a release format and floor its adapter supports.
  parseClientSpec(c.clientVersion ? `${c.client}@${c.clientVersion}` : c.client, CLIENT_NAMES);
  // Known release line, and a mode it offers (or a KcError that says why and what works).
  if (!c.images.kafka && !c.product) assertModeSupported(c.kafka.version, c.kafka.mode);
  for (const [f, does] of [["reassign", "moves a replica to a broker that holds none"], ["membership", "moves a decommissioned broker's replicas to brokers that hold none"]] as const) {
    if (c.nemesis.faults.includes(f) && c.cluster.brokers <= c.workload.replicationFactor) {
      throw new KcError("KC_BAD_FLAG", `the ${f} nemesis ${does}, and with --brokers ${c.cluster.brokers} and --replication-factor ${c.workload.replicationFactor} every broker holds one`, {
        hint: `give --brokers ${c.workload.replicationFactor + 1} (or more), or a lower --replication-factor`,
      });
    }
  }
  if (c.workload.replicationFactor > c.cluster.brokers) {
    throw new KcError("KC_BAD_FLAG", `--replication-factor ${c.workload.replicationFactor} exceeds --brokers ${c.cluster.brokers}`, { hint: "lower the replication factor or add brokers" });
  }
  if (c.processesPerClient > c.concurrency) {
    throw new KcError("KC_BAD_FLAG", `--processes-per-client ${c.processesPerClient} exceeds --concurrency ${c.concurrency}`, { hint: `raise --concurrency to a multiple of it, e.g. --concurrency ${c.processesPerClient * 2}` });
  }
  if (c.processesPerClient > 1 && (c.workload.txn || c.workload.name === "txn")) {
    throw new KcError("KC_BAD_FLAG", "--processes-per-client needs the queue workload: a transactional producer runs one transaction at a time, so processes cannot share it", { hint: "use --workload queue, or --processes-per-client 1" });
  }
  if (c.producer.idempotent && c.producer.retries < 1) {
    throw new KcError("KC_BAD_FLAG", "an idempotent producer needs --retries of at least 1 (kafkajs refuses 0)", { hint: "use --retries 5, or --no-idempotent" });
  }
  if (c.producer.idempotent && c.producer.acks !== "all") {
    throw new KcError("KC_BAD_FLAG", "an idempotent producer needs --acks all", { hint: "use --acks all, or --no-idempotent" });
  }
}

/** What tansu cannot do, refused before anything starts (each with what to do instead). */
function validateProduct(c: TestConfig, p: ProductSpec): void {
  const refuse = (msg: string, hint: string) => new KcError("KC_BAD_FLAG", `tansu ${p.version}: ${msg}`, { hint });
  if (c.workload.txn || c.workload.name === "txn") throw refuse("has no transactions (EndTxn is not implemented, so no transaction commits or aborts)", "use --workload queue");
  if (c.producer.idempotent && c.client === "kafkajs") {
    throw refuse("kafkajs's idempotent producer cannot start: its InitProducerId reaches an unimplemented branch (todo!() in tansu-storage's pg.rs) and the connection closes", "use --no-idempotent, or --client java or confluent, whose InitProducerId tansu serves");
  }
  const kafkaOnly: Record<string, string> = {
    elect: "runs Kafka's own admin tool in a broker, and tansu keeps no replicas of its own to elect a leader among (its data is in PostgreSQL)",
    reassign: "runs Kafka's own admin tool in a broker, and tansu keeps no replicas of its own to move (its data is in PostgreSQL)",
    "rolling-restart": "restarts Apache Kafka's processes on their release and config, which tansu's brokers do not have",
    bounce: "restarts Apache Kafka's processes on their release and config, which tansu's brokers do not have",
    membership: "runs Kafka's own admin tool in a broker to move a decommissioned broker's replicas, and tansu keeps no replicas of its own (its data is in PostgreSQL)",
    "peer-link": "faults the links between nodes, and tansu's brokers have none to each other (they share PostgreSQL; the link nemesis faults the clients' links)",
  };
  for (const [f, why] of Object.entries(kafkaOnly)) if (c.nemesis.faults.includes(f)) throw refuse(`--nemesis ${f} ${why}`, `drop ${f} from --nemesis`);
  if (c.nemesis.faults.includes("disk")) throw refuse("--nemesis disk fills a broker's data disk, and tansu's brokers keep their data in PostgreSQL", "drop disk from --nemesis");
  if (c.kafka.upgradeTo) throw refuse("--upgrade-to is a rolling upgrade of Apache Kafka", "drop --upgrade-to");
  if (c.images.kafka) throw refuse("--kafka-image replaces Kafka's image; tansu's is built from the Rust crate registry", "drop --kafka-image");
  if (p.storage !== "postgres" && c.cluster.brokers > 1) {
    throw refuse(`--storage ${p.storage} keeps each broker's data to itself, so ${c.cluster.brokers} brokers would be ${c.cluster.brokers} clusters`, "use --storage postgres (shared by every broker), or --brokers 1");
  }
}

/** The default test name: the workload and the fault families, e.g. "queue-partition". */
export const defaultName = (c: TestConfig): string => (c.preset ?? [c.application ? "app" : c.workload.name, ...(c.nemesis.faults.length ? c.nemesis.faults : ["none"])].join("-"));

export function helpText(): string {
  const rows = Object.entries(FLAGS).map(([k, f]) => {
    const d = defaultValueOf(k);
    return `  --${k.padEnd(20)} ${f.help}${f.choices ? ` (${f.choices.join("|")})` : ""}${d !== undefined ? ` [${d}]` : ""}`;
  });
  return rows.join("\n");
}

function defaultValueOf(flag: string): string | undefined {
  const c = defaultConfig();
  const map: Record<string, unknown> = {
    deployment: c.deployment, workload: c.workload.name, client: c.client, concurrency: c.concurrency, "processes-per-client": c.processesPerClient, rate: c.rate, "time-limit": c.timeLimitSeconds,
    "recovery-time": c.recoverySeconds, "final-time-limit": c.finalTimeLimitSeconds, "kafka-version": c.kafka.version, mode: c.kafka.mode,
    brokers: c.cluster.brokers, zookeepers: c.cluster.zookeepers, controllers: c.cluster.controllers, acks: c.producer.acks,
    idempotent: c.producer.idempotent, retries: c.producer.retries, "max-in-flight": c.producer.maxInFlight, "request-timeout": c.producer.requestTimeoutMs,
    isolation: c.consumer.isolation, "consumer-mode": c.consumer.mode, "auto-commit": c.consumer.autoCommit, topics: c.workload.topics, "poll-ms": c.consumer.pollMs,
    "active-keys": c.workload.activeKeys, "sends-per-key": c.workload.sendsPerKey, "abort-p": c.workload.abortP, "max-txn-length": c.workload.maxTxnLength ?? 4, "crash-p": c.workload.crashP, "subscribe-p": c.workload.resubscribeP, "poll-unseen": c.workload.pollUnseen ?? false, "ww-deps": c.checker?.wwDeps ?? false,
    partitions: c.workload.partitions, "replication-factor": c.workload.replicationFactor, nemesis: "none", "nemesis-interval": c.nemesis.intervalSeconds,
    "quiet-time": c.nemesis.quietSeconds, "debug-partitions": c.nemesis.debugPartitions, store: c.store,
  };
  return map[flag] === undefined ? undefined : String(map[flag]);
}
