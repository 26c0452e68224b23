// librdkafka's duplicate FETCH_STOP (docs/findings/2026-12-05-librdkafka-double-fetch-stop): the
// bundled confluent client aborts its whole process when a consumer's assignment drops a started
// partition, takes it back and drops it again before the first stop was answered. Pinned with the
// reproducer (scripts/repro/rdkafka-double-stop.ts) against a real broker, and the harness's answer
// to it: with --clients-in process (the default for confluent) the client host dies, not the run.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { bundledLibrary } from "../../clients/index.ts";
import { chaos, readJson, runDirsOf, startTestCluster } from "./support.ts";

const ASSERTION = "rd_kafka_assignment_partition_stopped: Assertion `rktp->rktp_started' failed.";
const library = bundledLibrary("confluent");
const repro = (bootstrap: string[], ...args: string[]) =>
  spawnSync(process.execPath, [path.resolve("scripts/repro/rdkafka-double-stop.ts"), library.dir, bootstrap.join(","), "repro", ...args], { encoding: "utf8", timeout: 120_000 });

describe("librdkafka's duplicate FETCH_STOP (bundled confluent client)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "kraft", kafkaVersion: "3.9.1", brokers: 1, extra: { combined: true, controllers: 1 } }));
    await cluster.createTopics([{ name: "repro", partitions: 2, replicationFactor: 1 }]);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it("aborts the process when assign() drops, retakes and drops a started partition back to back; 20 ms apart the same calls survive", () => {
    // The release this pins: when a bundled release carries the fix (librdkafka #5574), this test says so.
    expect(createRequire(path.join(library.dir, "package.json"))("./package.json").librdkafka).toBe("2.15.1");
    const fast = repro(cluster.bootstrap, "2000");
    expect([fast.status, fast.signal], fast.stdout + fast.stderr).toEqual([null, "SIGABRT"]);
    expect(fast.stderr).toContain(ASSERTION);
    const spaced = repro(cluster.bootstrap, "100", "20");
    expect([spaced.status, spaced.stdout.trim()], spaced.stderr).toEqual([0, "survived 100 rounds"]);
  }, 180_000);

  it("a run whose client host aborts records its ops info with the assertion, starts a new host and finishes with the history's verdict", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-abort-"));
    // Nine ops in ten re-assign: a process's assignment changes back to back, as in the reproducer.
    const { code, out } = await chaos(["--client", "confluent", "--subscribe-p", "0.9", "--rate", "2000", "--time-limit", "15", "--recovery-time", "2", "--seed", "1", "--store", store]);
    expect(code, out).toBe(0);
    expect(out).toContain("a client host died");
    const [dir] = runDirsOf(store);
    expect(readJson(path.join(dir, "test.json"))).toMatchObject({ client: "confluent", clientsIn: "process" });
    const ops = fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; f: string; error?: string; index: number });
    const died = ops.filter((o) => o.type === "info" && o.error?.includes(`client host exited (SIGABRT): node: rdkafka_assignment.c:1182: ${ASSERTION}`));
    expect(died.length).toBeGreaterThan(0);
    // The run went on after the first death: ok ops with new clients, and final reads that reached every key.
    expect(ops.some((o) => o.type === "ok" && o.index > died[0].index && o.f === "send")).toBe(true);
    const results = readJson(path.join(dir, "results.json"));
    expect(results).toMatchObject({ valid: true });
    expect(Object.keys(results.stats.errors).some((e) => e.includes(ASSERTION))).toBe(true);
  }, 600_000);
});
