// The clock nemesis against a fake cluster, the clock model, kc-clock's state file, the readings,
// the report's clock plot and the flags that put nodes on the layer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clockOffsetAt, describeClock, isZeroClock } from "../../core/clock.ts";
import type { ClockSetting } from "../../core/cluster.ts";
import type { Op } from "../../core/history/op.ts";
import { Rng } from "../../core/rng.ts";
import { decodeClock, encodeClock, parseClockReading } from "../../deployments/shared/clock.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import { CLOCK_TARGETS, planClocks } from "../../nemeses/clock.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { clockSeries } from "../../report/clock-plot.ts";
import { errorOf } from "./support.ts";

const NODES = ["zk-1", "zk-2", "zk-3", "broker-1", "broker-2", "broker-3"];

function fakeEnv() {
  const set = new Map<string, ClockSetting>();
  const cluster = {
    nodes: NODES.map((name, i) => ({ name, id: (i % 3) + 1, roles: [name.startsWith("zk") ? "zookeeper" : "broker"] })),
    setClock: async (n: string, s: ClockSetting) => void set.set(n, s),
    readClock: async (n: string) => ({ node: n, offsetMs: set.get(n)?.offsetMs ?? 0, errorMs: 2 }),
  };
  return { env: { cluster: cluster as unknown as NemesisEnv["cluster"], mode: "zookeeper" as const, keys: () => [] }, set };
}

describe("clock nemesis", () => {
  it("plans within each target's bounds, the same for the same seed", () => {
    for (let seed = 1; seed <= 200; seed++) {
      for (const target of CLOCK_TARGETS) {
        const plan = planClocks(target, NODES, new Rng(seed));
        expect(planClocks(target, NODES, new Rng(seed))).toEqual(plan);
        const settings = Object.values(plan);
        expect(settings.length).toBeGreaterThan(0);
        if (target === "skew") expect(Object.keys(plan).sort()).toEqual([...NODES].sort());
        for (const s of settings) {
          if (target === "bump") {
            expect(Math.abs(s.offsetMs)).toBeGreaterThanOrEqual(1_000);
            expect(Math.abs(s.offsetMs)).toBeLessThanOrEqual(6 * 3_600_000);
          }
          if (target === "skew") expect(Math.abs(s.offsetMs)).toBeLessThanOrEqual(3_600_000);
          if (target === "strobe") {
            expect(Math.abs(s.strobe!.deltaMs)).toBeGreaterThanOrEqual(10);
            expect(Math.abs(s.strobe!.deltaMs)).toBeLessThanOrEqual(600_000);
            expect(s.strobe!.periodMs).toBeGreaterThanOrEqual(1);
            expect(s.strobe!.periodMs).toBeLessThanOrEqual(1_000);
          }
          if (target === "drift") {
            expect(Math.abs(s.driftPpm!)).toBeGreaterThanOrEqual(100);
            expect(Math.abs(s.driftPpm!)).toBeLessThanOrEqual(100_000);
          }
        }
      }
    }
    expect(errorOf(() => planClocks("jump", NODES, new Rng(1))).code).toBe("KC_BAD_FLAG");
  });

  it("sets the planned clocks, records them with the readings, and resets only what it moved", async () => {
    const { env, set } = fakeEnv();
    const [fam] = buildFamilies(["clock"], ["bump"], ["clock"]);
    const op = await fam.start(env, "bump", new Rng(5));
    const clocks = op.clocks as Record<string, ClockSetting>;
    expect(op.nodes).toEqual(Object.keys(clocks).sort());
    for (const n of op.nodes as string[]) expect(set.get(n)).toEqual(clocks[n]);
    expect(op.what).toMatch(/^bump: /);
    expect(fam.active()).toBe(true);
    const stop = await fam.stop(env);
    expect(stop.nodes).toEqual(op.nodes);
    for (const n of op.nodes as string[]) expect(isZeroClock(set.get(n)!)).toBe(true);
    expect(fam.active()).toBe(false);
    expect((await fam.stop(env)).what).toBe("no clock was moved");
  });

  it("is refused where the deployment offers no clock control", () => {
    expect(errorOf(() => buildFamilies(["clock"], [], ["process", "network"])).code).toBe("KC_CAPABILITY_MISSING");
  });
});

describe("clock model and state file", () => {
  const setting = fc.record({
    offsetMs: fc.integer({ min: -86_400_000, max: 86_400_000 }),
    strobe: fc.option(fc.record({ deltaMs: fc.integer({ min: -600_000, max: 600_000 }).filter((d) => d !== 0), periodMs: fc.integer({ min: 1, max: 1000 }) }), { nil: undefined }),
    driftPpm: fc.option(fc.integer({ min: -100_000, max: 100_000 }).filter((d) => d !== 0), { nil: undefined }),
  });

  it("a setting survives the state file's encoding", () => {
    fc.assert(
      fc.property(setting, fc.integer({ min: 0, max: 2 ** 42 }), (s, now) => {
        const clean: ClockSetting = { offsetMs: s.offsetMs, ...(s.strobe ? { strobe: s.strobe } : {}), ...(s.driftPpm ? { driftPpm: s.driftPpm } : {}) };
        expect(decodeClock(encodeClock(clean, now))).toEqual(clean);
      }),
    );
    expect(decodeClock(Buffer.alloc(10))).toEqual({ offsetMs: 0 });
  });

  it("offsets: a strobe spans its two clocks, a drift grows with time", () => {
    expect(clockOffsetAt({ offsetMs: 5 }, 1000)).toEqual([5, 5]);
    expect(clockOffsetAt({ offsetMs: 0, strobe: { deltaMs: -300, periodMs: 10 } }, 0)).toEqual([-300, 0]);
    expect(clockOffsetAt({ offsetMs: 0, driftPpm: 10_000 }, 60_000)).toEqual([600, 600]);
    expect(describeClock({ offsetMs: -(2 * 3_600_000 + 3 * 60_000 + 4_500) })).toBe("-2h 3m 4.5s");
    expect(describeClock({ offsetMs: 0, strobe: { deltaMs: 250, periodMs: 20 } })).toBe("strobes +250 ms every 20 ms");
    expect(describeClock({ offsetMs: 0, driftPpm: -10_000 })).toBe("runs 1% slow");
    expect(describeClock({ offsetMs: 0 })).toBe("real time");
  });

  it("a reading is the node's clock against the real clock read around it in the node", () => {
    const r = parseClockReading("broker-1", "1796264294000000000\n1796264295000000000\n1796264294004000000\n");
    expect(r).toEqual({ node: "broker-1", offsetMs: 998, errorMs: 2 });
    const e = errorOf(() => parseClockReading("broker-1", "sh: date: not found"));
    expect(e.code).toBe("KC_CLOCK_FAILED");
    expect(e.message).toContain("broker-1");
  });
});

describe("report: clock offsets", () => {
  const op = (time: number, f: string, value: Record<string, unknown>): Op => ({ index: 0, time: time * 1e9, process: "nemesis", type: "info", f, value }) as Op;

  it("draws each node's setting over time, a strobe as two lines of one node, and the readings as points", () => {
    expect(clockSeries([op(1, "start-kill", { nodes: ["broker-1"] })], 30)).toEqual([]);
    const series = clockSeries(
      [
        op(10, "start-clock", { clocks: { "broker-1": { offsetMs: 60_000 }, "zk-1": { offsetMs: 0, strobe: { deltaMs: -2000, periodMs: 5 } } }, read: { "broker-1": { offsetMs: 60_001 } } }),
        op(20, "stop-clock", { clocks: { "broker-1": { offsetMs: 0 }, "zk-1": { offsetMs: 0 } }, read: { "broker-1": { offsetMs: 0 } } }),
      ],
      30,
    );
    expect(series.map((s) => s.label)).toEqual(["broker-1", "zk-1", "zk-1", "read inside the node"]);
    const at = (pts: [number, number][], t: number) => pts.filter(([x]) => x <= t).pop()![1];
    expect(at(series[0].points, 5)).toBe(0);
    expect(at(series[0].points, 15)).toBe(60);
    expect(at(series[0].points, 25)).toBe(0);
    expect(at(series[2].points, 15)).toBe(-2);
    expect(series[3].points).toEqual([[10, 60.001], [20, 0]]);
  });
});

describe("clock flags", () => {
  it("the clock nemesis puts every node on kc-clock; --no-clock-layer and an attached cluster are refused", () => {
    const a = parseRunFlags(["--nemesis", "clock"]).config;
    validateConfig(a);
    expect(a.cluster.clockLayer).toBe(true);
    expect(errorOf(() => validateConfig(parseRunFlags(["--nemesis", "clock", "--no-clock-layer"]).config)).message).toContain("--no-clock-layer");
    const deployed = parseRunFlags(["--nemesis", "clock", "--deployment", "kubernetes"]).config;
    validateConfig(deployed);
    expect(deployed.cluster.clockLayer).toBe(true);
    const k = errorOf(() => validateConfig(parseRunFlags(["--nemesis", "clock", "--deployment", "kubernetes", "--attach", "--namespace", "kafka", "--broker-selector", "app=kafka"]).config));
    expect(k.code).toBe("KC_BAD_FLAG");
    expect(k.message).toContain("an attached cluster's processes do not load kc-clock");
  });
});
