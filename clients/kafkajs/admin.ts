// Cluster metadata and topic administration through kafkajs' admin client (via the proxies).
import { Kafka, logLevel, type Admin as KafkaAdmin, type ConfigResourceTypes } from "kafkajs";
import { KcError } from "../../core/errors.ts";
import { parseKey, type Key } from "../../core/history/op.ts";
import { component } from "../../core/log.ts";

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export type { PartitionState } from "../../core/cluster.ts";
import type { Isolation, PartitionState, ReassignmentInProgress } from "../../core/cluster.ts";

/** The part of kafkajs' internal Cluster that ListOffsets at an isolation level of our choosing needs. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  fetchTopicsOffset(topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[]): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** Routes kafkajs' own log lines into the harness log at debug level. */
export const kafkajsLogCreator = () => {
  const logger = component("kafkajs");
  return ({ namespace, log }: { namespace: string; log: { message: string } & Record<string, unknown> }) => {
    const { message, ...rest } = log;
    logger.debug({ namespace, ...rest }, message);
  };
};

/** ConfigResourceTypes.BROKER (kafkajs defines the enum in CommonJS that ESM cannot import by name). */
const BROKER_RESOURCE = 4 as ConfigResourceTypes;

export class Admin {
  private readonly admin: KafkaAdmin;
  private readonly bootstrap: string[];
  private readonly kafka: Kafka;
  private uncommitted?: Promise<KafkajsCluster>;

  constructor(bootstrap: string[]) {
    this.bootstrap = bootstrap;
    const kafka = new Kafka({
      clientId: "kafka-chaos-admin",
      brokers: bootstrap,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogCreator,
    });
    this.admin = kafka.admin();
    this.kafka = kafka;
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  async disconnect(): Promise<void> {
    const uncommitted = this.uncommitted;
    this.uncommitted = undefined;
    await Promise.all([this.admin.disconnect(), uncommitted?.then((c) => c.disconnect(), () => undefined)]);
  }

  async brokerIds(): Promise<number[]> {
    const c = await this.admin.describeCluster();
    return c.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  }

  /** Deletes topics (those that exist); waits for the controller's answer. */
  async deleteTopics(names: string[], timeoutMs = 30_000): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length) await this.admin.deleteTopics({ topics, timeout: timeoutMs });
  }

  /** Every registered broker's id and advertised host. */
  async brokers(): Promise<{ nodeId: number; host: string; port: number }[]> {
    const c = await this.admin.describeCluster();
    return c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })).sort((a, b) => a.nodeId - b.nodeId);
  }

  async controllerId(): Promise<number | undefined> {
    const c = await this.admin.describeCluster();
    return c.controller ?? undefined;
  }

  async partitions(topic: string): Promise<PartitionState[]> {
    const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics.find((x) => x.name === topic);
    return (t?.partitions ?? []).map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  }

  /**
   * Partition states as one broker sees them (its metadata cache), through a fresh client whose
   * only connection is that broker. A partitioned broker's view can be stale; tests and nemeses
   * that need the cluster's view ask a broker on the majority side.
   */
  static async partitionsVia(address: string, topic: string): Promise<PartitionState[]> {
    const a = new Admin([address]);
    await a.connect();
    try {
      return await a.partitions(topic);
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  }

  /**
   * Each key's log end: the next offset to be written, as ListOffsets "latest" gives it
   * (read_committed, so the last stable offset; the high watermark when no transaction is open).
   */
  async endOffsets(keys: Key[], isolation: Isolation = "read_uncommitted"): Promise<Map<Key, number>> {
    const ends = new Map<Key, number>();
    const topics = [...new Set(keys.map((k) => parseKey(k).topic))];
    if (isolation === "read_committed") {
      // kafkajs' admin asks ListOffsets with read_committed: the last stable offset.
      for (const topic of topics) for (const p of await this.admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.offset));
    } else {
      const cluster = await this.uncommittedCluster();
      await cluster.addMultipleTargetTopics(topics);
      await cluster.refreshMetadata(); // leaders move under faults
      const asked = topics.map((topic) => ({ topic, fromBeginning: false, partitions: keys.filter((k) => parseKey(k).topic === topic).map((k) => ({ partition: parseKey(k).partition })) }));
      for (const t of await cluster.fetchTopicsOffset(asked)) for (const p of t.partitions) ends.set(`${t.topic}/${p.partition}`, Number(p.offset));
    }
    return new Map(keys.filter((k) => ends.has(k)).map((k) => [k, ends.get(k)!]));
  }

  /**
   * The high watermark needs ListOffsets with read_uncommitted, which kafkajs' admin never asks
   * (its cluster leaves the isolation level to the request's default, read_committed). kafkajs
   * makes its clusters with a private factory that takes the level; this is one of those, made
   * once. Checked against a transaction left open in test/integration/cluster.test.ts.
   */
  private uncommittedCluster(): Promise<KafkajsCluster> {
    this.uncommitted ??= (async () => {
      const k = this.kafka as unknown as Record<symbol, unknown>;
      const factory = Object.getOwnPropertySymbols(k).find((s) => s.description === "private:Kafka:createCluster");
      if (!factory || typeof k[factory] !== "function") throw new Error("kafkajs has no cluster factory where 2.2.4 keeps it: the high watermark cannot be asked");
      const cluster = (k[factory] as (o: object) => KafkajsCluster)({ isolationLevel: 0 /* READ_UNCOMMITTED */ });
      await cluster.connect();
      return cluster;
    })();
    this.uncommitted.catch(() => (this.uncommitted = undefined));
    return this.uncommitted;
  }

  /** Every partition reassignment in progress, as the controller lists it (ListPartitionReassignments, Kafka 2.4+). */
  async reassignments(): Promise<ReassignmentInProgress[]> {
    const r = await this.admin.listPartitionReassignments({});
    // kafkajs' types say topic/partitionIndex; its decoder gives name/partition.
    type Raw = { topic?: string; name?: string; partitions: { partitionIndex?: number; partition?: number; replicas: number[]; addingReplicas?: number[]; removingReplicas?: number[] }[] };
    return (r.topics as unknown as Raw[]).flatMap((t) =>
      t.partitions.map((p) => ({
        partition: `${t.topic ?? t.name}-${p.partitionIndex ?? p.partition}`,
        replicas: p.replicas ?? [],
        adding: p.addingReplicas ?? [],
        removing: p.removingReplicas ?? [],
      })),
    );
  }

  /** Brokers with a replication throttle in force (a dynamic leader/follower.replication.throttled.rate), with the rates. */
  async replicationThrottles(brokerIds: number[]): Promise<Record<number, Record<string, string>>> {
    const names = ["leader.replication.throttled.rate", "follower.replication.throttled.rate"];
    const r = await this.admin.describeConfigs({ includeSynonyms: false, resources: brokerIds.map((id) => ({ type: BROKER_RESOURCE, name: String(id), configNames: names })) });
    const out: Record<number, Record<string, string>> = {};
    for (const res of r.resources) {
      for (const e of res.configEntries) {
        // Unset, the rate is Long.MAX_VALUE: no throttle.
        if (names.includes(e.configName) && e.configValue && e.configValue !== "9223372036854775807") (out[Number(res.resourceName)] ??= {})[e.configName] = e.configValue;
      }
    }
    return out;
  }

  async partition(topic: string, partition: number): Promise<PartitionState | undefined> {
    return (await this.partitions(topic)).find((p) => p.partition === partition);
  }

  /**
   * Creates topics (existing ones are kept) and waits until every partition has a leader and its
   * full ISR in the metadata of every bootstrap address, not just the one the admin asked: in
   * ZooKeeper mode the controller sends UpdateMetadata to each broker in turn, and a client whose
   * first broker has not had it yet gets "This server does not host this topic-partition".
   */
  async createTopics(topics: TopicSpec[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Right after the brokers register, the controller may not count them yet ("Replication
    // factor: 3 larger than available brokers: 0"): try again until it does, or time runs out.
    for (;;) {
      try {
        await this.createMissing(topics, timeoutMs);
        break;
      } catch (err) {
        const e = err as { retriable?: boolean; errors?: { type?: string }[]; originalError?: { errors?: { type?: string }[] } };
        const types = (e.errors ?? e.originalError?.errors ?? []).map((x) => x.type);
        // A broker that has just registered may also close the admin's connection once (seen in
        // ZooKeeper mode, KafkaJSConnectionClosedError): kafkajs marks that retriable.
        const early = e.retriable === true || (types.length > 0 && types.every((t) => t === "INVALID_REPLICATION_FACTOR" || t === "TOPIC_ALREADY_EXISTS"));
        if (!early || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    let lagging: string[] = [];
    while (Date.now() < deadline) {
      lagging = [];
      for (const address of this.bootstrap) {
        const view = new Admin([address]);
        // A broker that does not answer at all (one a test stopped) has no view to wait for.
        if (!(await view.connect().then(() => true, () => false))) continue;
        try {
          for (const t of topics) {
            const ps = await view.partitions(t.name).catch(() => []);
            if (ps.length < t.partitions) lagging.push(`${t.name} (metadata via ${address})`);
            for (const p of ps) if (p.leader < 0 || p.isr.length < p.replicas.length) lagging.push(`${t.name}/${p.partition} via ${address}`);
          }
        } finally {
          await view.disconnect().catch(() => undefined);
        }
        if (lagging.length) break;
      }
      if (!lagging.length) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new KcError("KC_TOPICS_NOT_READY", `topics without a leader or full ISR after ${timeoutMs / 1000} s: ${lagging.slice(0, 10).join(", ")}`, {
      hint: "check the brokers' logs in nodes/<broker>/container.log",
    });
  }

  /** Creates the topics that do not exist yet. */
  private async createMissing(topics: TopicSpec[], timeoutMs: number): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (!missing.length) return;
    await this.admin.createTopics({
      waitForLeaders: false, // kafkajs can reject unhandled while waiting; we wait for full ISR below
      timeout: timeoutMs,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }
}
