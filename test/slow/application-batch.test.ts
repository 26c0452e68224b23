// The application recorded through eachBatch on a real cluster while brokers are killed: each
// batch is one poll op, the group's commits are commit ops, every output names its input, and
// the correct batch service stays VALID with no input committed before its output was written.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest } from "kafka-chaos";
import { GROUP, startBatchEnricher } from "../../examples/application/enricher-batch.ts";
import { app, spec } from "../../examples/application/container/image.ts";

describe("testing your own application (eachBatch)", () => {
  it("the batch enricher under broker kills: batches as polls, commits as ops, VALID", async () => {
    const r = await runTest(spec("app-batch", { timeLimitSeconds: 30 }), { application: { ...app, groupId: GROUP, start: startBatchEnricher } });
    const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const appProcesses = new Set(ops.filter((o) => o.f === "send" && o.from).map((o) => o.process));
    expect(appProcesses.size, "the service's sends were recorded").toBeGreaterThan(0);
    const commits = ops.filter((o) => o.f === "commit" && o.type === "ok");
    expect(commits.length, "the group's commits were recorded").toBeGreaterThan(2);
    expect(Object.keys(commits[0].value).every((k) => k.startsWith(`${app.input}/`))).toBe(true);
    // Some poll carried more than one message of a partition: a batch.
    const polls = ops.filter((o) => o.f === "poll" && o.type === "ok" && o.value[0][1]?.[`${app.input}/0`] !== undefined);
    expect(polls.some((o) => Object.values(o.value[0][1] as Record<string, unknown[]>).some((pairs) => pairs.length > 1))).toBe(true);
    const res = r.results as unknown as { application: { inputs: number; processed: number; unattributed: number; counts: Record<string, number> } };
    expect(res.application.inputs).toBeGreaterThan(100);
    expect(res.application.processed, "every input has an output").toBe(res.application.inputs);
    expect(res.application.unattributed).toBe(0);
    expect(res.application.counts["app-early-commit"] ?? 0).toBe(0);
    expect(r.valid, `see ${path.join(r.runDir, "report.html")}: ${JSON.stringify(r.results?.["bad-anomaly-types"])}`).toBe(true);
  }, 600_000);
});
