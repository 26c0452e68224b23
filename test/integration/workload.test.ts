// Fault-free runs of each workload against one real ZooKeeper-mode cluster (Kafka 3.9.1, three
// brokers): the history, read back from history.jsonl, has ok sends and polls, is well formed,
// and its final reads saw every acknowledged value.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    return { ops, unreached: f.unreached.size };
  } finally {
    history.close();
  }
}

type Pairs = Map<string, Set<number>>;
const add = (m: Pairs, k: string, v: number) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);

/** A small inline check: well-formed, and every ok send's value read by some ok poll. */
function check(ops: Op[]) {
  const open = new Map<unknown, Op>();
  ops.forEach((op, i) => {
    expect(op.index).toBe(i);
    if (op.type === "invoke") {
      expect(open.has(op.process)).toBe(false);
      open.set(op.process, op);
    } else {
      expect(open.get(op.process)?.f).toBe(op.f);
      open.delete(op.process);
    }
  });
  expect(open.size).toBe(0);

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

/**
 * Aborted values read by read_committed polls are a real kafkajs 2.2.4 bug, not a harness one
 * (workloads/README.md, "Known client bugs"; kafkajs/known-bugs.test.ts): its
 * filterAbortedMessages only looks at the head of the aborted-transaction list, one transaction
 * per record. The checkers report them as G1a; this test only shows them.
 */
function reportAbortedReads(reads: string[]): void {
  if (reads.length) console.warn(`read_committed polls returned ${reads.length} aborted value(s) (kafkajs bug, see workloads/README.md): ${reads.slice(0, 10).join(" ")}`);
}

describe("workloads on a fault-free cluster (zookeeper, Kafka 3.9.1)", () => {
  it("queue (assign): ok sends and polls; final reads see every acknowledged value", async () => {
    const c = defaultConfig();
    c.seed = 1;
    const { ops, unreached } = await run(c, "q", 30);
    const r = check(ops);
    expect(r.okSends).toBeGreaterThan(100);
    expect(r.okPollsWithData).toBeGreaterThan(20);
    expect(r.unseen).toEqual([]);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "assign" && o.type === "ok" && o["seek-to-beginning"] === true)).toBe(true);
    expect(ops.filter((o) => o.type !== "invoke" && ["send", "poll"].includes(o.f)).every((o) => o.type === "ok")).toBe(true);
  });

  it("txn (assign, read_committed): commits and aborts on purpose", async () => {
    const c = defaultConfig();
    c.seed = 2;
    c.workload.name = "txn";
    c.workload.txn = true;
    const { ops, unreached } = await run(c, "x", 30);
    const r = check(ops);
    expect(r.okSends).toBeGreaterThan(50);
    expect(r.okPollsWithData).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    reportAbortedReads(r.abortedRead);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "txn" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => o.type === "fail" && o.error === "aborted-on-purpose")).toBe(true);
  });

  it("txn (subscribe): one consumer group, rebalances recorded on polls", async () => {
    const c = defaultConfig();
    c.seed = 3;
    c.workload.name = "txn";
    c.workload.txn = true;
    c.consumer.mode = "subscribe";
    c.workload.subscribe = true;
    const { ops, unreached } = await run(c, "s", 15);
    const r = check(ops);
    expect(r.okSends).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    reportAbortedReads(r.abortedRead);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "subscribe" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => Array.isArray(o["rebalance-log"]))).toBe(true);
  });
});
