// The disk nemesis on a real cluster: brokers' data on 64 MiB filesystems of their own; the
// leader's is filled to the last byte, its next append fails, Kafka takes the log dir offline and
// the broker shuts down; the stop frees the space and starts it, and it rejoins the ISR with
// nothing acknowledged lost.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { Cluster } from "../../deployments/docker/cluster.ts";
import { ensureImages } from "../../deployments/docker/images.ts";
import { defaultConfig } from "../../harness/config.ts";
import { Rng } from "../../core/rng.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { eventually } from "./support.ts";

const TOPIC = "disk";
const KEY = `${TOPIC}/0`;

describe("disk: a full data disk (zookeeper, 3.9.1)", () => {
  let cluster: Cluster;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-disk-"));
    cluster = await Cluster.start({
      runId: `it-disk-${Date.now().toString(36)}`,
      runDir: dir,
      images: await ensureImages({ kafkaVersion: "3.9.1" }),
      options: { ...defaultConfig().cluster, mode: "zookeeper", kafkaVersion: "3.9.1", dataDiskMb: 64 },
    });
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3 }]);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("fills the leader's disk; its next write fails and Kafka stops it; the stop frees the space and it rejoins with nothing acknowledged lost", async () => {
    const env: NemesisEnv = { cluster, mode: "zookeeper", keys: () => [KEY] };
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const p = kafka.producer({ idempotent: true });
    await p.connect();
    for (let i = 0; i < 10; i++) await p.send({ topic: TOPIC, acks: -1, messages: [{ value: `before-${i}` }] });
    const acked = (await cluster.endOffsets([KEY])).get(KEY)!;

    const fam = buildFamilies(["disk"])[0];
    const v = await fam.start(env, "leader", new Rng(1));
    const [node] = v.nodes as string[];
    const [disk] = v.disks as { sizeBytes: number; freeBefore: number; filler: number }[];
    expect(disk.sizeBytes).toBe(64 * 1024 * 1024);
    expect(disk.filler).toBeGreaterThanOrEqual(disk.freeBefore - 64 * 1024);
    expect((await cluster.shell(node, "df -B1 --output=avail /var/lib/kc/data | tail -1")).output.trim()).toBe("0");
    expect(await cluster.leaks()).toContain(`${node}'s data disk is full`);

    // The next appends on the full disk fail; Kafka takes the log dir offline and shuts the broker down.
    const more = Array.from({ length: 20 }, (_, i) => p.send({ topic: TOPIC, acks: -1, messages: [{ value: `during-${i}-${"x".repeat(2000)}` }] }).catch(() => undefined));
    await eventually(async () => (await cluster.leaks()).includes(`${node} is down`), `${node} shut down on the full disk`, 90_000);
    expect(fs.readFileSync(path.join(dir, "nodes", node, "container.log"), "utf8")).toMatch(/No space left on device/);

    const stopped = await fam.stop(env);
    expect(stopped.restarted).toEqual([node]);
    await Promise.all(more);
    expect(await cluster.leaks()).toEqual([]);
    const viewer = node === "broker-1" ? "broker-2" : "broker-1";
    await eventually(async () => (await cluster.partitionsVia(viewer, TOPIC))[0]?.isr.length === 3, `${node} back in the ISR`, 120_000);
    expect((await cluster.endOffsets([KEY])).get(KEY)).toBeGreaterThanOrEqual(acked);
    await p.disconnect();
  });
});
