// Fault-free runs of each workload against one real ZooKeeper-mode cluster (Kafka 3.9.1, three
// brokers): the history, read back from history.jsonl, has ok sends and polls, is well formed,
// and its final reads saw every acknowledged value.
import { describe, expect, it } from "vitest";
import { tally, useWorkloadCluster, workloadConfig, sharedProducerRun } from "./workload-support.ts";

const run = useWorkloadCluster();

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
    const { ops, unreached } = await run(workloadConfig("kafkajs", 1), "q", 30);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(100);
    expect(r.okPollsWithData).toBeGreaterThan(20);
    expect(r.unseen).toEqual([]);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "assign" && o.type === "ok" && o["seek-to-beginning"] === true)).toBe(true);
    expect(ops.filter((o) => o.type !== "invoke" && ["send", "poll"].includes(o.f)).every((o) => o.type === "ok")).toBe(true);
  });

  it("txn (assign, read_committed): commits and aborts on purpose", async () => {
    const { ops, unreached } = await run(workloadConfig("kafkajs", 2, { txn: true }), "x", 30);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(50);
    expect(r.okPollsWithData).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    reportAbortedReads(r.abortedRead);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "txn" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => o.type === "fail" && o.error === "aborted-on-purpose")).toBe(true);
  });

  it("txn (subscribe): one consumer group, rebalances recorded on polls", async () => {
    const { ops, unreached } = await run(workloadConfig("kafkajs", 3, { txn: true, subscribe: true }), "s", 15);
    const r = tally(ops);
    expect(r.okSends).toBeGreaterThan(10);
    expect(r.unseen).toEqual([]);
    reportAbortedReads(r.abortedRead);
    expect(unreached).toBe(0);
    expect(ops.some((o) => o.f === "subscribe" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => Array.isArray(o["rebalance-log"]))).toBe(true);
  });

  it("queue with 8 processes sharing 2 idempotent producers (--processes-per-client 4): sends in flight together, one producer id per group", async () => {
    await sharedProducerRun(run, "kafkajs", "k");
  });
});
