// Pure description of a cluster: which nodes exist, their roles and ids, and the config files
// each one runs with. No Docker here, so it is unit-tested directly.

export type Mode = "zookeeper" | "kraft";
import type { NodeSpec, PeerLink } from "../product.ts";
import { kafkaLine } from "./versions.ts";
import { SUPERVISOR } from "../supervisor.ts";

export type { NodeSpec, Role } from "../product.ts";

export interface ClusterOptions {
  mode: Mode;
  kafkaVersion: string;
  brokers: number;
  /** ZooKeeper mode: 1 or 3. */
  zookeepers: number;
  /** KRaft mode: dedicated controllers (3), or 0 with `combined`. */
  controllers: number;
  /** KRaft mode: every broker is also a controller (no dedicated controllers). */
  combined: boolean;
  /** Broker config overrides, `key=value` from `--broker-config`. */
  brokerConfig: Record<string, string>;
  /** JVM options for every node. */
  javaOpts: string;
  /** Where the node's Kafka jars are (default /opt/kafka/libs); a rolling upgrade puts another release beside them. */
  libsDir?: string;
  /** Brokers keep their data on a filesystem of this many MiB of their own (the disk nemesis fills it); none: the container's. */
  dataDiskMb?: number;
  /** Every node keeps its data dir on kc-lazyfs: writes never fsynced are lost on a power cut (the power nemesis sets it). */
  lazyfs?: boolean;
  /**
   * Brokers keep their partitions in this many log dirs (logs-0, logs-1, ... under the data dir;
   * the KRaft metadata log in a dir of its own), so that one can fail while the others serve
   * (the log-dir nemesis sets 2). Default 1: the data dir itself.
   */
  logDirs?: number;
  /** Every node's processes read the wall clock through kc-clock, which the clock nemesis moves (the nemesis sets it). */
  clockLayer?: boolean;
}

export const PORTS = { client: 9092, internal: 9091, controller: 9093, network: 9094, zk: 2181, zkPeer: 2888, zkElection: 3888 } as const;
/** Toxiproxy listens for broker i's clients on TOXI_BASE_PORT + i inside its container. */
export const TOXI_BASE_PORT = 20000;
export const TOXI_API_PORT = 8474;
/** Toxiproxy listens for the i-th link between nodes (topology's peer links) on TOXI_PEER_BASE_PORT + i, on the run's network only. */
export const TOXI_PEER_BASE_PORT = 21000;
/** Toxiproxy listens for broker i's clients in containers on the run's network (`NETWORK` listener) on TOXI_NETWORK_BASE_PORT + i. */
export const TOXI_NETWORK_BASE_PORT = 22000;
/** The run network's name for the Toxiproxy container. */
export const NETWORK_PROXY_HOST = "toxiproxy";

export const DEFAULT_BROKER_CONFIG: Record<string, string> = {
  "auto.create.topics.enable": "false",
  "default.replication.factor": "3",
  "min.insync.replicas": "2",
  "unclean.leader.election.enable": "false",
  // Faster failure detection than the defaults, so faults show up within a short test.
  "replica.lag.time.max.ms": "10000",
  "group.initial.rebalance.delay.ms": "0",
  "log.flush.interval.messages": "9223372036854775807",
  "num.network.threads": "2",
  "num.io.threads": "2",
  "num.replica.fetchers": "1",
  "log.cleaner.enable": "false",
};

export function nodesOf(o: ClusterOptions): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  if (o.mode === "zookeeper") {
    for (let i = 1; i <= o.zookeepers; i++) nodes.push({ name: `zk-${i}`, roles: ["zookeeper"], id: i });
    for (let i = 1; i <= o.brokers; i++) nodes.push({ name: `broker-${i}`, roles: ["broker"], id: i });
  } else if (o.combined) {
    for (let i = 1; i <= o.brokers; i++) nodes.push({ name: `broker-${i}`, roles: ["broker", "controller"], id: i });
  } else {
    for (let i = 1; i <= o.controllers; i++) nodes.push({ name: `controller-${i}`, roles: ["controller"], id: 100 + i });
    for (let i = 1; i <= o.brokers; i++) nodes.push({ name: `broker-${i}`, roles: ["broker"], id: i });
  }
  return nodes;
}

export const isBroker = (n: NodeSpec) => n.roles.includes("broker");
export const isController = (n: NodeSpec) => n.roles.includes("controller");
export const isZookeeper = (n: NodeSpec) => n.roles.includes("zookeeper");

/**
 * The links between nodes a fault can be put on: each broker's connections to every other
 * broker's inter-broker listener (replication; the ZooKeeper-mode controller's requests ride
 * them too), each broker's connections to every ZooKeeper node or KRaft controller, and each
 * KRaft controller's to the other controllers (quorum). ZooKeeper's own peer ports are left out.
 */
export function kafkaPeerLinks(nodes: NodeSpec[]): PeerLink[] {
  const links: PeerLink[] = [];
  const brokers = nodes.filter(isBroker);
  const quorum = nodes.filter((n) => isZookeeper(n) || isController(n));
  for (const a of brokers) for (const b of brokers) if (a !== b) links.push({ from: a.name, to: b.name, port: PORTS.internal, kind: "replication" });
  for (const a of nodes.filter((n) => isBroker(n) || isController(n))) {
    for (const q of quorum) {
      if (a === q) continue;
      if (isZookeeper(q) && isBroker(a)) links.push({ from: a.name, to: q.name, port: PORTS.zk, kind: "quorum" });
      if (isController(q)) links.push({ from: a.name, to: q.name, port: PORTS.controller, kind: "quorum" });
    }
  }
  return links;
}

/** Where the node's partitions live: the data dir itself, or its logs-0 .. logs-(n-1) (`logDirs`). */
export const logDirPaths = (o: Pick<ClusterOptions, "logDirs">): string[] =>
  (o.logDirs ?? 1) > 1 ? Array.from({ length: o.logDirs! }, (_, i) => `${DATA_DIR}/logs-${i}`) : [DATA_DIR];
/** The KRaft metadata log's dir when the partitions have several: never one of theirs, so failing one leaves it. */
export const METADATA_LOG_DIR = "/var/lib/kc/data/meta";
const DATA_DIR = "/var/lib/kc/data";

const props = (m: Record<string, string | number>) =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n") + "\n";

/** The properties file a Kafka node (broker and/or controller) runs with. */
export function serverProperties(o: ClusterOptions, node: NodeSpec, clientPort: number | undefined, clientHost = "127.0.0.1", networkPort?: number): string {
  const nodes = nodesOf(o);
  const replicas = Math.min(3, o.brokers);
  const base: Record<string, string | number> = {
    "log.dirs": logDirPaths(o).join(","),
    "offsets.topic.replication.factor": replicas,
    "transaction.state.log.replication.factor": replicas,
    "transaction.state.log.min.isr": Math.min(2, replicas),
  };
  const listeners: string[] = [];
  const advertised: string[] = [];
  if (isBroker(node)) {
    listeners.push(`CLIENT://0.0.0.0:${PORTS.client}`, `INTERNAL://0.0.0.0:${PORTS.internal}`);
    // Clients only ever learn the Toxiproxy address, so their traffic cannot bypass link faults.
    advertised.push(`CLIENT://${clientHost}:${clientPort}`, `INTERNAL://${node.name}:${PORTS.internal}`);
    base["inter.broker.listener.name"] = "INTERNAL";
    // Containers on the run's network (an application under test) reach it through Toxiproxy too, by its network name.
    if (networkPort !== undefined) {
      listeners.push(`NETWORK://0.0.0.0:${PORTS.network}`);
      advertised.push(`NETWORK://${NETWORK_PROXY_HOST}:${networkPort}`);
    }
  }
  if (isController(node)) listeners.push(`CONTROLLER://0.0.0.0:${PORTS.controller}`);
  base["listeners"] = listeners.join(",");
  if (advertised.length) base["advertised.listeners"] = advertised.join(",");
  base["listener.security.protocol.map"] = `CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT${networkPort !== undefined && isBroker(node) ? ",NETWORK:PLAINTEXT" : ""}`;
  if (o.mode === "zookeeper") {
    base["broker.id"] = node.id;
    base["zookeeper.connect"] = nodes.filter(isZookeeper).map((z) => `${z.name}:${PORTS.zk}`).join(",");
    base["zookeeper.session.timeout.ms"] = 6000;
    base["zookeeper.connection.timeout.ms"] = 60000;
  } else {
    base["process.roles"] = node.roles.join(",");
    base["node.id"] = node.id;
    base["controller.quorum.voters"] = nodes.filter(isController).map((c) => `${c.id}@${c.name}:${PORTS.controller}`).join(",");
    base["controller.listener.names"] = "CONTROLLER";
    if ((o.logDirs ?? 1) > 1) base["metadata.log.dir"] = METADATA_LOG_DIR;
  }
  const overrides = isBroker(node) ? { ...DEFAULT_BROKER_CONFIG, ...o.brokerConfig } : {};
  return props({ ...base, ...overrides });
}

export function zooCfg(o: ClusterOptions): string {
  const zks = nodesOf(o).filter(isZookeeper);
  const cfg: Record<string, string | number> = {
    tickTime: 1000,
    initLimit: 20,
    syncLimit: 5,
    dataDir: "/var/lib/kc/data",
    clientPort: PORTS.zk,
    "4lw.commands.whitelist": "*",
    "admin.enableServer": "false",
    maxClientCnxns: 0,
  };
  if (zks.length > 1) for (const z of zks) cfg[`server.${z.id}`] = `${z.name}:${PORTS.zkPeer}:${PORTS.zkElection}`;
  return props(cfg);
}

export const LOG4J1 = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=INFO
log4j.logger.org.apache.zookeeper=INFO
`;

export const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

export const usesLog4j2 = (kafkaVersion: string) => kafkaLine(kafkaVersion).log4j2;

/** Files for one node, written into nodes/<node>/conf and mounted at /etc/kc. */
export function nodeFiles(o: ClusterOptions, node: NodeSpec, clusterId: string, clientPort?: number, clientHost?: string, networkPort?: number): Record<string, string> {
  const log4j2 = usesLog4j2(o.kafkaVersion);
  const logOpt = log4j2 ? "-Dlog4j2.configurationFile=/etc/kc/log4j2.properties" : "-Dlog4j.configuration=file:/etc/kc/log4j.properties";
  const files: Record<string, string> = {};
  files[log4j2 ? "log4j2.properties" : "log4j.properties"] = log4j2 ? LOG4J2 : LOG4J1;
  let main: string;
  let args: string;
  let prestart = "";
  if (isZookeeper(node)) {
    files["zoo.cfg"] = zooCfg(o);
    main = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    args = "/etc/kc/zoo.cfg";
    // Provisioning, not ZooKeeper: synced, as a machine's long-written file would be on disk, so
    // that a power cut of a ZooKeeper node (on kc-lazyfs) does not lose the node's identity.
    prestart = `mkdir -p /var/lib/kc/data && echo ${node.id} > /var/lib/kc/data/myid && sync /var/lib/kc/data/myid\n`;
  } else {
    files["server.properties"] = serverProperties(o, node, clientPort, clientHost, networkPort);
    main = "kafka.Kafka";
    args = "/etc/kc/server.properties";
    if (o.mode === "kraft") {
      const formatted = (o.logDirs ?? 1) > 1 ? METADATA_LOG_DIR : DATA_DIR;
      prestart = `[ -f ${formatted}/meta.properties ] || java ${logOpt} -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format -t ${clusterId} -c /etc/kc/server.properties --ignore-formatted\n`;
    }
  }
  files["node.env"] =
    `MAIN='${main}'\nARGS='${args}'\nJAVA_OPTS='${o.javaOpts} ${logOpt}'\nCLASSPATH='${o.libsDir ?? "/opt/kafka/libs"}/*'\n` +
    `WHAT="$MAIN from $CLASSPATH"\nrun() { exec java $JAVA_OPTS -cp "$CLASSPATH" $MAIN $ARGS; }\n`;
  files["prestart.sh"] = prestart;
  files["supervise.sh"] = SUPERVISOR;
  return files;
}


/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (as Kafka's Uuid prints).
 * Like Kafka's Uuid.randomUuid, never one starting with "-": the storage tool's argument parser
 * would read it as an option ("argument --cluster-id/-t: expected one argument").
 */
export function newClusterId(random: () => number = Math.random): string {
  for (;;) {
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
    const id = bytes.toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}
