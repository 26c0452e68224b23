import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { reportCommand } from "../cli/commands/report.ts";
import { collectRuns, loadRun, storeOf, updateStoreIndex, writeRunArtifacts } from "./run-dir.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "runs");
let store: string;
const older = () => join(store, "queue", "20251124T091244Z");
const newer = () => join(store, "queue", "20251124T093107Z");

beforeAll(() => {
  store = join(mkdtempSync(join(tmpdir(), "kc-store-")), "store");
  mkdirSync(join(store, "queue"), { recursive: true });
  cpSync(join(FIXTURES, "valid"), older(), { recursive: true });
  cpSync(join(FIXTURES, "invalid"), newer(), { recursive: true });
  mkdirSync(join(store, "crashed", "20251124T100000Z"), { recursive: true });
  writeFileSync(join(store, "crashed", "20251124T100000Z", "history.jsonl"), "");
  writeFileSync(join(store, "crashed", "20251124T100000Z", "test.json"), JSON.stringify({ name: "crashed", startedAt: "2025-11-24T10:00:00Z" }));
  symlinkSync(join("queue", "20251124T093107Z"), join(store, "latest"));
});
afterAll(() => rmSync(join(store, ".."), { recursive: true, force: true }));

describe("run directories", () => {
  it("writes report.html, junit.xml and summary.md from the stored files", () => {
    mkdirSync(join(newer(), "nodes", "broker-1", "conf"), { recursive: true });
    writeFileSync(join(newer(), "nodes", "broker-1", "conf", "server.properties"), "node.id=1\n");
    const out = writeRunArtifacts(newer());
    expect(out.verdict).toBe(false);
    expect(out.warnings).toEqual([]);
    for (const f of [out.report, out.junit, out.summary]) expect(existsSync(f)).toBe(true);
    const report = readFileSync(out.report, "utf8");
    expect(report).toContain('href="junit.xml"');
    expect(report).toContain('href="nodes/broker-1/conf/server.properties"');
    expect(readFileSync(out.junit, "utf8")).toContain("<testsuites");
    expect(readFileSync(out.summary, "utf8")).toContain("INVALID");
  });

  it("reads a crashed run without results as unknown, with a hint", () => {
    const run = loadRun(join(store, "crashed", "20251124T100000Z"));
    expect(run.resultsMissing).toBe(true);
    expect(run.warnings[0]).toMatch(/results.json is missing; run `npm run check -- /);
    expect(() => loadRun(join(store, "nope"))).toThrow(/no run directory at/);
  });

  it("indexes the store newest first, skipping the latest link", () => {
    const runs = collectRuns(store);
    expect(runs.map((r) => [r.dir, r.verdict])).toHaveLength(3);
    const index = readFileSync(updateStoreIndex(store, { generatedAt: "2025-11-24T11:00:00Z" }), "utf8");
    const rows = [...index.matchAll(/<tr data-verdict="(\w+)">[\s\S]*?<code>([^<]+)<\/code>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ["incomplete", "crashed/20251124T100000Z"],
      ["invalid", "queue/20251124T093107Z"],
      ["valid", "queue/20251124T091244Z"],
    ]);
    expect(index).toContain('href="queue/20251124T093107Z/report.html"');
    expect(index).toContain("<code>lost-write</code> ×3, <code>unseen</code> ×3, <code>duplicate</code> ×4");
    expect(storeOf(join(store, "latest"))).toBe(store);
    expect(storeOf(older())).toBe(store);
  });

  it("compares the runs of a differential run side by side, in run order", () => {
    const s = join(mkdtempSync(join(tmpdir(), "kc-store-")), "store");
    const diff = { id: "20251124T120000", clients: ["kafkajs@1.16.0", "kafkajs"] };
    for (const [i, [fixture, version]] of [["invalid", "1.16.0"], ["valid", "2.2.4"]].entries()) {
      const dir = join(s, "txn-kill", `20251124T12000${i}Z`);
      cpSync(join(FIXTURES, fixture), dir, { recursive: true });
      const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8"));
      writeFileSync(join(dir, "test.json"), JSON.stringify({ ...test, client: "kafkajs", clientVersion: version, startedAt: `2025-11-24T12:00:0${i}Z`, differential: diff }));
    }
    const index = readFileSync(updateStoreIndex(s), "utf8");
    const section = index.match(/<section class="diff"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(section).toContain("Differential run 20251124T120000: 2 clients");
    const rows = [...section.matchAll(/<tr data-verdict="(\w+)"><td><code>([^<]+)<\/code>/g)].map((m) => [m[2], m[1]]);
    expect(rows).toEqual([
      ["kafkajs 1.16.0", "invalid"],
      ["kafkajs 2.2.4", "valid"],
    ]);
    // The op figures come from each run's results.json.
    const sendsOk = JSON.parse(readFileSync(join(FIXTURES, "valid", "results.json"), "utf8")).stats.counts.send.ok;
    expect(section).toContain(`<td class="n">${sendsOk}</td>`);
    rmSync(join(s, ".."), { recursive: true, force: true });
  });
});

describe("reportCommand", () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => (out.push(String(s)), true));
    try {
      return { code: await reportCommand(argv), out: out.join("") };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  };

  it("exits with the run's verdict and updates the index", async () => {
    rmSync(join(store, "index.html"), { force: true });
    const invalid = await run([join(store, "latest")]);
    expect(invalid.code).toBe(1);
    expect(invalid.out).toContain("verdict: INVALID (lost-write ×3, unseen ×3, duplicate ×4)");
    expect(existsSync(join(store, "index.html"))).toBe(true);
    expect((await run([older(), "--no-index"])).code).toBe(0);
    const crashed = await run([join(store, "crashed", "20251124T100000Z")]);
    expect(crashed.code).toBe(2);
    expect(crashed.out).toMatch(/warning: results.json is missing/);
  });

  it("explains bad usage with exit code 3", async () => {
    expect((await run(["--help"])).code).toBe(0);
    const missing = await run([join(store, "nope")]);
    expect(missing.code).toBe(3);
    expect(missing.out).toMatch(/RUN_DIR_NOT_FOUND: no run directory at .*\n→ pass a run directory/);
    expect((await run(["--bogus"])).code).toBe(3);
  });
});
