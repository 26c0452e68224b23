// The reassign nemesis on a real cluster of four brokers (ZooKeeper, 3.9.1) while a producer
// writes to the partition: a replica really moves to the broker that held none (the metadata
// shows the new replicas, all in sync), the leader's replica moves and leadership with it, a
// throttled move sets a replication throttle that the end of the move clears, and a move at a
// crawl is cancelled half-way and its replicas go back. Nothing is left for the leak check, and
// every acknowledged write reads back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { Kafka, logLevel } from "kafkajs";
import { Rng } from "../../core/rng.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { INTERNAL_TOPICS } from "../../nemeses/membership.ts";
import { backgroundWrites, eventually, startTestCluster } from "./support.ts";

const TOPIC = "moving";
const KEY = `${TOPIC}/0`;

describe("reassign: replicas move under writes (zookeeper, 3.9.1, 4 brokers)", () => {
  let cluster: Cluster;
  let env: NemesisEnv;
  let writes: Awaited<ReturnType<typeof backgroundWrites>>;

  beforeAll(async () => {
    // Small replica fetches: a throttle is enforced between fetches, and with Kafka's default of
    // 1 MiB the first fetch of a moving replica copied the whole test partition at once, so the
    // 1 B/s "crawl" of the cancel test had sometimes finished before its cancel (CI, 2026-12-03).
    ({ cluster } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1", brokers: 4, brokerConfig: { "replica.fetch.max.bytes": "16384" } }));
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3, config: { "min.insync.replicas": "2" } }]);
    env = { cluster, mode: "zookeeper", keys: () => [KEY] };
    // A steady stream of acks=all writes for the whole file: every fault happens under load.
    writes = await backgroundWrites(cluster, TOPIC, (i) => `v-${i}-${"x".repeat(200)}`);
  });

  afterAll(async () => {
    await writes?.stop();
    await cluster?.stop();
  });

  const family = () => buildFamilies(["reassign"], [], cluster.capabilities)[0];
  // Metadata can say "does not host this topic-partition" for a moment after a move or a topic's creation.
  const state = () => eventually(async () => (await cluster.partitionsVia((await cluster.leader(KEY))!, TOPIC))[0], `${KEY}'s state`, 30_000);

  it("replica: one replica moves to the broker that held none, and the metadata shows it in sync", async () => {
    const before = await state();
    const fam = family();
    const op = await fam.start(env, "replica", new Rng(1));
    expect(op.completed, String(op.what)).toBe(true);
    expect(op.from).toEqual(before.replicas);
    const after = await state();
    expect(after.replicas).toEqual(op.to);
    expect([...after.isr].sort()).toEqual([...after.replicas].sort());
    // Exactly one broker left the set and the fourth came in.
    expect(before.replicas.filter((r) => !after.replicas.includes(r))).toHaveLength(1);
    expect(after.replicas.filter((r) => !before.replicas.includes(r))).toHaveLength(1);
    expect(fam.active()).toBe(false);
    expect((await fam.stop(env)).what).toBe("no reassignment left to see through");
    expect(await cluster.leaks()).toEqual([]);
  });

  it("leader: the leader's replica moves, and another broker leads", async () => {
    const before = await state();
    const op = await family().start(env, "leader", new Rng(2));
    expect(op.completed, String(op.what)).toBe(true);
    const after = await state();
    expect(after.replicas).not.toContain(before.leader);
    expect(after.leader).not.toBe(before.leader);
    expect(op.leaderAfter).toBe(after.leader);
  });

  it("throttled: the move runs under a replication throttle, which its end clears", async () => {
    const fam = family();
    const started = fam.start(env, "throttled", new Rng(3));
    // While it moves (or right after), the throttle is set on the brokers of the move.
    const seen = await eventually(async () => {
      const t = await cluster.admin.replicationThrottles(cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.id));
      return Object.keys(t).length ? t : undefined;
    }, "a replication throttle on some broker", 20_000, 200).catch(() => undefined);
    const op = await started;
    expect(op.completed, String(op.what)).toBe(true);
    expect(op.throttleBytes).toBe(50_000);
    expect(seen, "the tool set leader/follower.replication.throttled.rate").toBeDefined();
    expect(op.throttlesCleared).toBe(true);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("cancel: a move at a crawl is cancelled half-way; its replicas go back and nothing is left", async () => {
    const before = await state();
    const fam = family();
    const op = await fam.start(env, "cancel", new Rng(4));
    expect(op.inProgressAtCancel, String(op.what)).toBe(true);
    expect(op.cancelled).toEqual([`${TOPIC}-0`]);
    expect(op.restored, String(op.what)).toBe(true);
    expect([...(op.replicasAfter as number[])].sort()).toEqual([...before.replicas].sort());
    await fam.stop(env);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("membership: a decommissioned broker's replicas (test and internal topics) move away before it shuts down cleanly; added back, it starts empty and gets a replica of the test partition", async () => {
    // A consumer group first, so that __consumer_offsets exists and has replicas to move.
    const c = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 2_000 } }).consumer({ groupId: "membership" });
    await c.connect();
    await c.subscribe({ topic: TOPIC, fromBeginning: false });
    let joined = false;
    c.on(c.events.GROUP_JOIN, () => void (joined = true));
    await c.run({ eachMessage: async () => undefined });
    await eventually(async () => joined, "the group joined", 60_000);
    await c.disconnect();
    const fam = buildFamilies(["membership"], [], cluster.capabilities)[0];
    const op = await fam.start(env, "leader", new Rng(4));
    expect(op.drained, String(op.what)).toBe(true);
    expect(op.clean).toBe(true);
    const node = op.node as string;
    const id = cluster.nodes.find((n) => n.name === node)!.id;
    expect(fam.active()).toBe(true);
    // It holds no replica of anything, and is down (held by the family: the leak check says so).
    const viewer = ["broker-1", "broker-2", "broker-3", "broker-4"].find((b) => b !== node)!;
    for (const t of [TOPIC, ...INTERNAL_TOPICS]) {
      const states = await cluster.partitionsVia(viewer, t).catch(() => []);
      expect(states.filter((p) => p.replicas.includes(id)).map((p) => `${t}-${p.partition}`)).toEqual([]);
    }
    // The test partition's replica and __consumer_offsets' ones.
    expect((op.partitions as string[]).some((p) => p.startsWith("__consumer_offsets-"))).toBe(true);
    expect(op.partitions).toContain(`${TOPIC}-0`);
    expect(await cluster.leaks()).toContain(`${node} is down`);
    // Writes go on without it.
    const before = writes.acked.length;
    await eventually(async () => writes.acked.length > before + 5, "writes acknowledged while it is out", 30_000);
    const back = await fam.stop(env);
    console.info(`membership: ${String(op.what)}; ${String(back.what)}`);
    expect(back.filled, String(back.what)).toBe(true);
    expect((await state()).replicas).toContain(id);
    expect(fam.active()).toBe(false);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("every acknowledged write reads back, in order", async () => {
    await writes.readBack(100);
  });
});
