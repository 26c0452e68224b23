// Testing your own application: a consume-transform-produce service (./application/) runs in this
// process against a real cluster while a partition leader is cut off from the other brokers and,
// during that, another leader is killed. The correct service stays
// valid; the buggy one (auto-commit with asynchronous processing) commits inputs before their
// outputs are written, and the verdict names it: app-early-commit (with app-reorder or app-lost,
// as the timing has it). Copy the pattern into your own repo: your start function, your assertion.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest, type TestSpec } from "kafka-chaos";
import { GROUP, startEnricher } from "./application/enricher.ts";
import { GROUP as BUGGY_GROUP, startBuggyEnricher } from "./application/enricher-buggy.ts";

const spec = (name: string): TestSpec => ({
  name,
  store: fs.mkdtempSync(path.join(os.tmpdir(), "kc-app-")),
  // With this seed the schedule isolates a partition leader from 5 s to 28 s and kills a leader
  // from 13 s to 21 s: partitions and kills, overlapping, within the 30 s.
  seed: 5,
  cluster: { brokers: 3 },
  producer: { acks: "all", idempotent: true },
  nemesis: { faults: ["partition", "kill"], targets: ["one", "leader"], intervalSeconds: 10 },
  timeLimitSeconds: 30,
});

describe("testing your own application", () => {
  it("the correct service (processed and sent, then committed) keeps every input: VALID", async () => {
    const r = await runTest(spec("app-correct"), {
      application: { input: "orders", output: "enriched", groupId: GROUP, delivery: "at-least-once", partitions: 3, outputPartitions: 4, rate: 30, start: startEnricher },
    });
    const app = (r.results as unknown as { application: { inputs: number; processed: number } }).application;
    expect(app.inputs, "inputs were fed and read back").toBeGreaterThan(100);
    expect(app.processed, "every input has an output").toBe(app.inputs);
    expect(r.valid, `see ${path.join(r.runDir, "report.html")}: ${JSON.stringify(r.results?.["bad-anomaly-types"])}`).toBe(true);
  }, 600_000);

  it("the buggy service (auto-commit, processing not awaited) commits inputs before their outputs are written: INVALID with app-early-commit", async () => {
    const r = await runTest(spec("app-buggy"), {
      application: { input: "orders", output: "enriched", groupId: BUGGY_GROUP, delivery: "at-least-once", partitions: 3, outputPartitions: 4, rate: 30, start: startBuggyEnricher },
    });
    expect(r.valid).toBe(false);
    // kafkajs committed offsets of work still in flight: seen from the recorded commits, no crash needed.
    expect(r.results!["bad-anomaly-types"]).toContain("app-early-commit");
    // Its consequences come as the timing has it: outputs out of order (app-reorder), inputs
    // whose failed send was dropped after their commit (app-lost); three runs under these faults
    // (2026-12-04) had reorder ×89, ×57, ×0 and lost ×1, ×7, ×23.
    expect(r.results!["bad-anomaly-types"].filter((t) => t === "app-reorder" || t === "app-lost").length).toBeGreaterThan(0);
    expect(r.exitCode).toBe(1);
  }, 600_000);
});
