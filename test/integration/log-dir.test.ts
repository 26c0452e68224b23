// The log-dir nemesis on a real cluster: each broker keeps two log dirs on kc-lazyfs. Failing the
// dir that holds a partition's leader replica makes Kafka take that dir offline on its next append
// (its own log says so), leadership moves, acks=all writes go on through the other replicas, and
// the broker keeps serving from its other dir. The stop heals the dir and restarts the broker,
// which serves the dir again; nothing written is lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { Rng } from "../../core/rng.ts";
import type { FailedLogDir } from "../../core/cluster.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { eventually, startTestCluster } from "./support.ts";

const TOPIC = "jbod";
const N = 30;

describe("log-dir: a failed log dir under a partition leader (zookeeper, 3.9.1)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1", extra: { lazyfs: true, logDirs: 2 } }));
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3, config: { "min.insync.replicas": "2" } }]);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("Kafka takes the failed dir offline, leadership moves, writes go on; the stop brings the dir back with nothing lost", async () => {
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 20 } });
    const p = kafka.producer({ idempotent: true });
    await p.connect();
    const send = (i: number) => p.send({ topic: TOPIC, acks: -1, messages: [{ value: `v-${i}` }] });
    for (let i = 0; i < N / 3; i++) await send(i);

    const env: NemesisEnv = { cluster, mode: "zookeeper", keys: () => [`${TOPIC}/0`] };
    const [fam] = buildFamilies(["log-dir"], [], cluster.capabilities);
    const leader = (await cluster.leader(`${TOPIC}/0`))!;
    const holding = await cluster.logDirOf(leader, TOPIC, 0);
    const op = await fam.start(env, "leader", new Rng(1));
    const [failed] = op.dirs as FailedLogDir[];
    expect(failed.node).toBe(leader);
    expect(failed.dir).toBe(holding);
    // Through the failed dir nothing answers, not even a lookup.
    expect(await cluster.logDirOf(leader, TOPIC, 0)).toBeUndefined();
    expect(failed.partitions).toContain(`${TOPIC}-0`);
    expect(await cluster.leaks()).toEqual([`${leader}'s log dir ${failed.dir} still fails`]);

    // The next append on the leader hits EIO: Kafka takes the dir offline and another replica leads.
    for (let i = N / 3; i < (2 * N) / 3; i++) await send(i);
    await eventually(async () => cluster.tail(leader, 400).some((l) => l.includes(`Stopping serving logs in dir ${failed.dir}`)), `${leader} to take ${failed.dir} offline`, 60_000);
    const newLeader = await eventually(async () => {
      const l = await cluster.leader(`${TOPIC}/0`);
      return l && l !== leader ? l : undefined;
    }, "a new leader", 60_000);
    expect(newLeader).not.toBe(leader);
    // The broker itself is still up, serving its other dir.
    expect(cluster.tail(leader, 400).some((l) => /kafka-chaos: process exited/.test(l))).toBe(false);

    const stop = await fam.stop(env);
    expect(stop.healed).toEqual({ [leader]: [failed.dir] });
    expect(await cluster.leaks()).toEqual([]);
    for (let i = (2 * N) / 3; i < N; i++) await send(i);
    await p.disconnect();
    // The restarted broker serves the dir again: its replica rejoins the ISR.
    await eventually(async () => (await cluster.partitionsVia(newLeader!, TOPIC))[0]?.isr.length === 3, "the full ISR again", 120_000);

    const c = kafka.consumer({ groupId: `logdir-${Date.now()}` });
    await c.connect();
    await c.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(async () => seen.length >= N, "every value read back", 60_000);
    await c.disconnect();
    expect(seen.slice(0, N)).toEqual(Array.from({ length: N }, (_, i) => `v-${i}`));
  });
});
