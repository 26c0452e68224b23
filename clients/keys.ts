// Keys ↔ Kafka topic-partitions. A key names one partition: `"<prefix><i>/<p>"`, e.g. `"t3/1"` is
// partition 1 of topic `t3` (prefix `t`). The key space is fixed when the topics are created:
// topics × partitions keys, ordered so that consecutive keys sit on different topics.
import type { TopicSpec } from "./kafkajs/admin.ts";
import { formatKey, parseKey, type Key } from "../core/history/op.ts";

export interface KeySpace {
  /** Every key, in the order new keys come into use. */
  keys: Key[];
  topics: TopicSpec[];
  /** Partitions of each topic, by topic name. */
  partitionsOf: Map<string, number[]>;
}

export interface KeySpaceOptions {
  topics: number;
  partitions: number;
  replicationFactor: number;
  /** Topic names are `<prefix><i>`; default `t`. */
  prefix?: string;
  /** Topic-level config of every topic. */
  config?: Record<string, string>;
}

export function keySpace(o: KeySpaceOptions): KeySpace {
  const prefix = o.prefix ?? "t";
  const names = Array.from({ length: o.topics }, (_, i) => `${prefix}${i}`);
  const keys: Key[] = [];
  for (let p = 0; p < o.partitions; p++) for (const t of names) keys.push(formatKey(t, p));
  const partitions = Array.from({ length: o.partitions }, (_, p) => p);
  return {
    keys,
    topics: names.map((name) => ({ name, partitions: o.partitions, replicationFactor: o.replicationFactor, ...(o.config && Object.keys(o.config).length ? { config: { ...o.config } } : {}) })),
    partitionsOf: new Map(names.map((n) => [n, partitions])),
  };
}

/** The key space of topics made elsewhere (an application's input and output topics), keys in the same order. */
export function keySpaceOfTopics(topics: TopicSpec[]): KeySpace {
  const keys: Key[] = [];
  const most = Math.max(0, ...topics.map((t) => t.partitions));
  for (let p = 0; p < most; p++) for (const t of topics) if (p < t.partitions) keys.push(formatKey(t.name, p));
  return { keys, topics, partitionsOf: new Map(topics.map((t) => [t.name, Array.from({ length: t.partitions }, (_, p) => p)])) };
}

/** The topics a set of keys live in, sorted. */
export function topicsOf(keys: Iterable<Key>): string[] {
  return [...new Set([...keys].map((k) => parseKey(k).topic))].sort();
}

/** Keys grouped as kafkajs wants topic-partition lists: `[{topic, partitions}]`. */
export function byTopic(keys: Iterable<Key>): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const k of keys) {
    const { topic, partition } = parseKey(k);
    let ps = m.get(topic);
    if (!ps) m.set(topic, (ps = []));
    ps.push(partition);
  }
  return [...m].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}
