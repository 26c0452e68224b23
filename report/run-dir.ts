// Reading a run directory (design.md "A run directory") and writing what is derived from it:
// report.html, junit.xml and summary.md next to the stored files, and store/index.html over
// all runs. Everything here works from the stored files alone.

import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import type { Verdict } from "../checkers/results.ts";
import { KcError } from "../core/errors.ts";
import { byDesignOrder } from "./anomaly-descriptions.ts";
import { renderJUnit, renderMarkdownSummary } from "./ci.ts";
import { anomalyCount, asNumber, missingResults, readResults, readTestInfo, verdictWord, type ResultsView } from "./model.ts";
import { renderIndex, type RunSummary } from "./render-index.ts";
import { renderReport } from "./render-report.ts";

export interface StoredRun {
  dir: string;
  /** Parsed test.json, or {} when missing/unreadable. */
  test: unknown;
  /** Parsed results.json, or a stand-in with an unknown verdict when missing/unreadable. */
  results: unknown;
  resultsMissing: boolean;
  /** Problems met while reading, said the way a person should read them. */
  warnings: string[];
}

function readJson(path: string): { value?: unknown; problem?: string } {
  if (!existsSync(path)) return { problem: "missing" };
  try {
    return { value: JSON.parse(readFileSync(path, "utf8")) };
  } catch (e) {
    return { problem: `unreadable (${(e as Error).message})` };
  }
}

/** Reads test.json and results.json of a run directory, defensively. */
export function loadRun(runDir: string): StoredRun {
  const dir = resolve(runDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new KcError("RUN_DIR_NOT_FOUND", `no run directory at ${runDir}`, {
      hint: "pass a run directory such as store/<test-name>/<timestamp> (or store/latest)",
    });
  }
  const warnings: string[] = [];
  const test = readJson(join(dir, "test.json"));
  if (test.problem) warnings.push(`test.json is ${test.problem}: the test description will be incomplete`);
  const results = readJson(join(dir, "results.json"));
  let resultsValue = results.value;
  if (results.problem) {
    const hint = existsSync(join(dir, "history.jsonl")) ? `; run \`npm run check -- ${runDir}\` to analyse history.jsonl` : "";
    const reason = `results.json is ${results.problem}${hint}`;
    warnings.push(reason);
    resultsValue = missingResults(reason);
  }
  if (!existsSync(join(dir, "history.jsonl"))) warnings.push("history.jsonl is missing: ops cannot be looked up");
  return { dir, test: test.value ?? {}, results: resultsValue, resultsMissing: !!results.problem, warnings };
}

/** Writes a file so a reader never sees it half-written. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export interface RunArtifacts {
  report: string;
  junit: string;
  summary: string;
  verdict: Verdict;
  results: ResultsView;
  warnings: string[];
}

/** Renders report.html, junit.xml and summary.md into the run directory from its stored files. */
export function writeRunArtifacts(runDir: string, opts: { generatedAt?: string } = {}): RunArtifacts {
  const run = loadRun(runDir);
  const report = join(run.dir, "report.html");
  const junit = join(run.dir, "junit.xml");
  const summary = join(run.dir, "summary.md");
  // CI files first, so the report's file list links them.
  writeFileAtomic(junit, renderJUnit({ test: run.test, results: run.results }));
  writeFileAtomic(summary, renderMarkdownSummary({ test: run.test, results: run.results }));
  writeFileAtomic(report, renderReport({ test: run.test, results: run.results, runDir: run.dir, generatedAt: opts.generatedAt }));
  const results = readResults(run.results);
  return { report, junit, summary, verdict: results.valid, results, warnings: run.warnings };
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Summary of one stored run for the index. */
export function summarizeRun(storeDir: string, runDir: string): RunSummary {
  const test = readTestInfo(readJson(join(runDir, "test.json")).value ?? {});
  const raw = readJson(join(runDir, "results.json")).value;
  const rel = relative(storeDir, runDir).split(sep).join("/");
  const hasReport = existsSync(join(runDir, "report.html"));
  const href = rel.split("/").map(encodeURIComponent).join("/") + (hasReport ? "/report.html" : "/");
  let verdict: RunSummary["verdict"] = "incomplete";
  let badTypes: RunSummary["badTypes"] = [];
  let durationSeconds: number | undefined;
  let ops: RunSummary["ops"];
  if (raw !== undefined) {
    const r = readResults(raw);
    verdict = verdictWord(r.valid);
    badTypes = byDesignOrder(r["bad-anomaly-types"]).map((type) => ({ type, count: anomalyCount(r, type) }));
    durationSeconds = asNumber(r.stats.durationSeconds) || undefined;
    ops = opFigures(r.stats);
  }
  return {
    href,
    dir: rel,
    name: test.name === "unnamed test" ? rel.split("/")[0] : test.name,
    startedAt: test.startedAt,
    command: test.command,
    seed: test.seed,
    verdict,
    badTypes,
    durationSeconds,
    hasReport,
    client: test.client,
    differential: test.differential?.id,
    ops,
  };
}

/** The figures a differential comparison shows: sends are `send` ops (queue) or `txn` ops (txn). */
function opFigures(stats: ResultsView["stats"]): RunSummary["ops"] {
  const sendF = stats.counts.txn && !stats.counts.send ? "txn" : "send";
  const send = stats.counts[sendF] ?? { ok: 0, info: 0, fail: 0 };
  return {
    sendOk: send.ok,
    sendInfo: send.info,
    sendFail: send.fail,
    pollOk: stats.counts.poll?.ok ?? 0,
    okPerSecond: stats.throughput.ok,
    sendP50: stats.latency[sendF]?.p50,
    sendP99: stats.latency[sendF]?.p99,
  };
}

/** Every run directory of a store: store/<test-name>/<timestamp>/ holding a test.json, history.jsonl or results.json. */
export function collectRuns(storeDir: string): RunSummary[] {
  const store = resolve(storeDir);
  const runs: RunSummary[] = [];
  if (!isDir(store)) return runs;
  for (const test of readdirSync(store, { withFileTypes: true })) {
    if (!test.isDirectory()) continue; // skips the `latest` symlink and index.html
    const testDir = join(store, test.name);
    for (const ts of readdirSync(testDir, { withFileTypes: true })) {
      if (!ts.isDirectory()) continue;
      const runDir = join(testDir, ts.name);
      if (!["test.json", "history.jsonl", "results.json"].some((f) => existsSync(join(runDir, f)))) continue;
      runs.push(summarizeRun(store, runDir));
    }
  }
  return runs;
}

/** Rewrites store/index.html, newest run first. Returns its path. */
export function updateStoreIndex(storeDir: string, opts: { generatedAt?: string } = {}): string {
  const store = resolve(storeDir);
  const path = join(store, "index.html");
  writeFileAtomic(path, renderIndex(collectRuns(store), { title: `kafka-chaos runs · ${basename(store)}`, generatedAt: opts.generatedAt ?? new Date().toISOString() }));
  return path;
}

/** The store a run directory belongs to (store/<test-name>/<timestamp>), if it looks like one. */
export function storeOf(runDir: string): string | undefined {
  let dir = resolve(runDir);
  try {
    dir = realpathSync(dir); // store/latest is a symlink to the newest run
  } catch {
    // keep the path as given
  }
  const store = resolve(dir, "..", "..");
  return basename(store) === "store" || existsSync(join(store, "latest")) || existsSync(join(store, "index.html")) ? store : undefined;
}
