// Two bugs of librdkafka 2.15.1 (the bundled confluent client's), pinned against a real broker
// with their reproducers (scripts/repro/), each beside its control:
// - the duplicate FETCH_STOP (docs/findings/2026-12-05-librdkafka-double-fetch-stop): a consumer
//   whose assignment drops a started partition, takes it back and drops it again before the
//   first stop was answered aborts its whole process. The harness's answer: with --clients-in
//   process (the default for confluent) the client host dies, not the run;
// - the stale offset-query timer (docs/findings/2026-12-05-librdkafka-stale-offset-timer): an
//   assign() at a logical offset, followed at once by an assign() at an explicit one, leaves a
//   timer that later moves the consumer to the logical offset (the end: records never delivered;
//   the beginning: read again).
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
/** Runs a reproducer of scripts/repro/ on the bundled library: `<library dir> <bootstrap> <topic> ...args`. */
const script = (name: string) => (bootstrap: string[], topic: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.resolve(`scripts/repro/${name}.ts`), library.dir, bootstrap.join(","), topic, ...args], { encoding: "utf8", timeout: 120_000 });
const doubleStop = script("rdkafka-double-stop");
const staleTimer = script("rdkafka-stale-offset-timer");

describe("librdkafka 2.15.1's consumer bugs (bundled confluent client)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "kraft", kafkaVersion: "3.9.1", brokers: 1, extra: { combined: true, controllers: 1 } }));
    await cluster.createTopics([{ name: "repro", partitions: 2, replicationFactor: 1 }]);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it("aborts the process when assign() drops, retakes and drops a started partition back to back; 100 ms apart the same calls survive", () => {
    // The release this pins: when a bundled release carries the fix (librdkafka #5574), this test says so.
    expect(createRequire(path.join(library.dir, "package.json"))("./package.json").librdkafka).toBe("2.15.1");
    const fast = doubleStop(cluster.bootstrap, "repro", "2000");
    expect([fast.status, fast.signal], fast.stdout + fast.stderr).toEqual([null, "SIGABRT"]);
    expect(fast.stderr).toContain(ASSERTION);
    // The control's gaps are wide so that a loaded machine cannot close them.
    const spaced = doubleStop(cluster.bootstrap, "repro", "30", "100");
    expect([spaced.status, spaced.stdout.trim()], spaced.stderr).toEqual([0, "survived 30 rounds"]);
  }, 180_000);

  it("moves a consumer assigned at an explicit offset to a stale logical one: to the end (records never delivered) or back to the beginning; 300 ms apart, it reads what it asked for", () => {
    // The outdated answer usually stops the fetch at once; when a first fetch at 100 came back
    // before it, the consumer reads 100-109 and then moves. Either way it moves.
    const end = staleTimer(cluster.bootstrap, "stale-end", "end");
    expect(end.status, end.stdout + end.stderr).toBe(1);
    expect(end.stdout.trim()).toMatch(/^asked for offsets 100-199; read \d+ record\(s\): (none|100-\d+)\n\d+ record\(s\) after offset \d+ were never delivered$/);
    const beginning = staleTimer(cluster.bootstrap, "stale-beginning", "beginning");
    expect(beginning.status, beginning.stdout + beginning.stderr).toBe(1);
    expect(beginning.stdout).toContain("moved back below 100 on its own: read again from offset 0");
    for (const logical of ["end", "beginning"]) {
      const control = staleTimer(cluster.bootstrap, `stale-control-${logical}`, logical, "300");
      expect([control.status, control.stdout.trim()], control.stderr).toEqual([0, "asked for offsets 100-199; read 100 record(s): 100-199"]);
    }
  }, 180_000);

  it("a run whose client host aborts records its ops info with the assertion, starts a new host and finishes with the history's verdict", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-abort-"));
    // Nine ops in ten re-assign: a process's assignment changes back to back, as in the reproducer.
    const { code, out } = await chaos(["--client", "confluent", "--subscribe-p", "0.9", "--rate", "2000", "--time-limit", "15", "--recovery-time", "2", "--seed", "1", "--store", store]);
    expect(out).toContain("a client host died");
    const [dir] = runDirsOf(store);
    expect(readJson(path.join(dir, "test.json"))).toMatchObject({ client: "confluent", clientsIn: "process" });
    const ops = fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; f: string; error?: string; index: number });
    const died = ops.filter((o) => o.type === "info" && o.error?.includes(`client host exited (SIGABRT): node: rdkafka_assignment.c:1182: ${ASSERTION}`));
    expect(died.length).toBeGreaterThan(0);
    // The run went on after the first death: ok ops with new clients, and final reads that reached every key.
    expect(ops.some((o) => o.type === "ok" && o.index > died[0].index && o.f === "send")).toBe(true);
    const results = readJson(path.join(dir, "results.json"));
    expect(Object.keys(results.stats.errors).some((e) => e.includes(ASSERTION))).toBe(true);
    // The verdict is the history's: VALID, or INVALID only by the other bug's rewinds (the stale
    // offset-query timer, which this churn also sets off), with the exit code that says so.
    expect(code, out).toBe(results.valid ? 0 : 1);
    expect(["nonmonotonic-poll", "int-nonmonotonic-poll"]).toEqual(expect.arrayContaining(results["bad-anomaly-types"]));
  }, 600_000);
});
