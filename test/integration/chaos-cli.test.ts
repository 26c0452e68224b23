// `npm run chaos` end to end, as a user runs it: a subprocess, a real cluster, faults, the run
// directory, the verdict and exit code, Ctrl-C handling, and nothing labelled left behind.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { labelledRuns } from "../../deployments/docker/docker.ts";
import { runIdOf } from "../../harness/run.ts";
import { chaos } from "./support.ts";

const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
const runDirOf = (s: string) => fs.realpathSync(path.join(s, "latest"));
const readHistory = (dir: string) =>
  fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

describe("npm run chaos", () => {
  it("runs a partition test end to end: run directory, healed faults, verdict, report, teardown", async () => {
    const s = store();
    // The safe configuration (the `safe` preset's producer and broker settings): Kafka must come
    // out of partitions VALID, so the exit code is 0 and nothing else.
    const safe = ["--acks", "all", "--idempotent", "--broker-config", "min.insync.replicas=2", "--broker-config", "unclean.leader.election.enable=false"];
    const { code, out } = await chaos([...safe, "--nemesis", "partition", "--nemesis-interval", "6", "--quiet-time", "3", "--time-limit", "25", "--recovery-time", "5", "--seed", "3", "--store", s, "--debug-partitions", "--poll-unseen"]);
    expect(code, out).toBe(0);
    const dir = runDirOf(s);
    for (const f of ["test.json", "history.jsonl", "results.json", "report.html", "junit.xml", "summary.md", "harness.log", "nodes/broker-1/container.log", "nodes/zk-1/conf/zoo.cfg"]) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(fs.existsSync(path.join(s, "index.html"))).toBe(true);
    const ops = readHistory(dir);
    const nem = ops.filter((o) => o.process === "nemesis" && o.f !== "debug-topic-partitions");
    expect(nem.some((o) => o.f === "start-partition")).toBe(true);
    // The last partition op is a stop: every fault healed before final reads.
    expect(nem.filter((o) => o.f.endsWith("partition")).at(-1).f).toBe("stop-partition");
    // ... and the cluster itself confirmed it: no rule, toxic, paused or down node left.
    expect(nem.at(-1).f).toBe("check-healed");
    expect(nem.at(-1).value.leaks).toEqual([]);
    expect(ops.some((o) => o.f === "send" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => o.f === "poll" && o.type === "ok")).toBe(true);
    // --debug-partitions: the brokers' own view after each action, every 5 s, once healed (when
    // leaders may still be moving back) and after the recovery time, in pairs. Settled, every
    // broker answers, and every active key has a leader, an ISR and a log end.
    const views = ops.filter((o) => o.f === "debug-topic-partitions");
    expect(views.filter((o) => o.value.tick).length, "observations between the actions").toBeGreaterThan(1);
    expect(views.filter((o) => o.value.after === "start-partition").length).toBeGreaterThan(0);
    expect(views.filter((o) => o.value.what).map((o) => o.value.after).slice(-2)).toEqual(["check-healed", "recovery"]);
    const settled = views.at(-1).value;
    expect(Object.keys(settled.brokers)).toEqual(["broker-1", "broker-2", "broker-3"]);
    for (const key of settled.keys) {
      for (const b of Object.values(settled.brokers) as Record<string, { leader: string; isr: string[] }>[]) expect(b[key].isr.length, key).toBeGreaterThan(0);
      expect(settled.logEnds[key], `${key}: ${JSON.stringify(settled.logEnds)}`).toBeTypeOf("number");
    }
    expect(fs.readFileSync(path.join(dir, "report.html"), "utf8")).toContain(`${views.length / 2} observations`);
    // --poll-unseen: an assign it steered reads every key it names as unseen (whether one was steered depends on timing).
    for (const a of ops.filter((o) => o.f === "assign" && o.type === "invoke" && o.unseen)) {
      for (const [k, u] of Object.entries(a.unseen) as [string, { polled: number; sent: number }][]) {
        expect(a.value).toContain(k);
        expect(u.sent).toBeGreaterThan(u.polled);
      }
    }
    const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8"));
    expect(results.valid).toBe(true);
    expect(results["anomaly-types"].filter((t: string) => !["int-send-skip"].includes(t))).toEqual([]);
    expect(out).toMatch(/\bVALID\b.*Report: /);
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(test.seed).toBe(3);
    expect(test.images.kafka).toMatch(/kafka-chaos\/kafka:3\.9\.1/);
    // Nothing of this run is left (other runs on a shared engine are not this test's business).
    expect((await labelledRuns()).filter((r) => r.run === runIdOf(test.name, path.basename(dir)))).toEqual([]);
  });

  it("finds aborted reads by a read_uncommitted consumer (G1a) and exits 1", async () => {
    const s = store();
    const { code, out } = await chaos(["--preset", "aborted-reads", "--abort-p", "0.3", "--time-limit", "20", "--recovery-time", "2", "--seed", "5", "--store", s]);
    expect(code, out).toBe(1);
    const results = JSON.parse(fs.readFileSync(path.join(runDirOf(s), "results.json"), "utf8"));
    expect(results["bad-anomaly-types"]).toContain("G1a");
    // The anomalous partitions are kept as Kafka's DumpLogSegments prints them, from every broker.
    const key: string = results.anomalies.G1a[0].key;
    const file = `${key.replace(/\/(\d+)$/, "-$1")}.txt`;
    for (const b of ["broker-1", "broker-2", "broker-3"]) {
      const dump = fs.readFileSync(path.join(runDirOf(s), "nodes", b, "segments", file), "utf8");
      expect(dump).toMatch(/producerId: \d+ producerEpoch: \d+/);
      expect(dump).toContain("isTransactional: true");
    }
  });

  it("on SIGINT heals, closes a checkable history and removes the cluster", async () => {
    const s = store();
    const { code, out } = await chaos(["--nemesis", "pause", "--quiet-time", "1", "--nemesis-interval", "3", "--time-limit", "120", "--seed", "9", "--store", s], { interruptAfterMs: 35_000 });
    expect([0, 1, 2], out).toContain(code);
    expect(out).toContain("SIGINT: stopping the test");
    const dir = runDirOf(s);
    const ops = readHistory(dir);
    const pauses = ops.filter((o) => o.process === "nemesis" && (o.f === "pause" || o.f === "resume"));
    if (pauses.length) expect(pauses.at(-1).f).toBe("resume");
    const healed = ops.filter((o) => o.process === "nemesis" && o.f === "check-healed").at(-1);
    expect(healed.value.leaks).toEqual([]);
    expect(fs.existsSync(path.join(dir, "results.json"))).toBe(true);
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect((await labelledRuns()).filter((r) => r.run === runIdOf(test.name, path.basename(dir)))).toEqual([]);
  });

  it("fails fast with a clear message on bad flags and without a Docker engine", async () => {
    const bad = await chaos(["--acks", "2"]);
    expect(bad.code).toBe(3);
    expect(bad.out).toContain('KC_BAD_FLAG: --acks "2" is not valid: expected one of all, 1, 0');
    const s = store();
    const noDocker = await chaos(["--time-limit", "5", "--store", s], { env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    expect(noDocker.code).toBe(3);
    expect(noDocker.out).toContain("KC_DOCKER_UNAVAILABLE");
    expect(noDocker.out).toContain("start Docker");
  });
});
