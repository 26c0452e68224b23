// Verdicts, the mode table and where modes come from.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkOps } from "./index.ts";
import { ANOMALY_TYPES, MODE_TABLE, badAnomalyTypes, inferMode, modeFromTestJson } from "./modes.ts";
import { history, pollPair, sendPair } from "./testing/build.ts";
import { decideVerdict, exitCodeForVerdict } from "./verdict.ts";

describe("verdict", () => {
  it("is valid for a clean history", () => {
    const r = checkOps(history([...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] })]));
    expect(r.valid).toBe(true);
    expect(r["unknown-reasons"]).toBeUndefined();
    expect(exitCodeForVerdict(r.valid)).toBe(0);
  });
  it("is unknown for an empty history, with nothing acknowledged, or with nothing read", () => {
    expect(checkOps([]).valid).toBe("unknown");
    expect(checkOps([])["unknown-reasons"]).toEqual(["the history is empty"]);
    const noAck = checkOps(history([...sendPair(0, "info", "x", [1]), ...pollPair(1, "ok", {})]));
    expect(noAck.valid).toBe("unknown");
    expect(noAck["unknown-reasons"]![0]).toMatch(/no send was acknowledged/);
    const noRead = checkOps(history([...sendPair(0, "ok", "x", [1, 0])]));
    expect(noRead.valid).toBe("unknown");
    expect(noRead["anomaly-types"]).toEqual(["unseen"]);
    expect(noRead["bad-anomaly-types"]).toEqual([]);
    expect(exitCodeForVerdict(noRead.valid)).toBe(2);
  });
  it("lets a real anomaly win over unknown, and a crashed checker make the verdict unknown", () => {
    expect(decideVerdict({ badTypes: ["G1a"], unknownReasons: ["checker x crashed"], okPolls: 1 }).valid).toBe(false);
    expect(decideVerdict({ badTypes: [], unknownReasons: ["checker x crashed"], okPolls: 1 }).valid).toBe("unknown");
    expect(decideVerdict({ badTypes: ["unseen"], unknownReasons: ["no poll"], okPolls: 0 }).valid).toBe("unknown");
  });
  it("treats ops still in flight at the end as info", () => {
    const r = checkOps(history([...sendPair(0, "ok", "x", [1, 0]), [1, "invoke", "send", [["send", "x", 2]]], ...pollPair(2, "ok", { x: [[0, 1], [1, 2]] })]));
    expect(r.valid).toBe(true);
    expect(r.warnings?.[0]).toMatch(/never completed/);
  });
});

describe("mode table", () => {
  it("has a row for every anomaly type", () => {
    expect(Object.keys(MODE_TABLE).sort()).toEqual([...ANOMALY_TYPES].sort());
  });
  it("decides what counts per mode", () => {
    const all = [...ANOMALY_TYPES];
    expect(badAnomalyTypes(all, { subscribe: false, transactional: false })).not.toContain("int-send-skip");
    expect(badAnomalyTypes(all, { subscribe: false, transactional: false })).toContain("poll-skip");
    expect(badAnomalyTypes(all, { subscribe: true, transactional: false })).not.toContain("poll-skip");
    expect(badAnomalyTypes(all, { subscribe: true, transactional: false })).not.toContain("nonmonotonic-poll");
    expect(badAnomalyTypes(all, { subscribe: false, transactional: true })).not.toContain("G0");
    expect(badAnomalyTypes(all, { subscribe: false, transactional: false })).toContain("G0-realtime");
    expect(badAnomalyTypes(all, { subscribe: true, transactional: true })).toContain("G1c");
  });
  it("infers the mode of a bare history", () => {
    expect(inferMode({ subscribeOps: 0, txnLikeOps: 0 })).toEqual({ subscribe: false, transactional: false });
    const r = checkOps(
      history([
        [0, "invoke", "subscribe", ["x"]],
        [0, "ok", "subscribe", ["x"]],
        [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
        [0, "ok", "txn", [["send", "x", [0, 1]], ["poll", {}]]],
      ]),
    );
    expect(r.mode).toEqual({ subscribe: true, transactional: true, source: "inferred" });
  });
  it("reads workload.subscribe and workload.txn from test.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kc-mode-"));
    const f = join(dir, "test.json");
    writeFileSync(f, JSON.stringify({ workload: { name: "txn", subscribe: true, txn: true } }));
    expect(await modeFromTestJson(f)).toEqual({ subscribe: true, transactional: true });
    writeFileSync(f, JSON.stringify({ workload: { name: "queue", subscribe: false } }));
    expect(await modeFromTestJson(f)).toEqual({ subscribe: false, transactional: false });
    writeFileSync(f, JSON.stringify({ workload: { name: "queue" } }));
    expect(await modeFromTestJson(f)).toBeUndefined();
    expect(await modeFromTestJson(join(dir, "missing.json"))).toBeUndefined();
  });
});
