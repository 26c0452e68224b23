// debug-topic-partitions (Jepsen's op of that name): the cluster's own view of the test's
// partitions at chosen moments, so an anomaly can be read against what the brokers believed.
// After each fault starts or stops, every few seconds of the main phase, once everything is
// healed (nemeses/runner.ts) and after the recovery time (harness/run.ts), every broker is asked, each through a client of its own, who leads each active key's partition
// and which replicas are in sync; and the cluster is asked for each key's log end. A broker that
// does not answer within the time limit is recorded with its error: a partitioned broker's stale
// or missing view is part of the picture. Recorded as a nemesis pair (`--debug-partitions`).
import type { Key } from "../core/history/op.ts";
import { parseKey } from "../core/history/op.ts";
import { TIMED_OUT, within } from "../core/within.ts";
import type { ClusterNodes, Leadership } from "./capabilities.ts";

/** What the observer reads: each broker's metadata, and the log ends. */
export type Observable = ClusterNodes & Pick<Leadership, "partitionsVia" | "nodeOfBrokerId"> & { endOffsets?(keys: Key[]): Promise<Map<Key, number>> };

/** One key's partition as one broker sees it: nodes by name (a broker id the cluster does not know stays a number). */
export interface PartitionView {
  leader: string | number | null;
  isr: (string | number)[];
  replicas: (string | number)[];
}

export interface TopicPartitionsView {
  /** Broker → key → its view of that key's partition, or the error that stood in for its answer. */
  brokers: Record<string, Record<Key, PartitionView> | { error: string }>;
  /** Key → log end (the next offset to be written), or the error. */
  logEnds: Record<Key, number> | { error: string };
  /** Keys whose brokers disagree on the leader or the ISR (among those that answered). */
  disagree: Key[];
}

/** Milliseconds a broker may take to answer before its view is recorded as an error. */
export const OBSERVE_TIMEOUT_MS = 3000;

export async function observeTopicPartitions(cluster: Observable, keys: readonly Key[], timeoutMs = OBSERVE_TIMEOUT_MS): Promise<TopicPartitionsView> {
  const sorted = [...new Set(keys)].sort();
  const topics = [...new Set(sorted.map((k) => parseKey(k).topic))];
  const brokers = cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.name);
  const name = (id: number): string | number => (id < 0 ? id : (cluster.nodeOfBrokerId(id) ?? id));
  const views = await Promise.all(
    brokers.map(async (b): Promise<[string, Record<Key, PartitionView> | { error: string }]> => {
      try {
        const byKey: Record<Key, PartitionView> = {};
        for (const topic of topics) {
          for (const p of await answer(cluster.partitionsVia(b, topic), timeoutMs, b)) {
            const key = `${topic}/${p.partition}`;
            if (sorted.includes(key)) byKey[key] = { leader: p.leader < 0 ? null : name(p.leader), isr: p.isr.map(name), replicas: p.replicas.map(name) };
          }
        }
        return [b, byKey];
      } catch (e) {
        return [b, { error: (e as Error).message.slice(0, 200) }];
      }
    }),
  );
  let logEnds: TopicPartitionsView["logEnds"];
  try {
    if (!cluster.endOffsets) throw new Error("this cluster does not report log ends");
    logEnds = Object.fromEntries(await answer(cluster.endOffsets(sorted), timeoutMs, "the cluster"));
  } catch (e) {
    logEnds = { error: (e as Error).message.slice(0, 200) };
  }
  const byBroker = Object.fromEntries(views);
  return { brokers: byBroker, logEnds, disagree: disagreements(byBroker, sorted) };
}

/** Keys on which the brokers that answered name different leaders or different ISRs. */
export function disagreements(brokers: TopicPartitionsView["brokers"], keys: readonly Key[]): Key[] {
  return keys.filter((k) => {
    const seen = new Set<string>();
    for (const v of Object.values(brokers)) {
      if ("error" in v) continue;
      const p = (v as Record<Key, PartitionView>)[k];
      if (p) seen.add(JSON.stringify([p.leader, [...p.isr].map(String).sort()]));
    }
    return seen.size > 1;
  });
}

/** The promise's value, or an error naming `who` after `ms`. */
async function answer<T>(p: Promise<T>, ms: number, who: string): Promise<T> {
  const r = await within(p, ms);
  if (r === TIMED_OUT) throw new Error(`${who} did not answer within ${ms} ms`);
  return r;
}
