// What the exactly-once application tests assert of a run, whatever the client: the service's
// transactions and the offsets they carried were recorded, every input has an output, VALID.
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { TestResult } from "kafka-chaos";

export function expectExactlyOnce(r: TestResult): void {
  const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const appSends = ops.filter((o) => o.f === "send" && o.type === "invoke" && o.from);
  expect(appSends.length, "the service's transactions were recorded").toBeGreaterThan(100);
  const appProcesses = new Set(appSends.map((o) => o.process));
  const commits = ops.filter((o) => o.f === "commit" && o.type === "ok" && appProcesses.has(o.process));
  expect(commits.length, "the offsets sent with the transactions were recorded").toBeGreaterThan(100);
  const res = r.results as unknown as { application: { inputs: number; processed: number; counts: Record<string, number> } };
  expect(res.application.inputs).toBeGreaterThan(100);
  expect(res.application.processed, "every input has an output").toBe(res.application.inputs);
  expect(r.valid, `see ${path.join(r.runDir, "report.html")}: ${JSON.stringify(r.results?.["bad-anomaly-types"])} ${JSON.stringify(res.application.counts)}`).toBe(true);
}
