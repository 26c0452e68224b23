// Application-level properties, on top of the Kafka ones: an application under test (a
// consume-transform-produce service, see workloads/application/) reads input records and sends
// output records. The recording layer marks each output send with the input it was made from
// (the op's `from`, one [key, value] per micro-op, or null). From the final reads of both topics:
//
//   app-lost         an input in the log with no output, though the application's group has
//                    committed past it: nothing will ever process it again
//   app-unprocessed  an input in the log with no output, not committed past: still pending when
//                    the run stopped the application (a liveness failure within the stated bound)
//   app-duplicate    an input with more than one output in the output log (bad when the user
//                    asked for exactly-once; counted, not bad, for at-least-once)
//   app-reorder      two inputs of one key, in log order, whose first outputs in one output key
//                    are in the other order
//   app-early-commit an input the application's group committed past (a `commit` op) before
//                    any output of it was acknowledged: a crash at that moment loses it. Seen
//                    whether or not a crash came; histories without commit ops have none. An
//                    output in the log whose send ended `info` and began before the commit may
//                    have been written before it: such an input is not judged
//
// Pure: ops in, anomalies out. The final reads must have read every key to its end (the run's
// final reads do; keys they did not reach are the Kafka checkers' to report).

import type { Key, Op, OffsetValue } from "../core/history/op.ts";
import type { Anomaly, Results } from "./results.ts";

export type Delivery = "exactly-once" | "at-least-once";

export const APP_ANOMALY_TYPES = ["app-duplicate", "app-early-commit", "app-lost", "app-reorder", "app-unprocessed"] as const;
export type AppAnomalyType = (typeof APP_ANOMALY_TYPES)[number];

export interface AppCheckOptions {
  /** Topics the application reads. */
  inputs: string[];
  /** Topics the application writes. */
  outputs: string[];
  delivery: Delivery;
  /** The application group's committed offset (the next offset to consume) per input key, at the end. */
  committed: Record<Key, number>;
  /** Cases kept per type (default 16); counts are always complete. */
  limit?: number;
}

export interface AppResults {
  delivery: Delivery;
  /** Inputs in the input log, inputs with at least one output, output records in the output log. */
  inputs: number;
  processed: number;
  outputs: number;
  /** Output records that name no input (sent outside a recorded message handler). */
  unattributed: number;
  counts: Partial<Record<AppAnomalyType, number>>;
  anomalies: Partial<Record<AppAnomalyType, Anomaly[]>>;
  /** Types that count for the verdict under this delivery. */
  bad: AppAnomalyType[];
}

const topicOf = (key: Key): string => key.slice(0, key.lastIndexOf("/"));

/** Bad under each delivery guarantee. */
export function appSeverity(type: AppAnomalyType, delivery: Delivery): "bad" | "info" {
  return type === "app-duplicate" && delivery === "at-least-once" ? "info" : "bad";
}

export function checkApplication(ops: Iterable<Op>, o: AppCheckOptions): AppResults {
  const inputs = new Set(o.inputs);
  const outputs = new Set(o.outputs);
  const limit = o.limit ?? 16;
  // What each key's log holds (offset → value), as any ok poll saw it; and where each output value came from.
  const logs = new Map<Key, Map<number, number>>();
  const sourceOf = new Map<string, { key: Key; value: number; op: number }>();
  // Each process's send in flight (its invocation, the inputs it was made from); the first
  // acknowledged output of each input; the sends whose outcome stayed unknown (by their invocation).
  const inFlight = new Map<Op["process"], { invoke: number; ids: string[] }>();
  const firstAck = new Map<string, number>();
  const unknownSends = new Set<number>();
  // Each input key's commits, in history order, with the highest offset committed so far.
  const commits = new Map<Key, { op: number; offset: number; max: number }[]>();
  for (const op of ops) {
    if (op.f === "send" && op.type === "invoke" && Array.isArray(op.from) && Array.isArray(op.value)) {
      const ids: string[] = [];
      (op.value as unknown[][]).forEach((m, i) => {
        const from = (op.from as unknown[])[i];
        if (m[0] !== "send" || !Array.isArray(from) || !outputs.has(topicOf(String(m[1])))) return;
        sourceOf.set(`${m[1]}\u0000${m[2] as number}`, { key: String(from[0]), value: Number(from[1]), op: op.index });
        ids.push(`${String(from[0])}\u0000${Number(from[1])}`);
      });
      inFlight.set(op.process, { invoke: op.index, ids });
    } else if (op.f === "send" && op.type !== "invoke") {
      const sent = inFlight.get(op.process);
      inFlight.delete(op.process);
      if (op.type === "ok") for (const id of sent?.ids ?? []) if (!firstAck.has(id)) firstAck.set(id, op.index);
      if (op.type === "info" && sent?.ids.length) unknownSends.add(sent.invoke);
    }
    if (op.f === "commit" && op.type === "ok" && op.value && typeof op.value === "object" && !Array.isArray(op.value)) {
      for (const [key, offset] of Object.entries(op.value as Record<Key, number>)) {
        if (!inputs.has(topicOf(key))) continue;
        let list = commits.get(key);
        if (!list) commits.set(key, (list = []));
        list.push({ op: op.index, offset, max: Math.max(offset, list.at(-1)?.max ?? -1) });
      }
    }
    if (op.f === "poll" && op.type === "ok" && Array.isArray(op.value)) {
      for (const m of op.value as unknown[][]) {
        if (m[0] !== "poll" || !m[1]) continue;
        for (const [key, pairs] of Object.entries(m[1] as Record<Key, OffsetValue[]>)) {
          const t = topicOf(key);
          if (!inputs.has(t) && !outputs.has(t)) continue;
          let log = logs.get(key);
          if (!log) logs.set(key, (log = new Map()));
          for (const [offset, value] of pairs) log.set(offset, value);
        }
      }
    }
  }

  // Outputs per input, in output-log order per output key.
  const outs = new Map<string, { key: Key; offset: number; op: number }[]>();
  let outputCount = 0;
  let unattributed = 0;
  for (const [key, log] of logs) {
    if (!outputs.has(topicOf(key))) continue;
    for (const offset of [...log.keys()].sort((a, b) => a - b)) {
      outputCount++;
      const src = sourceOf.get(`${key}\u0000${log.get(offset)!}`);
      if (!src) {
        unattributed++;
        continue;
      }
      const id = `${src.key}\u0000${src.value}`;
      let list = outs.get(id);
      if (!list) outs.set(id, (list = []));
      list.push({ key, offset, op: src.op });
    }
  }

  const found: Partial<Record<AppAnomalyType, Anomaly[]>> = {};
  const counts: Partial<Record<AppAnomalyType, number>> = {};
  const add = (type: AppAnomalyType, a: Omit<Anomaly, "type">) => {
    counts[type] = (counts[type] ?? 0) + 1;
    const list = (found[type] ??= []);
    if (list.length < limit) list.push({ ...a, type } as Anomaly);
  };
  let inputCount = 0;
  let processed = 0;
  for (const [key, log] of [...logs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!inputs.has(topicOf(key))) continue;
    const committed = o.committed[key] ?? 0;
    const keyCommits = commits.get(key) ?? [];
    // Per output key: the input whose first output came last so far in this input key's order.
    const lastFirst = new Map<Key, { offset: number; inOffset: number; value: number }>();
    for (const offset of [...log.keys()].sort((a, b) => a - b)) {
      const value = log.get(offset)!;
      inputCount++;
      const list = outs.get(`${key}\u0000${value}`) ?? [];
      const past = firstCommitPast(keyCommits, offset);
      const ack = firstAck.get(`${key}\u0000${value}`);
      // An output whose send ended unknown, invoked before the commit and found in the log, may
      // have been written before it (e.g. a transaction that carried this very commit, its
      // outcome lost): not judged.
      const maybeBefore = past && list.some((x) => unknownSends.has(x.op) && x.op < past.op);
      if (past && (ack === undefined || ack > past.op) && !maybeBefore) {
        add("app-early-commit", {
          key, ops: ack === undefined ? [past.op] : [past.op, ack], offsets: [offset], values: [value], committed: past.offset,
          explanation: `input ${value} at ${key} offset ${offset} was committed past (offset ${past.offset}, op ${past.op}) ${ack === undefined ? "and no output of it was ever acknowledged" : `before its first output was acknowledged (op ${ack})`}: a crash in between loses it`,
        });
      }
      if (list.length === 0) {
        if (committed > offset) {
          add("app-lost", { key, ops: [], offsets: [offset], values: [value], committed, explanation: `input ${value} at ${key} offset ${offset} has no output, yet the application's group committed up to offset ${committed}: it will never be processed` });
        } else {
          add("app-unprocessed", { key, ops: [], offsets: [offset], values: [value], committed, explanation: `input ${value} at ${key} offset ${offset} has no output when the application was stopped, and its group's committed offset is ${committed}: still pending` });
        }
        continue;
      }
      processed++;
      if (list.length > 1) {
        add("app-duplicate", { key, ops: list.map((x) => x.op), offsets: [offset], values: [value], outputs: list.map((x) => `${x.key}@${x.offset}`), explanation: `input ${value} at ${key} offset ${offset} has ${list.length} outputs: ${list.map((x) => `${x.key} offset ${x.offset}`).join(", ")}` });
      }
      const byOutKey = new Map<Key, number>();
      for (const x of list) if (!byOutKey.has(x.key)) byOutKey.set(x.key, x.offset);
      for (const [outKey, outOffset] of byOutKey) {
        const prev = lastFirst.get(outKey);
        if (prev && outOffset < prev.offset) {
          add("app-reorder", { key, ops: [], offsets: [prev.inOffset, offset], values: [prev.value, value], explanation: `inputs ${prev.value} (offset ${prev.inOffset}) then ${value} (offset ${offset}) of ${key} came out in the other order in ${outKey} (offsets ${prev.offset} and ${outOffset})` });
        }
        if (!prev || outOffset > prev.offset) lastFirst.set(outKey, { offset: outOffset, inOffset: offset, value });
      }
    }
  }
  const bad = APP_ANOMALY_TYPES.filter((t) => counts[t] && appSeverity(t, o.delivery) === "bad");
  return { delivery: o.delivery, inputs: inputCount, processed, outputs: outputCount, unattributed, counts, anomalies: found, bad };
}

/** The first commit (in history order) past `offset`: commits' running maximum only grows, so a binary search finds it. */
function firstCommitPast(list: { op: number; offset: number; max: number }[], offset: number): { op: number; offset: number } | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].max > offset) hi = mid;
    else lo = mid + 1;
  }
  return list[lo];
}

/** The Kafka-level results with the application's anomalies added: one verdict for both. */
export function withApplication(r: Results, app: AppResults): Results & { application: AppResults } {
  const types = Object.keys(app.counts) as AppAnomalyType[];
  const bad = [...new Set([...r["bad-anomaly-types"], ...app.bad])].sort();
  return {
    ...r,
    valid: app.bad.length ? false : r.valid,
    "anomaly-types": [...new Set([...r["anomaly-types"], ...types])].sort(),
    "bad-anomaly-types": bad,
    anomalies: { ...r.anomalies, ...app.anomalies },
    counts: { ...r.counts, ...app.counts },
    "checked-anomaly-types": [...new Set([...(r["checked-anomaly-types"] ?? []), ...APP_ANOMALY_TYPES])].sort(),
    application: app,
  };
}
