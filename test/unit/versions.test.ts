// Which Kafka releases run, and what each line needs: the table of products/kafka/versions.ts
// and the Maven dependencies it turns into (deployments/docker/images.ts).
import { describe, expect, it } from "vitest";
import { extraDeps } from "../../deployments/docker/images.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import { assertModeSupported, KAFKA_LINES, kafkaLine } from "../../products/kafka/versions.ts";
import { errorOf } from "./support.ts";


describe("Kafka versions", () => {
  it("every line from 2.0 to 4.1 is known, with ZooKeeper before 4.0 and KRaft from 3.3", () => {
    const lines = KAFKA_LINES.map((l) => l.line);
    for (const l of ["2.0", "2.4", "2.8", "3.0", "3.3", "3.5", "3.6", "3.7", "3.8", "3.9", "4.0", "4.1"]) expect(lines).toContain(l);
    for (const l of KAFKA_LINES) {
      const [maj, min] = l.line.split(".").map(Number);
      expect(l.modes.includes("zookeeper")).toBe(maj < 4);
      expect(l.modes.includes("kraft")).toBe(maj > 3 || (maj === 3 && min >= 3));
      expect(l.latest.startsWith(`${l.line}.`)).toBe(true);
    }
    expect(kafkaLine("4.3.0").modes).toEqual(["kraft"]);
  });

  it("refuses what cannot run, saying why and what works", () => {
    const old = errorOf(() => kafkaLine("1.1.1"));
    expect(old.code).toBe("KC_BAD_KAFKA_VERSION");
    expect(old.message).toMatch(/before 2.0 do not run on Java 17/);
    expect(old.hint).toMatch(/2\.0 to 4\.1/);
    expect(errorOf(() => kafkaLine("3.9")).message).toMatch(/not a release number/);
    expect(errorOf(() => kafkaLine("5.0.0")).message).toMatch(/not a release line the harness knows/);
    expect(errorOf(() => assertModeSupported("3.2.3", "kraft")).message).toMatch(/no production-ready KRaft mode/);
    expect(errorOf(() => assertModeSupported("4.0.2", "zookeeper")).hint).toContain("--mode kraft");
    expect(errorOf(() => parseRunFlags(["--kafka-version", "0.11.0.3"])).code).toBe("KC_BAD_KAFKA_VERSION");
    expect(() => validateConfig(parseRunFlags(["--kafka-version", "2.8.2"]).config)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--kafka-version", "3.6.2", "--mode", "kraft"]).config)).not.toThrow();
  });

  it("the Maven side of each line: Scala build, ZooKeeper client swap, logging binding only when missing", () => {
    expect(kafkaLine("2.0.1").scala).toBe("2.12");
    expect(kafkaLine("2.8.2").scala).toBe("2.13");
    const zk = extraDeps(kafkaLine("2.0.1"), ["kafka_2.12-2.0.1.jar", "slf4j-log4j12-1.7.25.jar", "zookeeper-3.4.13.jar"]);
    expect(zk).toContain("<artifactId>zookeeper</artifactId><version>3.5.9</version>");
    expect(zk).not.toContain("reload4j");
    expect(extraDeps(kafkaLine("2.8.2"), ["slf4j-log4j12-1.7.30.jar", "zookeeper-3.5.9.jar"])).toBe("");
    expect(extraDeps(kafkaLine("3.9.1"), ["slf4j-api-1.7.36.jar"])).toContain("slf4j-reload4j");
    expect(extraDeps(kafkaLine("4.1.1"), ["log4j-core-2.24.3.jar"])).toContain("<artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version>");
  });

  it("KRaft's active controller is asked the way each version answers", () => {
    expect(kafkaLine("3.3.2").quorumCommand).toEqual({ mainClass: "kafka.admin.MetadataQuorumCommand", via: "broker" });
    expect(kafkaLine("3.6.2").quorumCommand).toEqual({ mainClass: "org.apache.kafka.tools.MetadataQuorumCommand", via: "broker" });
    expect(kafkaLine("3.7.2").quorumCommand?.via).toBe("controller");
  });
});
