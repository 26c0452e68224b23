// Kafka releases other than the two the default runs use, built on demand from Maven Central:
// a short run on each reaches a verdict, and the nemesis finds and kills the active controller
// the way that release answers (ZooKeeper-mode controller broker; KRaft quorum leader through
// MetadataQuorumCommand, asked through a broker before 3.7). More lines run in the nightly job;
// the rolling upgrades are in test/slow/upgrades.test.ts (npm run test:slow).
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
