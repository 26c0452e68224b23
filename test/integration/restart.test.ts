// Clean restarts under load on a real cluster (ZooKeeper, 3.9.1) while a producer writes: the
// rolling restart takes every broker down in turn with a controlled shutdown and waits for the
// full ISR after each; the bounce chases the active controller and a key's leader, restarting
// whoever holds the role now; a broker another family holds down is skipped, not started. Every
// acknowledged write reads back, in order.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { Rng } from "../../core/rng.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { bounceFamily } from "../../nemeses/restart.ts";
import { backgroundWrites, eventually, startTestCluster } from "./support.ts";

const TOPIC = "restarting";
const KEY = `${TOPIC}/0`;

describe("rolling-restart and bounce under writes (zookeeper, 3.9.1)", () => {
  let cluster: Cluster;
  let runDir: string;
  let env: NemesisEnv;
  let writes: Awaited<ReturnType<typeof backgroundWrites>>;

  beforeAll(async () => {
    ({ cluster, runDir } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1" }));
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3, config: { "min.insync.replicas": "2" } }]);
    env = { cluster, mode: "zookeeper", keys: () => [KEY] };
    // A steady stream of acks=all writes for the whole file: every fault happens under load.
    writes = await backgroundWrites(cluster, TOPIC);
  });

  afterAll(async () => {
    await writes?.stop();
    await cluster?.stop();
  });

  type Step = { node: string; clean?: boolean; isrRejoinMs?: number; skipped?: string; holder?: string };

  it("rolling-restart: every broker in turn, each a controlled shutdown, back in the ISR before the next", async () => {
    const [fam] = buildFamilies(["rolling-restart"], ["brokers"], cluster.capabilities);
    const shutdowns = (b: string) => (fs.readFileSync(path.join(runDir, "nodes", b, "container.log"), "utf8").match(/Controlled shutdown request returned successfully/g) ?? []).length;
    const before = Object.fromEntries(["broker-1", "broker-2", "broker-3"].map((b) => [b, shutdowns(b)]));
    const op = await fam.start(env, "brokers", new Rng(1));
    const steps = op.steps as Step[];
    expect(steps.map((s) => s.node)).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(steps.every((s) => s.clean), String(op.what)).toBe(true);
    expect(steps.every((s) => typeof s.isrRejoinMs === "number")).toBe(true);
    for (const b of ["broker-1", "broker-2", "broker-3"]) {
      // ZooKeeper mode: the broker asks the controller to move its leaderships before it stops.
      expect(shutdowns(b), `${b}'s log`).toBe(before[b] + 1);
    }
    expect((await cluster.partitionsVia("broker-1", TOPIC))[0].isr).toHaveLength(3);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("bounce controller: restarts whoever is the active controller, round after round", async () => {
    const op = await bounceFamily(2).start(env, "controller", new Rng(2));
    const steps = op.steps as Step[];
    expect(steps).toHaveLength(2);
    expect(steps.every((s) => s.clean), String(op.what)).toBe(true);
    // The controller moved off the first one bounced (its restart hands the role on).
    expect(steps[0].holder).toBeDefined();
    expect(String(op.what)).toMatch(/^bounce of the active controller, 2 rounds \(broker-\d → broker-\d\): 2 clean restarts$/);
  });

  it("bounce leader: chases the key's leader; a broker another family holds down is skipped", async () => {
    const leader = (await cluster.leader(KEY))!;
    await cluster.kill(leader, "kill");
    const next = await eventually(async () => {
      const l = await cluster.leader(KEY);
      return l && l !== leader ? l : undefined;
    }, "a new leader", 60_000);
    // A rolling restart skips the killed broker rather than starting it, and restarts the others.
    const [roll] = buildFamilies(["rolling-restart"], ["brokers"], cluster.capabilities);
    const rolled = (await roll.start(env, "brokers", new Rng(3))).steps as Step[];
    expect(rolled.find((s) => s.node === leader)?.skipped).toContain("held down by another fault");
    expect(rolled.filter((s) => s.clean)).toHaveLength(2);
    expect(cluster.down.has(leader)).toBe(true);
    try {
      // The rolling restart just moved leaderships between the two live brokers: the bounce
      // chases whoever leads now, which is never the broker held down.
      const current = await eventually(async () => {
        const l = await cluster.leader(KEY);
        return l && l !== leader ? l : undefined;
      }, "the key's leader after the rolling restart", 60_000);
      const op = await bounceFamily(2).start(env, "leader", new Rng(3));
      const steps = op.steps as Step[];
      expect(steps[0].node).toBe(current);
      expect(steps.every((s) => s.node !== leader)).toBe(true);
    } finally {
      // Started again whatever happened above: the next test reads back from the whole cluster.
      await cluster.start(leader, {}, "kill");
    }
    await eventually(async () => (await cluster.partitionsVia(next!, TOPIC))[0]?.isr.length === 3, "the full ISR again", 120_000);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("every acknowledged write reads back, in order", async () => {
    await writes.readBack(100);
  });
});
