// The mode table is a contract (docs/design.md, checkers/README.md): which anomaly types make a
// run invalid in which mode. This test states it once more, cell by cell, so that no change to it
// goes unnoticed; and the readers of a run's test.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ANOMALY_TYPES, badAnomalyTypes, inferMode, MODE_TABLE, modeFromTestJson, modeOfTestJson, runOfTestJson, severity, type Mode } from "./modes.ts";

const B = "bad";
const I = "info";
/** Per type: assign, subscribe, assign + transactional, subscribe + transactional. */
const EXPECTED: Record<string, [string, string, string, string]> = {
  "lost-write": [B, B, B, B],
  unseen: [B, B, B, B],
  "truncated-log": [B, B, B, B],
  "stuck-after-heal": [B, B, B, B],
  duplicate: [B, B, B, B],
  "inconsistent-offsets": [B, B, B, B],
  "poll-skip": [B, I, B, I],
  "nonmonotonic-poll": [B, I, B, I],
  "int-poll-skip": [B, B, B, B],
  "int-nonmonotonic-poll": [B, B, B, B],
  "nonmonotonic-send": [B, B, B, B],
  "int-send-skip": [I, I, I, I],
  "int-nonmonotonic-send": [B, B, B, B],
  G1a: [B, B, B, B],
  "precommitted-read": [B, B, B, B],
  "double-consume": [I, I, I, B],
  G0: [B, B, I, I],
  "G0-process": [B, B, I, I],
  "G0-realtime": [B, B, I, I],
  G1c: [B, B, B, B],
  "G1c-process": [B, B, B, B],
  "G1c-realtime": [B, B, B, B],
};
const MODES: Mode[] = [
  { subscribe: false, transactional: false },
  { subscribe: true, transactional: false },
  { subscribe: false, transactional: true },
  { subscribe: true, transactional: true },
];

describe("the mode table", () => {
  it("has every anomaly type, each cell as documented, and a reason for each row", () => {
    expect(Object.keys(MODE_TABLE).sort()).toEqual([...ANOMALY_TYPES].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...ANOMALY_TYPES].sort());
    for (const type of ANOMALY_TYPES) {
      expect(MODES.map((m) => severity(type, m)), type).toEqual(EXPECTED[type]);
      expect(MODE_TABLE[type].why.length, type).toBeGreaterThan(10);
    }
  });

  it("judges G1c as G0 with --ww-deps, a type it does not know as bad, and sorts what counts", () => {
    for (const [i, m] of MODES.entries()) {
      for (const t of ["G1c", "G1c-process", "G1c-realtime"]) expect(severity(t, { ...m, wwDeps: true }), `${t} ${i}`).toBe(EXPECTED[t.replace("G1c", "G0")][i]);
      // Only G1c is renamed: other types keep their row.
      expect(severity("lost-write", { ...m, wwDeps: true })).toBe("bad");
    }
    expect(severity("something-new", MODES[3])).toBe("bad");
    expect(badAnomalyTypes(new Set(["unseen", "int-send-skip", "G0", "duplicate", "poll-skip"]), MODES[3])).toEqual(["duplicate", "unseen"]);
  });

  it("infers the mode from the ops: any subscribe, any transaction", () => {
    expect(inferMode({ subscribeOps: 0, txnLikeOps: 0 })).toEqual(MODES[0]);
    expect(inferMode({ subscribeOps: 1, txnLikeOps: 2 })).toEqual(MODES[3]);
  });
});

describe("test.json", () => {
  it("states the mode by workload.subscribe and workload.txn (a missing one is false), and --ww-deps", () => {
    expect(modeOfTestJson({ workload: { subscribe: true, txn: false } })).toEqual(MODES[1]);
    expect(modeOfTestJson({ workload: { txn: true } })).toEqual(MODES[2]);
    expect(modeOfTestJson({ workload: { subscribe: false }, checker: { wwDeps: true } })).toEqual({ ...MODES[0], wwDeps: true });
    expect(modeOfTestJson({ workload: { subscribe: true, txn: true }, checker: { wwDeps: "yes" } })).toEqual(MODES[3]);
    for (const raw of [undefined, null, 3, {}, { workload: null }, { workload: "queue" }, { workload: { subscribe: "true", txn: 1 } }]) expect(modeOfTestJson(raw), JSON.stringify(raw)).toBeUndefined();
  });

  it("gives the main phase's length and rate only when they are positive numbers", () => {
    expect(runOfTestJson({ timeLimitSeconds: 60, rate: 100 })).toEqual({ timeLimitSeconds: 60, rate: 100 });
    expect(runOfTestJson({ timeLimitSeconds: 0, rate: -1 })).toEqual({ timeLimitSeconds: undefined, rate: undefined });
    expect(runOfTestJson({ timeLimitSeconds: "60", rate: Infinity })).toEqual({ timeLimitSeconds: undefined, rate: undefined });
    expect(runOfTestJson(undefined)).toEqual({ timeLimitSeconds: undefined, rate: undefined });
  });

  it("is read from a file; a missing or broken one gives no mode", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-modes-"));
    try {
      fs.writeFileSync(path.join(dir, "ok.json"), JSON.stringify({ workload: { subscribe: true, txn: true } }));
      fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
      expect(await modeFromTestJson(path.join(dir, "ok.json"))).toEqual(MODES[3]);
      expect(await modeFromTestJson(path.join(dir, "bad.json"))).toBeUndefined();
      expect(await modeFromTestJson(path.join(dir, "missing.json"))).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
