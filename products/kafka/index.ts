// Apache Kafka as the broker product: ZooKeeper ensemble + brokers, or KRaft controllers +
// brokers (dedicated or combined), every node run by the supervisor script from generated config.
import type { BrokerProduct, NodeSpec } from "../product.ts";
import { EXITED_LINE } from "../supervisor.ts";
import { isBroker, isZookeeper, newClusterId, kafkaPeerLinks, nodeFiles, nodesOf, PORTS, type ClusterOptions } from "./topology.ts";
import { assertModeSupported, kafkaLine } from "./versions.ts";

export const STARTED = /(KafkaServer id=\d+\] started|Kafka Server started|LEADING - LEADER ELECTION TOOK|FOLLOWING - LEADER ELECTION TOOK|binding to port)/;
export const EXITED = EXITED_LINE;

/** The shell command that prints the KRaft quorum's status (`LeaderId: N`), as this version asks it. */
function quorumStatus(o: ClusterOptions, controller: NodeSpec): string {
  const q = kafkaLine(o.kafkaVersion).quorumCommand ?? { mainClass: "org.apache.kafka.tools.MetadataQuorumCommand", via: "controller" };
  const bootstrap =
    q.via === "controller"
      ? `--bootstrap-controller ${controller.name}:${PORTS.controller}`
      : `--bootstrap-server ${nodesOf(o).filter(isBroker).map((b) => `${b.name}:${PORTS.internal}`).join(",")}`;
  // Bounded: after the active controller dies, the admin client may keep sending to it (its
  // metadata named it) until default.api.timeout.ms, 60 s by default, and then give up without an
  // answer (fresh-clone CI, 2026-12-04). 8 s lets a caller that asks again learn the new leader.
  const config = "/tmp/kc-quorum.properties";
  return `printf 'default.api.timeout.ms=8000\\nrequest.timeout.ms=3000\\n' > ${config} && java -Xmx128m -XX:TieredStopAtLevel=1 -cp '/opt/kafka/libs/*' ${q.mainClass} ${bootstrap} --command-config ${config} describe --status 2>&1`;
}

export function apacheKafka(o: ClusterOptions): BrokerProduct {
  assertModeSupported(o.kafkaVersion, o.mode);
  return {
    description: `Apache Kafka ${o.kafkaVersion} (${o.mode})`,
    mode: o.mode,
    nodes: () => nodesOf(o),
    peerLinks: () => kafkaPeerLinks(nodesOf(o)),
    // ZooKeeper ensemble before brokers; KRaft controllers and brokers together.
    startWaves: () => {
      const nodes = nodesOf(o);
      return o.mode === "zookeeper" ? [nodes.filter(isZookeeper), nodes.filter(isBroker)] : [nodes];
    },
    files: (node: NodeSpec, ctx) => nodeFiles(o, node, ctx.clusterId, ctx.clientPort, ctx.clientHost, ctx.networkPort),
    configDir: "/etc/kc",
    command: ["sh", "/etc/kc/supervise.sh"],
    ready: STARTED,
    exited: EXITED,
    clientPort: PORTS.client,
    networkClientPort: PORTS.network,
    newClusterId: () => newClusterId(),
    quorumStatusCommand: o.mode === "kraft" ? (c: NodeSpec) => quorumStatus(o, c) : undefined,
    startRetry: o.mode === "zookeeper" ? { when: /NodeExistsException/, afterMs: 7000, why: "its registration in ZooKeeper from before it died has not expired yet" } : undefined,
    // With several log dirs a replica sits in one of them: a glob the node's shell expands.
    partitionDir: (topic, partition) => `${(o.logDirs ?? 1) > 1 ? "/var/lib/kc/data/logs-*" : "/var/lib/kc/data"}/${topic}-${partition}`,
  };
}

export { KAFKA_LINES, KAFKA_VERSIONS, DEFAULT_KAFKA_VERSION, TESTED_VERSIONS, assertModeSupported, kafkaLine, type KafkaLine } from "./versions.ts";
export { PORTS, type ClusterOptions, type Mode } from "./topology.ts";
