// Fault-free runs of each workload with the confluent client (@confluentinc/kafka-javascript,
// librdkafka) against one real ZooKeeper-mode cluster (Kafka 3.9.1, three brokers): the history,
// read back from history.jsonl, has ok sends and polls, its final reads saw every acknowledged
// value, and the checkers (as `check <history>` runs them, mode inferred) find it valid.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistoryFile } from "../../checkers/index.ts";
import type { Cluster } from "../../harness/cluster/cluster.ts";
import { defaultConfig, type TestConfig } from "../../harness/config.ts";
import type { Op, OffsetValue } from "../../harness/history/op.ts";
import { HistoryWriter } from "../../harness/history/writer.ts";
import { runPhase } from "../../harness/interpreter.ts";
import { createWorkload } from "../../workloads/index.ts";
import { startTestCluster } from "./support.ts";

let cluster: Cluster;
let runDir: string;

beforeAll(async () => {
  ({ cluster, runDir } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1" }));
});

afterAll(async () => {
  await cluster?.stop();
});

interface RunResult {
  file: string;
  ops: Op[];
  unreached: number;
}

/** Main phase of `seconds`, then final reads; returns the history as written to disk. */
async function run(config: TestConfig, prefix: string, seconds: number): Promise<RunResult> {
  const w = createWorkload(config, cluster.bootstrap, { topicPrefix: prefix, tag: prefix });
  await cluster.createTopics(w.topics);
  const file = path.join(runDir, `${prefix}-history.jsonl`);
  const history = new HistoryWriter(file);
  const live: Op[] = [];
  history.onAppend((op) => live.push(op));
  try {
    await runPhase({
      generator: w.generator(),
      clients: w.clients,
      concurrency: config.concurrency,
      history,
      rate: config.rate,
      durationMs: seconds * 1000,
      opTimeoutMs: w.opTimeoutMs,
    });
    const f = await w.finalReads(history, live, { deadlineMs: Date.now() + 60_000 });
    history.close();
    const ops = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Op);
    return { file, ops, unreached: f.unreached.size };
  } finally {
    history.close();
  }
}

function confluent(seed: number, o: { txn?: boolean; subscribe?: boolean } = {}): TestConfig {
  const c = defaultConfig();
  c.client = "confluent";
  c.seed = seed;
  if (o.txn) {
    c.workload.name = "txn";
    c.workload.txn = true;
  }
  if (o.subscribe) {
    c.consumer.mode = "subscribe";
    c.workload.subscribe = true;
  }
  return c;
}

type Pairs = Map<string, Set<number>>;
const add = (m: Pairs, k: string, v: number) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);

/** Every ok send's value read by some ok poll; aborted values never read. */
function tally(ops: Op[]) {
  const okSent: Pairs = new Map();
  const failSent: Pairs = new Map();
  const read: Pairs = new Map();
  let okSends = 0;
  let okPollsWithData = 0;
  for (const op of ops) {
    if (op.type === "invoke" || !Array.isArray(op.value) || !["send", "poll", "txn"].includes(op.f)) continue;
    let polledSomething = false;
    for (const m of op.value as unknown[][]) {
      if (m[0] === "send") {
        const v = Array.isArray(m[2]) ? (m[2] as OffsetValue)[1] : (m[2] as number);
        if (op.type === "ok") {
          okSends++;
          expect(Array.isArray(m[2]), "an acks=all ok send knows its offset").toBe(true);
          add(okSent, m[1] as string, v);
        } else if (op.type === "fail") add(failSent, m[1] as string, v);
      } else if (m[0] === "poll" && op.type === "ok") {
        for (const [k, pairs] of Object.entries(m[1] as Record<string, OffsetValue[]>)) {
          for (const [, v] of pairs) add(read, k, v);
          polledSomething ||= pairs.length > 0;
        }
      }
    }
    if (polledSomething) okPollsWithData++;
  }
  const unseen: string[] = [];
  for (const [k, vs] of okSent) for (const v of vs) if (!read.get(k)?.has(v)) unseen.push(`${k}:${v}`);
  const abortedRead: string[] = [];
  for (const [k, vs] of failSent) for (const v of vs) if (read.get(k)?.has(v)) abortedRead.push(`${k}:${v}`);
  return { okSends, okPollsWithData, unseen, abortedRead };
}

/** The checkers' verdict on the history file, the way `node harness/cli.ts check <history>` reaches it. */
async function verdict(file: string) {
  const r = await checkHistoryFile(file);
  return { valid: r.valid, bad: r["bad-anomaly-types"], all: r["anomaly-types"], unknown: r["unknown-reasons"] ?? [] };
}

describe("workloads with the confluent client on a fault-free cluster (zookeeper, Kafka 3.9.1)", () => {
  it("queue (assign): ok sends and polls; final reads see every acknowledged value; valid", async () => {
    const { file, ops, unreached } = await run(confluent(11), "cq", 30);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(100);
    expect(r.okPollsWithData).toBeGreaterThan(20);
    expect(r.unseen).toEqual([]);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "assign" && o.type === "ok" && o["seek-to-beginning"] === true)).toBe(true);
    expect(ops.filter((o) => o.type !== "invoke" && ["send", "poll"].includes(o.f)).every((o) => o.type === "ok")).toBe(true);
    expect(await verdict(file)).toMatchObject({ valid: true, bad: [] });
  });

  it("txn (assign, read_committed): commits, aborts on purpose, sendOffsetsToTransaction; valid", async () => {
    const { file, ops, unreached } = await run(confluent(12, { txn: true }), "cx", 30);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(50);
    expect(r.okPollsWithData).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    expect(r.abortedRead).toEqual([]);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "txn" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => o.type === "fail" && o.error === "aborted-on-purpose")).toBe(true);
    expect(ops.filter((o) => o.type === "info" && o.error !== "crash")).toEqual([]);
    expect(await verdict(file)).toMatchObject({ valid: true, bad: [] });
  });

  it("txn (subscribe): one consumer group, rebalances recorded on polls; valid", async () => {
    const { file, ops, unreached } = await run(confluent(13, { txn: true, subscribe: true }), "cs", 15);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    expect(r.abortedRead).toEqual([]);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "subscribe" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => Array.isArray(o["rebalance-log"]))).toBe(true);
    expect(await verdict(file)).toMatchObject({ valid: true, bad: [] });
  });
});
