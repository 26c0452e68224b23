// What the workload integration tests of both clients share: a test cluster per file, a
// fault-free run of a workload on it (main phase, then final reads, history read back from disk)
// and a small inline tally of the history that does not go through the checkers.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { defaultConfig, type ClientName, type TestConfig } from "../../harness/config.ts";
import type { Op, OffsetValue } from "../../core/history/op.ts";
import { HistoryWriter } from "../../core/history/writer.ts";
import { runPhase } from "../../workloads/interpreter.ts";
import { createWorkload } from "../../workloads/index.ts";
import { startTestCluster } from "./support.ts";

/** A test config for `client`: queue/assign by default, txn and subscribe on request. */
export function workloadConfig(client: ClientName, seed: number, o: { txn?: boolean; subscribe?: boolean } = {}): TestConfig {
  const c = defaultConfig();
  c.client = client;
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

export interface WorkloadRun {
  file: string;
  ops: Op[];
  /** Keys the final reads did not read up to their target. */
  unreached: number;
}

/**
 * Starts a ZooKeeper-mode Kafka 3.9.1 cluster for the calling test file (removed after its last
 * test) and returns a runner of workloads on it.
 */
export function useWorkloadCluster(): (config: TestConfig, prefix: string, seconds: number) => Promise<WorkloadRun> {
  let cluster: Cluster | undefined;
  let runDir = "";
  beforeAll(async () => {
    ({ cluster, runDir } = await startTestCluster({ mode: "zookeeper", kafkaVersion: "3.9.1" }));
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return (config, prefix, seconds) => runWorkload(cluster!, runDir, config, prefix, seconds);
}

/** Main phase of `seconds` on its own topics (`prefix`), then final reads; the history as written to disk. */
async function runWorkload(cluster: Cluster, runDir: string, config: TestConfig, prefix: string, seconds: number): Promise<WorkloadRun> {
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

type Pairs = Map<string, Set<number>>;
const add = (m: Pairs, k: string, v: number) => (m.get(k) ?? m.set(k, new Set()).get(k)!).add(v);

/**
 * Asserts the history is well formed (dense indices, one op in flight per process, every invoke
 * completed by the same f), then tallies it: ok sends (each must know its offset), ok polls that
 * returned data, ok-sent values no ok poll read, and failed (aborted) values some ok poll read.
 */
export function tally(ops: Op[]) {
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
