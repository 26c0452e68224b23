// The corpus of hand-written histories in test/fixtures/histories: each file's verdict and
// anomaly types (expected.json), checked through the file reader and the `check` command.

import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../cli/commands/check.ts";
import { checkHistoryFile } from "./index.ts";
import { captureOutput } from "./testing/capture.ts";
import type { Results } from "./results.ts";

const DIR = join(import.meta.dirname, "..", "test", "fixtures", "histories");
const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as Record<string, { valid?: boolean | "unknown"; types?: string[]; exit?: number; error?: string }>;

describe("corpus", () => {
  it("has an expectation for every history", () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".jsonl")).map((f) => f.replace(/\.jsonl$/, ""));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, exp] of Object.entries(expected)) {
    if (exp.exit === 3) continue;
    it(`${name}: ${JSON.stringify(exp.valid)} ${exp.types!.join(", ") || "(no anomalies)"}`, async () => {
      const r = await checkHistoryFile(join(DIR, `${name}.jsonl`));
      expect(r["anomaly-types"]).toEqual(exp.types);
      expect(r.valid).toEqual(exp.valid);
      for (const t of r["anomaly-types"]) for (const a of r.anomalies[t]) expect(a.explanation.length).toBeGreaterThan(20);
    });
  }
});

describe("npm run check", () => {
  const io = captureOutput();

  it("prints a summary and exits 0/1/2 by verdict", async () => {
    expect(await checkCommand([join(DIR, "valid-queue.jsonl")])).toBe(0);
    expect(io.out).toMatch(/VALID/);
    expect(await checkCommand([join(DIR, "lost-write.jsonl")])).toBe(1);
    expect(io.out).toMatch(/INVALID: int-poll-skip, lost-write, unseen/);
    expect(io.out).toMatch(/✗ lost-write/);
    expect(await checkCommand([join(DIR, "unknown-no-reads.jsonl")])).toBe(2);
    expect(io.out).toMatch(/UNKNOWN/);
  });

  it("writes results.json into a run directory, using test.json's mode", async () => {
    const run = mkdtempSync(join(tmpdir(), "kc-run-"));
    cpSync(join(DIR, "poll-skip-subscribe.jsonl"), join(run, "history.jsonl"));
    writeFileSync(join(run, "test.json"), JSON.stringify({ workload: { name: "queue", subscribe: false, txn: false } }));
    expect(await checkCommand([run])).toBe(1);
    const r = JSON.parse(readFileSync(join(run, "results.json"), "utf8"));
    expect(r.mode).toEqual({ subscribe: false, transactional: false, source: "test.json" });
    expect(r["bad-anomaly-types"]).toEqual(["poll-skip"]);
    expect(io.out).toMatch(/wrote .*results.json/);
  });

  it("prints results.json with --json and writes nothing", async () => {
    const run = mkdtempSync(join(tmpdir(), "kc-run-"));
    cpSync(join(DIR, "g0-txn.jsonl"), join(run, "history.jsonl"));
    expect(await checkCommand([run, "--json"])).toBe(0);
    expect(JSON.parse(io.out)["anomaly-types"]).toEqual(["G0"]);
    expect(existsSync(join(run, "results.json"))).toBe(false);
  });

  it("lets --mode override, and exits 3 with the line number on a malformed history", async () => {
    expect(await checkCommand([join(DIR, "poll-skip-subscribe.jsonl"), "--mode", "assign"])).toBe(1);
    expect(await checkCommand([join(DIR, "malformed-line.jsonl")])).toBe(3);
    expect(io.err).toMatch(/KC_HISTORY_MALFORMED: .*malformed-line.jsonl line 3: not valid JSON/);
    expect(io.err).toMatch(/→ Each line of history.jsonl/);
  });

  it("explains bad arguments and missing inputs", async () => {
    expect(await checkCommand([])).toBe(3);
    expect(io.err).toMatch(/KC_USAGE: missing the run directory/);
    expect(await checkCommand([join(DIR, "nope")])).toBe(3);
    expect(io.err).toMatch(/KC_HISTORY_NOT_FOUND/);
    expect(await checkCommand([DIR])).toBe(3);
    expect(io.err).toMatch(/has no history.jsonl/);
    expect(await checkCommand(["x", "--mode", "sideways"])).toBe(3);
    expect(await checkCommand(["--help"])).toBe(0);
  });
});

describe("fixture run directories (test/fixtures/runs, which the report tests read)", () => {
  for (const name of ["valid", "invalid"]) {
    it(`${name}/results.json is what today's checker says of its history (regenerate: node test/fixtures/runs/generate.ts)`, async () => {
      const dir = join(import.meta.dirname, "..", "test", "fixtures", "runs", name);
      const stored = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;
      const now = JSON.parse(JSON.stringify(await checkHistoryFile(join(dir, "history.jsonl")))) as Results;
      const untimed = (r: Results) => ({ ...r, history: { ...r.history, checkSeconds: 0 } });
      expect(untimed(now)).toEqual(untimed(stored));
    });
  }
});
