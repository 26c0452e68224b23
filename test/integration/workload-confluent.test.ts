// Fault-free runs of each workload with the confluent client (@confluentinc/kafka-javascript,
// librdkafka) against one real ZooKeeper-mode cluster (Kafka 3.9.1, three brokers): the history,
// read back from history.jsonl, has ok sends and polls, its final reads saw every acknowledged
// value, and the checkers (as `check <history>` runs them, mode inferred) find it valid.
import { describe, expect, it } from "vitest";
import { checkHistoryFile } from "../../checkers/index.ts";
import { tally, useWorkloadCluster, workloadConfig } from "./workload-support.ts";

const run = useWorkloadCluster();
const confluent = (seed: number, o: { txn?: boolean; subscribe?: boolean } = {}) => workloadConfig("confluent", seed, o);

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
