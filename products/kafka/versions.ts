// Which Apache Kafka releases the harness can run, and what each release line needs on the
// machines it runs on (Debian bookworm: Java 17 only). Any X.Y.Z from 2.0 to 4.x whose jars Maven
// Central serves is accepted; the image is built on demand (deployments/docker/images.ts).
// What a line needs is data here, so that a new line is one row.
import { KcError } from "../../core/errors.ts";

/** Built by `npm run images` and used by the default runs. */
export const KAFKA_VERSIONS = ["3.9.1", "4.1.1"] as const;
export const DEFAULT_KAFKA_VERSION = "3.9.1";

export type KafkaMode = "zookeeper" | "kraft";

/** What the harness must do differently for one release line. */
export interface KafkaLine {
  /** "3.6" */
  line: string;
  /** The newest patch of the line known to Maven Central on the day the table was written. */
  latest: string;
  modes: readonly KafkaMode[];
  /** Scala build of the broker artifact (kafka_<scala>). */
  scala: "2.12" | "2.13";
  /** log4j 2 (4.x) or log4j 1 / reload4j (earlier). */
  log4j2: boolean;
  /**
   * The ZooKeeper client jars replaced on the classpath, with why (Kafka 2.0-2.3 ship ZooKeeper
   * 3.4, whose client cannot resolve addresses on Java 17).
   */
  zookeeperJars?: { version: string; why: string };
  /** How the active KRaft controller is asked for (MetadataQuorumCommand moved and grew flags). */
  quorumCommand?: { mainClass: string; via: "controller" | "broker" };
}

const zk35 = { version: "3.5.9", why: "ZooKeeper 3.4's client cannot resolve addresses on Java 17 (UnresolvedAddressException); 3.5.9's can" };
// Checked in the jars: kafka.admin.MetadataQuorumCommand in 3.3; org.apache.kafka.tools from 3.4;
// --bootstrap-controller (ask a controller directly) from 3.7, --bootstrap-server (a broker) before.
const kraftOld = { mainClass: "kafka.admin.MetadataQuorumCommand", via: "broker" as const };
const kraftMid = { mainClass: "org.apache.kafka.tools.MetadataQuorumCommand", via: "broker" as const };
const kraftNew = { mainClass: "org.apache.kafka.tools.MetadataQuorumCommand", via: "controller" as const };
const zkOnly = ["zookeeper"] as const;
const both = ["zookeeper", "kraft"] as const;

/** Release lines, oldest first. KRaft is offered where Kafka calls it production-ready (3.3+). */
export const KAFKA_LINES: readonly KafkaLine[] = [
  { line: "2.0", latest: "2.0.1", modes: zkOnly, scala: "2.12", log4j2: false, zookeeperJars: zk35 },
  { line: "2.1", latest: "2.1.1", modes: zkOnly, scala: "2.12", log4j2: false, zookeeperJars: zk35 },
  { line: "2.2", latest: "2.2.2", modes: zkOnly, scala: "2.12", log4j2: false, zookeeperJars: zk35 },
  { line: "2.3", latest: "2.3.1", modes: zkOnly, scala: "2.12", log4j2: false, zookeeperJars: zk35 },
  { line: "2.4", latest: "2.4.1", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "2.5", latest: "2.5.1", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "2.6", latest: "2.6.3", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "2.7", latest: "2.7.2", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "2.8", latest: "2.8.2", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "3.0", latest: "3.0.2", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "3.1", latest: "3.1.2", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "3.2", latest: "3.2.3", modes: zkOnly, scala: "2.13", log4j2: false },
  { line: "3.3", latest: "3.3.2", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftOld },
  { line: "3.4", latest: "3.4.1", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftMid },
  { line: "3.5", latest: "3.5.2", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftMid },
  { line: "3.6", latest: "3.6.2", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftMid },
  { line: "3.7", latest: "3.7.2", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftNew },
  { line: "3.8", latest: "3.8.1", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftNew },
  { line: "3.9", latest: "3.9.1", modes: both, scala: "2.13", log4j2: false, quorumCommand: kraftNew },
  { line: "4.0", latest: "4.0.2", modes: ["kraft"], scala: "2.13", log4j2: true, quorumCommand: kraftNew },
  { line: "4.1", latest: "4.1.2", modes: ["kraft"], scala: "2.13", log4j2: true, quorumCommand: kraftNew },
];

const LATER_4 = (line: string): KafkaLine => ({ line, latest: `${line}.0`, modes: ["kraft"], scala: "2.13", log4j2: true, quorumCommand: kraftNew });

const supported = () => `${KAFKA_LINES[0].line} to ${KAFKA_LINES.at(-1)!.line} (and later 4.x), e.g. ${KAFKA_LINES.filter((l) => /^(2\.0|2\.8|3\.6|3\.9|4\.1)$/.test(l.line)).map((l) => l.latest).join(", ")}`;

/** The line a version belongs to, or a KcError that says why it cannot run and what can. */
export function kafkaLine(version: string): KafkaLine {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new KcError("KC_BAD_KAFKA_VERSION", `--kafka-version ${JSON.stringify(version)} is not a release number`, { hint: `give X.Y.Z: any Apache Kafka release from ${supported()}` });
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2) {
    throw new KcError("KC_BAD_KAFKA_VERSION", `Kafka ${version} cannot run here: releases before 2.0 do not run on Java 17, the only JRE Debian bookworm offers (they predate the Java 9+ memory-unmapping path)`, {
      hint: `use a release from ${supported()}, or bring your own image with a matching JRE (--kafka-image)`,
    });
  }
  const line = KAFKA_LINES.find((l) => l.line === `${major}.${minor}`);
  if (line) return line;
  if (major === 4) return LATER_4(`${major}.${minor}`);
  throw new KcError("KC_BAD_KAFKA_VERSION", `Kafka ${version} is not a release line the harness knows`, { hint: `use a release from ${supported()}` });
}

/** Refuses a mode the version does not offer, saying which modes it does. */
export function assertModeSupported(version: string, mode: KafkaMode): KafkaLine {
  const line = kafkaLine(version);
  if (!line.modes.includes(mode)) {
    const why = mode === "zookeeper" ? `Kafka ${line.line} has no ZooKeeper mode (removed in 4.0)` : `Kafka ${line.line} has no production-ready KRaft mode (KRaft is production-ready from 3.3)`;
    throw new KcError("KC_BAD_FLAG", why, { hint: mode === "zookeeper" ? "add --mode kraft, or use a 3.x release such as 3.9.1" : "use --mode zookeeper, or a release from 3.3 on" });
  }
  return line;
}

/** Versions run end to end here, with the date and what was checked (README and --help list them). */
export const TESTED_VERSIONS: readonly { version: string; modes: readonly KafkaMode[]; date: string }[] = [
  { version: "2.0.1", modes: ["zookeeper"], date: "2026-12-02" },
  { version: "2.4.1", modes: ["zookeeper"], date: "2026-12-02" },
  { version: "2.8.2", modes: ["zookeeper"], date: "2026-12-02" },
  { version: "3.0.2", modes: ["zookeeper"], date: "2026-12-02" },
  { version: "3.3.2", modes: ["zookeeper", "kraft"], date: "2026-12-02" },
  { version: "3.5.2", modes: ["kraft"], date: "2026-12-02" },
  { version: "3.6.2", modes: ["kraft"], date: "2026-12-02" },
  { version: "3.7.2", modes: ["kraft"], date: "2026-12-02" },
  { version: "3.8.1", modes: ["kraft"], date: "2026-12-02" },
  { version: "3.9.1", modes: ["zookeeper", "kraft"], date: "2026-12-01" },
  { version: "4.0.2", modes: ["kraft"], date: "2026-12-02" },
  { version: "4.1.1", modes: ["kraft"], date: "2026-12-01" },
  { version: "4.1.2", modes: ["kraft"], date: "2026-12-02" },
];
