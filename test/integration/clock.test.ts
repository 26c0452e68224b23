// The clock nemesis on a real cluster: every node's processes read the wall clock through
// kc-clock. A bump of the partition leader moves the timestamps Kafka itself stamps on appended
// records (message.timestamp.type=LogAppendTime), which shows the broker's JVM reads the moved
// clock; strobes, drifts and skews read back from inside the nodes as they were set; the stop
// puts every clock back, and the leak check sees a clock left moved.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { Cluster } from "../../deployments/docker/cluster.ts";
import { Rng } from "../../core/rng.ts";
import type { ClockReading, ClockSetting } from "../../core/cluster.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { chaos, eventually, startTestCluster } from "./support.ts";

const TOPIC = "stamps";
const HOUR = 3_600_000;

describe("clock: kc-clock on every node (kraft, combined, 3.9.1)", () => {
  let cluster: Cluster;
  let producer: Producer;

  beforeAll(async () => {
    ({ cluster } = await startTestCluster({ mode: "kraft", kafkaVersion: "3.9.1", extra: { combined: true, clockLayer: true } }));
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3, config: { "message.timestamp.type": "LogAppendTime" } }]);
    producer = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 10 } }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await cluster?.stop();
  });

  /** The time the leader stamps on an appended record, minus the real time around the send. */
  const appendSkew = async (): Promise<number> => {
    const before = Date.now();
    const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: "x" }] });
    const after = Date.now();
    return Number(meta.logAppendTime) - (before + after) / 2;
  };
  const near = (r: ClockReading, ms: number, slack = 50) => expect(Math.abs(r.offsetMs - ms), JSON.stringify(r)).toBeLessThanOrEqual(r.errorMs + slack);

  it("a bump of the leader moves the timestamps it stamps; the reset moves them back", async () => {
    const leader = (await eventually(() => cluster.leader(`${TOPIC}/0`), "a leader of the topic"))!;
    expect(Math.abs(await appendSkew())).toBeLessThan(5_000);
    await cluster.setClock(leader, { offsetMs: 2 * HOUR });
    near(await cluster.readClock(leader), 2 * HOUR);
    expect(Math.abs((await appendSkew()) - 2 * HOUR)).toBeLessThan(5_000);
    await cluster.setClock(leader, { offsetMs: -HOUR });
    expect(Math.abs((await appendSkew()) + HOUR)).toBeLessThan(5_000);
    await cluster.setClock(leader, { offsetMs: 0 });
    expect(Math.abs(await appendSkew())).toBeLessThan(5_000);
    near(await cluster.readClock(leader), 0);
  });

  it("a strobe flips between two clocks, a drift grows, and the leak check sees a clock left moved", async () => {
    await cluster.setClock("broker-2", { offsetMs: 0, strobe: { deltaMs: HOUR, periodMs: 20 } });
    const reads = await Promise.all(Array.from({ length: 30 }, () => cluster.readClock("broker-2")));
    const phases = new Set(reads.map((r) => Math.round(r.offsetMs / HOUR)));
    expect([...phases].sort()).toEqual([0, 1]);

    await cluster.setClock("broker-3", { offsetMs: 0, driftPpm: 100_000 });
    const first = await cluster.readClock("broker-3");
    await new Promise((r) => setTimeout(r, 3_000));
    const later = await cluster.readClock("broker-3");
    const grew = later.offsetMs - first.offsetMs;
    expect(grew).toBeGreaterThan(200);
    expect(grew).toBeLessThan(500);

    const leaks = await cluster.leaks();
    expect(leaks.filter((l) => /clock/.test(l)).map((l) => l.split("'")[0])).toEqual(["broker-2", "broker-3"]);
    await cluster.setClock("broker-2", { offsetMs: 0 });
    await cluster.setClock("broker-3", { offsetMs: 0 });
    expect(await cluster.leaks()).toEqual([]);
  });

  it("the clock nemesis: each target's settings read back from inside the nodes, and its stop resets them", async () => {
    const env: NemesisEnv = { cluster, mode: "kraft", keys: () => [`${TOPIC}/0`] };
    const [fam] = buildFamilies(["clock"], [], cluster.capabilities);
    for (const target of ["bump", "skew", "drift"]) {
      const op = await fam.start(env, target, new Rng(7));
      const clocks = op.clocks as Record<string, ClockSetting>;
      const read = op.read as Record<string, ClockReading>;
      expect(Object.keys(read).sort()).toEqual(Object.keys(clocks).sort());
      for (const [node, s] of Object.entries(clocks)) near(read[node], s.offsetMs, s.driftPpm ? 200 : 50);
      expect(fam.active()).toBe(true);
      const stop = await fam.stop(env);
      for (const r of Object.values(stop.read as Record<string, ClockReading>)) near(r, 0);
      expect(fam.active()).toBe(false);
    }
    expect(await cluster.leaks()).toEqual([]);
  });
});

describe("npm run chaos -- --nemesis clock", () => {
  it("runs, stays valid on a safe configuration, and the report draws every node's clock", async () => {
    const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    const { code, out } = await chaos(["--nemesis", "clock", "--quiet-time", "5", "--nemesis-interval", "8", "--time-limit", "30", "--recovery-time", "5", "--seed", "3", "--store", s]);
    expect(code, out).toBe(0);
    const dir = fs.realpathSync(path.join(s, "latest"));
    const history = fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const starts = history.filter((o) => o.f === "start-clock" && o.value?.clocks);
    expect(starts.length).toBeGreaterThan(0);
    expect(history.find((o) => o.f === "check-healed" && o.value?.leaks)?.value.leaks).toEqual([]);
    const report = fs.readFileSync(path.join(dir, "report.html"), "utf8");
    expect(report).toContain('data-plot="clocks"');
    for (const node of Object.keys(starts[0].value.clocks)) expect(report).toContain(`<title>${node}</title>`);
  });
});

describe("kc-clock on the host (the library itself)", () => {
  it("moves what date reads by the state file's setting, re-read at every call, and leaves no file as the real clock", async () => {
    const { buildClockLib, ClockFile, parseClockReading, READ_CLOCK_COMMAND } = await import("../../deployments/shared/clock.ts");
    const { spawnSync } = await import("node:child_process");
    const lib = await buildClockLib();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-clock-lib-"));
    const file = new ClockFile(path.join(dir, "state"));
    const read = (env: Record<string, string>) => {
      const r = spawnSync("sh", ["-c", READ_CLOCK_COMMAND], { env: { ...process.env, LD_PRELOAD: lib, KC_CLOCK_FILE: file.file, ...env }, encoding: "utf8" });
      return parseClockReading("host", r.stdout);
    };
    expect(Math.abs(read({}).offsetMs)).toBeLessThanOrEqual(read({}).errorMs + 5);
    file.create();
    expect(Math.abs(read({}).offsetMs)).toBeLessThanOrEqual(5 + read({}).errorMs);
    file.set({ offsetMs: -90 * 60_000 });
    const r = read({});
    expect(Math.abs(r.offsetMs + 90 * 60_000)).toBeLessThanOrEqual(r.errorMs + 5);
    file.set({ offsetMs: 1234 });
    expect(Math.abs(read({}).offsetMs - 1234)).toBeLessThanOrEqual(20);
    expect(file.get()).toEqual({ offsetMs: 1234 });
    file.set({ offsetMs: 0 });
    expect(Math.abs(read({}).offsetMs)).toBeLessThanOrEqual(20);
    // gettimeofday and time() as well as clock_gettime: Python's time.time() and date's %s.
    file.set({ offsetMs: 10 * HOUR });
    const py = spawnSync("python3", ["-c", "import time; print(int(time.time()))"], { env: { ...process.env, LD_PRELOAD: lib, KC_CLOCK_FILE: file.file }, encoding: "utf8" });
    if (py.status === 0) expect(Math.abs(Number(py.stdout) * 1000 - (Date.now() + 10 * HOUR))).toBeLessThan(3_000);
    fs.rmSync(dir, { recursive: true });
  });
});
