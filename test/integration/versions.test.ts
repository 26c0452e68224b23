// Kafka releases other than the two the default runs use, built on demand from Maven Central:
// a short run on each reaches a verdict, and the nemesis finds and kills the active controller
// the way that release answers (ZooKeeper-mode controller broker; KRaft quorum leader through
// MetadataQuorumCommand, asked through a broker before 3.7). More lines run in the nightly job.
// Rolling upgrades: ZooKeeper 3.6 → 3.9 and KRaft 3.9 → 4.1 under load, each ending valid.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest } from "../../index.ts";

const runOn = async (version: string, mode: "zookeeper" | "kraft") => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), `kc-v${version}-`));
  const r = await runTest(
    {
      name: `kafka-${version}-${mode}`,
      store,
      kafka: { version, mode },
      producer: { acks: "all", idempotent: true },
      nemesis: { faults: ["kill"], targets: ["controller"], intervalSeconds: 6, quietSeconds: 4 },
      timeLimitSeconds: 20,
      recoverySeconds: 5,
    },
    { report: false },
  );
  const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const kills = ops.filter((o) => o.process === "nemesis" && o.f === "kill" && o.value?.what);
  return { r, kills };
};

describe("Kafka versions built on demand", () => {
  for (const [version, mode] of [
    ["2.8.2", "zookeeper"],
    ["3.6.2", "kraft"],
  ] as const) {
    it(`Kafka ${version} (${mode}): a short run with controller kills reaches a verdict`, async () => {
      const { r, kills } = await runOn(version, mode);
      const test = JSON.parse(fs.readFileSync(path.join(r.runDir, "test.json"), "utf8"));
      expect(test.images.kafka).toBe(`kafka-chaos/kafka:${version}-r1`);
      expect(kills.length, "the nemesis found the active controller").toBeGreaterThan(0);
      expect(kills[0].value.what).toBe("the active controller");
      expect(r.results?.["unknown-reasons"], JSON.stringify(r.results?.["unknown-reasons"])).toBeUndefined();
      // A safe configuration (idempotent, acks=all, min.insync.replicas=2): it must hold.
      expect(r.valid, `${r.runDir}: ${JSON.stringify(r.results?.["bad-anomaly-types"])}`).toBe(true);
    }, 600_000);
  }
});

describe("rolling upgrades under load", () => {
  const upgrade = async (version: string, mode: "zookeeper" | "kraft", to: string, seconds: number) => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), `kc-up${version}-`));
    const r = await runTest(
      {
        name: `upgrade-${version}-${to}-${mode}`,
        store,
        kafka: { version, mode, upgradeTo: to },
        producer: { acks: "all", idempotent: true },
        nemesis: { faults: ["upgrade"], intervalSeconds: 10, quietSeconds: 5 },
        timeLimitSeconds: seconds,
        recoverySeconds: 5,
      },
      { report: false },
    );
    const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const done = ops.find((o) => o.process === "nemesis" && o.f === "start-upgrade" && o.value?.steps);
    const brokerLog = fs.readFileSync(path.join(r.runDir, "nodes", "broker-1", "container.log"), "utf8");
    return { r, done, brokerLog, test: JSON.parse(fs.readFileSync(path.join(r.runDir, "test.json"), "utf8")) };
  };

  it("ZooKeeper 3.6.2 → 3.9.1: brokers one at a time, clean shutdowns, then inter.broker.protocol.version raised; valid", async () => {
    const { r, done, brokerLog, test } = await upgrade("3.6.2", "zookeeper", "3.9.1", 60);
    expect(done, "the upgrade completed within the run").toBeDefined();
    expect(test.cluster.brokerConfig["inter.broker.protocol.version"], "pinned to the old release until the end").toBe("3.6");
    expect(done.value.steps.map((s: { node: string }) => s.node)).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(done.value.steps.every((s: { clean: boolean; to: string }) => s.clean && s.to === "3.9.1")).toBe(true);
    expect(done.value.finalize.what).toBe("inter.broker.protocol.version=3.9 on every broker");
    expect(brokerLog).toMatch(/Kafka version: 3\.6\.2[\s\S]*Kafka version: 3\.9\.1[\s\S]*inter\.broker\.protocol\.version = 3\.9/);
    expect(r.valid, `${r.runDir}: ${JSON.stringify(r.results?.["bad-anomaly-types"])}`).toBe(true);
  }, 600_000);

  it("KRaft 3.9.1 → 4.1.1: controllers, then brokers, then metadata.version raised; valid", async () => {
    const { r, done, brokerLog } = await upgrade("3.9.1", "kraft", "4.1.1", 80);
    expect(done, "the upgrade completed within the run").toBeDefined();
    expect(done.value.steps.map((s: { node: string }) => s.node)).toEqual(["controller-1", "controller-2", "controller-3", "broker-1", "broker-2", "broker-3"]);
    expect(done.value.steps.every((s: { clean: boolean }) => s.clean)).toBe(true);
    expect(done.value.finalize.metadataVersion).toMatch(/^4\.1-IV\d+$/);
    expect(brokerLog).toMatch(/Kafka version: 3\.9\.1[\s\S]*Kafka version: 4\.1\.1/);
    expect(r.valid, `${r.runDir}: ${JSON.stringify(r.results?.["bad-anomaly-types"])}`).toBe(true);
  }, 600_000);
});
