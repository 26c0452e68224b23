// kafkajs 2.2.4's double consume across a rebalance (docs/findings/2026-12-05-kafkajs-double-
// consume-across-rebalance), pinned step by step with its reproducer
// (scripts/repro/kafkajs-pending-offsets.ts) against a real broker: a group member fetches the
// committed offset while a transaction holding the group's new position is still open, takes the
// old one, and the group reads those records again. The controls: the same steps with the
// transaction committed before the rebalance, and with a KIP-447 client (librdkafka).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { startTestCluster } from "./support.ts";

const repro = (bootstrap: string[], topic: string, order: "pending" | "committed", client: "kafkajs" | "confluent") =>
  spawnSync(process.execPath, [path.resolve("scripts/repro/kafkajs-pending-offsets.ts"), bootstrap.join(","), topic, order, client], { encoding: "utf8", timeout: 120_000 });

describe("kafkajs 2.2.4: a transaction's pending offsets across a rebalance", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "kraft", kafkaVersion: "3.9.1", brokers: 1, extra: { combined: true, controllers: 1 } }));
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it("reads again what the open transaction consumed; committed first, or with librdkafka, the group resumes at the new position", () => {
    // The release this pins: when kafkajs moves on (OffsetFetch v7 with require_stable), this test says so.
    expect(createRequire(import.meta.url)("kafkajs/package.json").version).toBe("2.2.4");
    const bug = repro(cluster.bootstrap, "pending-kafkajs", "pending", "kafkajs");
    expect(bug.status, bug.stdout + bug.stderr).toBe(1);
    expect(bug.stdout).toContain("after the rebalance the group read offsets 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14\nread 10 offset(s) again (0-9): consumed twice");
    for (const [topic, order, client] of [["committed-kafkajs", "committed", "kafkajs"], ["pending-confluent", "pending", "confluent"]] as const) {
      const control = repro(cluster.bootstrap, topic, order, client);
      expect(control.status, `${order} ${client}: ${control.stdout}${control.stderr}`).toBe(0);
      expect(control.stdout).toContain("after the rebalance the group read offsets 10,11,12,13,14\nresumed at 10");
    }
  }, 300_000);
});
