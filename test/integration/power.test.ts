// The power nemesis on a real cluster: every node's data dir on kc-lazyfs. Acknowledged acks=all
// writes sit in the replicas' page caches (Kafka's default flush never fsyncs them); a power cut
// of every broker at once loses them, and the checker says so. A topic with flush.messages=1 on
// the same cluster loses nothing, and a run with flush-every-message stays valid.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { Rng } from "../../core/rng.ts";
import type { PowerCut } from "../../core/cluster.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { chaos, eventually, startTestCluster } from "./support.ts";

const LAZY = "lazy";
const FLUSHED = "flushed";
const N = 20;

describe("power: a correlated power cut on kc-lazyfs (zookeeper, 3.9.1)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1", extra: { lazyfs: true } }));
    await cluster.createTopics([
      { name: LAZY, partitions: 1, replicationFactor: 3 },
      { name: FLUSHED, partitions: 1, replicationFactor: 3, config: { "flush.messages": "1" } },
    ]);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("holds unsynced writes in memory; a cut of every broker loses the default topic's acknowledged writes and keeps flush.messages=1's", async () => {
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const p = kafka.producer({ idempotent: true });
    await p.connect();
    for (let i = 0; i < N; i++) {
      await p.send({ topic: LAZY, acks: -1, messages: [{ value: `lazy-${i}` }] });
      await p.send({ topic: FLUSHED, acks: -1, messages: [{ value: `flushed-${i}` }] });
    }
    await p.disconnect();
    const before = await cluster.endOffsets([`${LAZY}/0`, `${FLUSHED}/0`]);
    expect([...before.values()]).toEqual([N, N]);

    // Through the layer every replica holds the writes; underneath it, only the synced topic's are there.
    const sizes = async (node: string, root: string) =>
      (await cluster.shell(node, `stat -c %s ${root}/${LAZY}-0/00000000000000000000.log ${root}/${FLUSHED}-0/00000000000000000000.log`)).output.trim().split("\n").map(Number);
    for (const b of ["broker-1", "broker-2", "broker-3"]) {
      const [lazyMounted, flushedMounted] = await sizes(b, "/var/lib/kc/data");
      const [lazyDurable, flushedDurable] = await sizes(b, "/var/lib/kc/durable");
      expect(lazyMounted).toBeGreaterThan(0);
      expect(lazyDurable).toBe(0);
      expect(flushedDurable).toBe(flushedMounted);
    }

    const env: NemesisEnv = { cluster, mode: "zookeeper", keys: () => [`${LAZY}/0`] };
    const [fam] = buildFamilies(["power"]);
    const op = await fam.start(env, "all", new Rng(1));
    expect(op.nodes).toEqual(["broker-1", "broker-2", "broker-3"]);
    const cuts = op.cuts as PowerCut[];
    for (const c of cuts) {
      expect(c.droppedBytes).toBeGreaterThan(0);
      expect(c.dropped.map((d) => d.path)).toContain(`${LAZY}-0/00000000000000000000.log`);
    }
    expect(await cluster.leaks()).toEqual(["broker-1 is down", "broker-2 is down", "broker-3 is down"]);
    expect(await fam.stop(env)).toMatchObject({ started: ["broker-1", "broker-2", "broker-3"] });
    expect(await cluster.leaks()).toEqual([]);

    await eventually(async () => (await cluster.partitionsVia("broker-1", FLUSHED))[0]?.leader !== undefined, "a leader of the flushed topic", 120_000);
    const after = await eventually(async () => {
      const e = await cluster.endOffsets([`${LAZY}/0`, `${FLUSHED}/0`]);
      return e.size === 2 ? e : undefined;
    }, "end offsets after the restart", 120_000);
    expect(after!.get(`${LAZY}/0`)).toBeLessThan(N);
    expect(after!.get(`${FLUSHED}/0`)).toBe(N);

    // The synced topic's values are all there, in order.
    const c = kafka.consumer({ groupId: `power-${Date.now()}` });
    await c.connect();
    await c.subscribe({ topic: FLUSHED, fromBeginning: true });
    const seen: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(async () => seen.length >= N, "the flushed topic read back", 60_000);
    await c.disconnect();
    expect(seen.slice(0, N)).toEqual(Array.from({ length: N }, (_, i) => `flushed-${i}`));
  });
});

describe("npm run chaos -- --nemesis power", () => {
  const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
  const args = ["--nemesis", "power", "--nemesis-targets", "all", "--quiet-time", "10", "--nemesis-interval", "12", "--time-limit", "40", "--recovery-time", "5", "--seed", "1"];
  const results = (s: string) => JSON.parse(fs.readFileSync(path.join(fs.realpathSync(path.join(s, "latest")), "results.json"), "utf8"));

  it("with Kafka's default flush, a cut of every broker loses acknowledged writes and the verdict says so", async () => {
    const s = store();
    const { code, out } = await chaos([...args, "--store", s]);
    expect(code, out).toBe(1);
    const r = results(s);
    // Polls read most values before the cut: it is the log's end, below them, that shows the loss.
    expect(r["bad-anomaly-types"]).toContain("truncated-log");
    expect(r.anomalies["truncated-log"][0].explanation).toMatch(/the log ends at offset \d+ after the faults were healed/);
  });

  it("with log.flush.interval.messages=1 the same schedule loses nothing", async () => {
    const s = store();
    const { code, out } = await chaos([...args, "--broker-config", "log.flush.interval.messages=1", "--store", s]);
    expect(code, out).toBe(0);
    expect(results(s).valid).toBe(true);
  });
});
