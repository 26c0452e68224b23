import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { digestHistory, readHistoryFile } from "./history-digest.ts";

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
});
