import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { checkHistoryFile } from "../checkers/index.ts";
import { digestHistory, neededOps, readHistoryFile } from "./history-digest.ts";

const dir = mkdtempSync(join(tmpdir(), "kc-digest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ops: Op[] = [
  { index: 0, time: 1e6, process: 0, type: "invoke", f: "send", value: [["send", "t0/0", 1]] },
  { index: 1, time: 2e6, process: "nemesis", type: "info", f: "kill", value: "one" },
  { index: 2, time: 5e6, process: 0, type: "ok", f: "send", value: [["send", "t0/0", [0, 1]]] },
  { index: 3, time: 6e6, process: 1, type: "invoke", f: "poll", value: [["poll"]] },
  { index: 4, time: 1.2e9, process: 1, type: "ok", f: "poll", value: [["poll", { "t0/0": [[0, 1]], "t0/1": [[0, 7]] }]] },
];

describe("digestHistory", () => {
  it("keeps wanted ops with their invocations, nemesis ops, key traces, latency and rate", () => {
    const d = digestHistory(ops, { ops: [2, 4], keys: ["t0/0"] });
    expect(d.opCount).toBe(5);
    expect(d.lastTime).toBe(1.2e9);
    expect([...d.ops.keys()]).toEqual([2, 4]);
    expect(d.invocations.get(4)?.index).toBe(3);
    expect(d.nemesis.map((o) => o.index)).toEqual([1]);
    expect(d.keys.get("t0/0")).toEqual({
      sends: [{ op: 2, process: 0, time: 5e6, offset: 0, value: 1 }],
      polls: [{ op: 4, process: 1, time: 1.2e9, pairs: [0, 1] }],
    });
    expect(d.keys.has("t0/1")).toBe(false);
    expect(d.latency).toEqual([
      { t: 0.005, ms: 4, f: "send", type: "ok" },
      { t: 1.2, ms: 1194, f: "poll", type: "ok" },
    ]);
    expect(d.rate).toEqual([
      { t: 0, ok: 1, fail: 0, info: 0 },
      { t: 1, ok: 1, fail: 0, info: 0 },
    ]);
  });

  it("bounds latency points on long histories, keeping fail and info points", () => {
    const many: Op[] = [];
    for (let i = 0; i < 40_000; i++) {
      many.push({ index: 2 * i, time: i * 1e6, process: 0, type: "invoke", f: "send", value: [] });
      many.push({ index: 2 * i + 1, time: i * 1e6 + 5e5, process: 0, type: i % 1000 === 0 ? "fail" : "ok", f: "send", value: [] });
    }
    const d = digestHistory(many);
    expect(d.latency.length).toBeLessThanOrEqual(6000);
    expect(d.latency.length).toBeGreaterThan(2000);
    expect(d.latency.filter((p) => p.type === "fail")).toHaveLength(40);
  });

  it("reads history.jsonl, skipping a torn last line", () => {
    const path = join(dir, "history.jsonl");
    writeFileSync(path, ops.map((o) => JSON.stringify(o)).join("\n") + '\n{"index":5,"time":');
    const bad = { count: 0 };
    const d = digestHistory(readHistoryFile(path, bad), {}, bad);
    expect(d.opCount).toBe(5);
    expect(d.badLines).toBe(1);
  });

  it("skims a file for what the page shows as the full read finds it, on every corpus history", async () => {
    const corpus = join(import.meta.dirname, "..", "test", "fixtures", "histories");
    const files = readdirSync(corpus).filter((f) => f.endsWith(".jsonl"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const path = join(corpus, f);
      const r = await checkHistoryFile(path).catch(() => undefined);
      const all = Object.values(r?.anomalies ?? {}).flat();
      // Every op is wanted once: the anomalies' and a few more, so that invocations are asked for too.
      const wants = { ops: [...all.flatMap((a) => a.ops), 1, 5, 8], keys: [...new Set(all.map((a) => a.key).filter((k) => k !== undefined))] };
      const bad1 = { count: 0 };
      const full = digestHistory(readHistoryFile(path, bad1), wants, bad1);
      const bad2 = { count: 0 };
      const skipped = { count: 0, lastTime: 0 };
      const skim = digestHistory(neededOps(path, wants, bad2, skipped), wants, bad2, skipped);
      const pick = (d: typeof full) => ({ opCount: d.opCount, lastTime: d.lastTime, ops: d.ops, invocations: d.invocations, nemesis: d.nemesis, keys: d.keys, badLines: d.badLines });
      expect(pick(skim), f).toEqual(pick(full));
      expect(skipped.count, f).toBeGreaterThanOrEqual(0);
    }
  });

  it("skims lines in the harness's key order without parsing them, and parses any other line", () => {
    const path = join(dir, "mixed.jsonl");
    const lines = ops.map((o) => JSON.stringify(o));
    // The same op with its keys in another order, and a line that is not an op.
    lines[3] = JSON.stringify({ type: "invoke", index: 3, time: 6e6, process: 1, f: "poll", value: [["poll"]] });
    writeFileSync(path, `${lines.join("\n")}\n[1,2]\n`);
    const bad = { count: 0 };
    const skipped = { count: 0, lastTime: 0 };
    const seen = [...neededOps(path, { ops: [4] }, bad, skipped)].map((o) => o.index);
    // 1 is nemesis, 3 is not in key order, 4 is wanted; 0 and 2 are only counted.
    expect(seen).toEqual([1, 3, 4]);
    expect(skipped).toEqual({ count: 2, lastTime: 5e6 });
    expect(bad.count).toBe(1);
  });
});
