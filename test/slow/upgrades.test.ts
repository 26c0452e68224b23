// Rolling upgrades under load (npm run test:slow, and the nightly job): ZooKeeper 3.6 → 3.9 and
// KRaft 3.9 → 4.1, each node restarted cleanly on the new release in turn, then the protocol or
// metadata version raised, ending valid. Both releases are built on demand from Maven Central.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest } from "../../index.ts";

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
