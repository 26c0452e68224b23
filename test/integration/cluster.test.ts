// Real clusters, both metadata modes: clients go through Toxiproxy, and each fault primitive
// has its effect on the cluster and is undone by its heal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { labelledRuns } from "../../deployments/docker/docker.ts";
import { eventually, startTestCluster } from "./support.ts";

const TOPIC = "it";

const modes = [
  { mode: "zookeeper" as const, kafkaVersion: "3.9.1" },
  { mode: "kraft" as const, kafkaVersion: "4.1.1" },
];

describe.each(modes)("cluster ($mode, Kafka $kafkaVersion)", ({ mode, kafkaVersion }) => {
  let cluster: Cluster;
  let runId: string;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode, kafkaVersion }));
    runId = cluster.runId;
    await cluster.createTopics([{ name: TOPIC, partitions: 3, replicationFactor: 3 }]);
  });

  afterAll(async () => {
    await cluster?.stop();
    // Nothing labelled with this run remains: containers, network.
    expect((await labelledRuns()).map((r) => r.run)).not.toContain(runId);
  });

  const producer = async (brokers = cluster.bootstrap): Promise<Producer> => {
    const p = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 1 } }).producer({
      allowAutoTopicCreation: false,
    });
    await p.connect();
    return p;
  };
  /** Topic metadata asked of one broker alone, once, with short timeouts. */
  const metadataVia = async (address: string) => {
    const a = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
    try {
      await a.connect();
      return await a.fetchTopicMetadata({ topics: [TOPIC] });
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  };
  /** What `broker` leads and where it is in the ISR, as a broker other than it sees it. */
  const partitionOf = async (broker: string) => {
    const viewer = broker === "broker-3" ? "broker-2" : "broker-3";
    const ps = await cluster.partitionsVia(viewer, TOPIC);
    const id = cluster.nodes.find((n) => n.name === broker)!.id;
    return { led: ps.filter((p) => p.leader === id), inIsr: ps.filter((p) => p.isr.includes(id)), all: ps };
  };

  const backInEveryIsr = (broker: string, what = `${broker} back in every ISR`) =>
    eventually(async () => {
      const { inIsr, all } = await partitionOf(broker);
      return inIsr.length === all.length;
    }, what, 120_000);

  it("round-trips a message through Toxiproxy, advertised on 127.0.0.1", async () => {
    expect(cluster.bootstrap.every((b) => b.startsWith("127.0.0.1:"))).toBe(true);
    const p = await producer();
    const [r] = await p.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: "hello" }] });
    await p.disconnect();
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const c = kafka.consumer({ groupId: `it-${Date.now()}` });
    await c.connect();
    await c.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen = await new Promise<string>((resolve) => {
      void c.run({ eachMessage: async ({ partition, message }) => { if (partition === 0 && message.offset === r.baseOffset) resolve(message.value!.toString()); } });
    });
    await c.disconnect();
    expect(seen).toBe("hello");
  });

  it("reads the log end as the high watermark, or read_committed the last stable offset, which a transaction left open holds back", async () => {
    const key = `${TOPIC}/2`;
    const p = await producer();
    await p.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: "a" }, { partition: 2, value: "b" }] });
    await p.disconnect();
    const start = (await cluster.endOffsets([key])).get(key)!;
    const tp = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).producer({ transactionalId: `it-ends-${mode}`, idempotent: true, maxInFlightRequests: 1 });
    await tp.connect();
    const txn = await tp.transaction();
    await txn.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: "open" }] });
    // Open: the record is in the log (high watermark past it), not stable (read_committed stops before it).
    expect((await cluster.endOffsets([key])).get(key)).toBe(start + 1);
    expect((await cluster.endOffsets([key], "read_committed")).get(key)).toBe(start);
    await txn.commit();
    // Committed: the marker follows it, and both ends agree.
    await eventually(async () => (await cluster.endOffsets([key], "read_committed")).get(key) === start + 2, "the last stable offset past the commit marker", 20_000);
    expect((await cluster.endOffsets([key])).get(key)).toBe(start + 2);
    await tp.disconnect();
  });

  it("a disabled proxy stops client traffic to that broker, and only that one", async () => {
    const broker = "broker-1";
    const { led } = await partitionOf(broker);
    expect(led.length).toBeGreaterThan(0);
    await cluster.links.setEnabled(broker, false);
    try {
      // Only broker-1's address: no other path exists for the client.
      const only = [cluster.bootstrap[0]];
      await expect(producer(only)).rejects.toThrow();
      // The other brokers' links still work.
      const p = await producer(cluster.bootstrap.slice(1));
      await p.disconnect();
    } finally {
      await cluster.links.setEnabled(broker, true);
    }
    const p = await producer([cluster.bootstrap[0]]);
    await p.disconnect();
  });

  it("a killed broker leaves the ISR, restarts and rejoins it", async () => {
    const broker = "broker-2";
    await cluster.kill(broker);
    await eventually(async () => (await partitionOf(broker)).inIsr.length === 0, `${broker} out of every ISR`, 90_000);
    await cluster.start(broker);
    await backInEveryIsr(broker);
  });

  it("pause freezes a broker (it leaves the ISR) and resume brings it back", async () => {
    const broker = "broker-3";
    await cluster.pause(broker);
    try {
      // Frozen, as the engine sees it (not our bookkeeping), and to a client: its proxy takes the
      // connection but the broker answers nothing.
      expect(await cluster.leaks()).toContain(`${broker} is paused`);
      await expect(metadataVia(cluster.bootstrap[2])).rejects.toThrow();
      await eventually(async () => (await partitionOf(broker)).inIsr.length === 0, `${broker} out of every ISR while paused`, 90_000);
    } finally {
      await cluster.resume(broker);
    }
    expect(await cluster.leaks()).not.toContain(`${broker} is paused`);
    await backInEveryIsr(broker);
    // The same request answers once it runs again.
    expect((await metadataVia(cluster.bootstrap[2])).topics[0].name).toBe(TOPIC);
  });

  it("a partitioned broker loses its leaderships and ISR membership, stays cut off across a kill, and returns after heal", async () => {
    const broker = "broker-1";
    const others = cluster.nodes.filter((n) => n.name !== broker).map((n) => n.name);
    await cluster.partition({ [broker]: others, ...Object.fromEntries(others.map((o) => [o, [broker]])) });
    expect((await cluster.rules(broker)).length).toBe(others.length);
    await eventually(async () => {
      const { led, inIsr } = await partitionOf(broker);
      return led.length === 0 && inIsr.length === 0;
    }, `${broker} without leaderships or ISR membership`, 90_000);
    // Kill and restart the partitioned broker: the partition stays in force. (It cannot reach
    // ZooKeeper/the controllers, so it never finishes starting; don't wait for it.)
    await cluster.kill(broker);
    await cluster.start(broker, { waitMs: 0 });
    expect((await cluster.rules(broker)).length).toBe(others.length);
    await new Promise((r) => setTimeout(r, 15_000));
    expect((await partitionOf(broker)).inIsr.length).toBe(0);
    await cluster.heal();
    expect(await cluster.rules(broker)).toEqual([]);
    // It may have given up starting while cut off (exit code 1); bring up whatever is down.
    await cluster.startAll();
    await backInEveryIsr(broker, `${broker} back in every ISR after heal`);
  });

  it("a black hole on a broker's links to ZooKeeper or the KRaft controllers (and on no other link) takes it out of every ISR; direct links bring it back", async () => {
    const quorum = cluster.peerLinks.list().filter((l) => l.from === "broker-3" && l.kind === "quorum");
    expect(quorum.map((l) => l.to).sort()).toEqual(mode === "kraft" ? ["controller-1", "controller-2", "controller-3"] : ["zk-1", "zk-2", "zk-3"]);
    for (const l of quorum) for (const stream of ["upstream", "downstream"] as const) await cluster.peerLinks.addToxic(l.from, l.to, { type: "timeout", attributes: { timeout: 0 }, stream });
    try {
      // ZooKeeper expires its session, or the controllers fence it for missed heartbeats.
      await eventually(async () => (await partitionOf("broker-3")).inIsr.length === 0, "broker-3 out of every ISR", 90_000);
      expect((await cluster.leaks()).join("\n")).toMatch(/broker-3 still routes 3 link\(s\) through Toxiproxy/);
    } finally {
      await cluster.peerLinks.reset();
    }
    expect(await cluster.leaks()).toEqual([]);
    await backInEveryIsr("broker-3");
  });

  it("knows the active controller", async () => {
    const c = (await eventually(() => cluster.controller(), "an active controller"))!;
    expect(cluster.nodes.map((n) => n.name)).toContain(c);
    if (mode === "kraft") {
      expect(c).toMatch(/^controller-/);
      // The active one, not any controller: once it is killed another takes over, and is named.
      await cluster.kill(c);
      try {
        const next = await eventually(async () => {
          const n = await cluster.controller();
          return n !== c ? n : undefined;
        }, "another active controller", 60_000);
        expect(next).toMatch(/^controller-/);
      } finally {
        await cluster.start(c);
      }
    } else {
      expect(c).toMatch(/^broker-/);
      // ZooKeeper's /controller znode names the same broker.
      const r = await cluster.shell("zk-1", "java -Xmx64m -cp '/opt/kafka/libs/*' org.apache.zookeeper.ZooKeeperMain -server localhost:2181 get /controller 2>/dev/null");
      const id = /"brokerid":(\d+)/.exec(r.output)?.[1];
      expect(id, r.output).toBeDefined();
      expect(cluster.nodes.find((n) => n.name === c)!.id).toBe(Number(id));
    }
  });
});
