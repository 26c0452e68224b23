import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Op } from "../core/history/op.ts";
import { ANOMALY_DESCRIPTIONS } from "./anomaly-descriptions.ts";
import { renderReport } from "./render-report.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "runs");
const load = (run: string) => ({
  dir: join(FIXTURES, run),
  test: JSON.parse(readFileSync(join(FIXTURES, run, "test.json"), "utf8")),
  results: JSON.parse(readFileSync(join(FIXTURES, run, "results.json"), "utf8")),
  history: readFileSync(join(FIXTURES, run, "history.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Op),
});

/** The inline script elements of a page (type-less or JavaScript), by their opening tags. */
const scripts = (page: string) => page.match(/<script\b[^>]*>/gi) ?? [];

describe("renderReport", () => {
  it("renders an invalid run: verdict first, test, anomalies with evidence, plots, timeline, files", () => {
    const run = load("invalid");
    const page = renderReport({ test: run.test, results: run.results, runDir: run.dir, generatedAt: "2025-11-24T10:00:00Z" });
    const order = ['id="verdict"', 'id="test"', 'id="anomalies"', 'id="plots"', 'id="faults"', 'id="files"'].map((s) => page.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page).toContain('data-verdict="invalid"');
    expect(page).toMatch(/duplicate ×4/);
    expect(page).toMatch(/lost-write ×3/);
    expect(page).toContain("npm run chaos -- --name queue-subscribe-unclean");
    expect(page).toContain("3.9.0 · KRaft mode");
    expect(page).toContain("kafka-chaos/toxiproxy:2.12.0");
    expect(page).toContain(ANOMALY_DESCRIPTIONS["lost-write"].meaning);
    expect(page).toContain('class="card anomaly bad" id="anomaly-lost-write"');
    expect(page).toContain('class="card anomaly info" id="anomaly-nonmonotonic-poll"');
    expect(page.match(/class="offset-diagram"/g)?.length).toBeGreaterThanOrEqual(3 + 4 + 1);
    // Data loss first, write cycles last, informational types after those that count.
    const sections = [...page.matchAll(/id="anomaly-([\w-]+)" data-type/g)].map((m) => m[1]);
    expect(sections).toEqual(["lost-write", "unseen", "duplicate", "poll-skip", "nonmonotonic-poll"]);
    for (const plot of ["latency", "throughput", "lag", "unseen", "timeline"]) expect(page).toContain(`data-plot="${plot}"`);
    expect(page).toContain('href="nodes/broker-1/container.log"');
    expect(page).toContain('href="history.jsonl"');
    // The ops of the first lost write are in the table and in the embedded data.
    const first = run.results.anomalies["lost-write"][0];
    for (const i of first.ops) expect(page).toContain(`data-op="${i}"`);
    const data = JSON.parse(page.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/)![1]);
    expect(data.ops[first.ops[0]]).toEqual(run.history[first.ops[0]]);
    expect(data.results["bad-anomaly-types"]).toEqual(run.results["bad-anomaly-types"]);
  });

  it("shows the load the faults met: ok ops/s outside and inside the windows, and per window what was acknowledged", () => {
    const run = load("valid");
    const l = run.results.stats.load;
    const page = renderReport({ test: run.test, results: run.results, runDir: run.dir, generatedAt: "2025-11-24T10:00:00Z" });
    expect(page).toContain(`<b>${l.outside.okOpsPerSecond.toFixed(1)}</b><span>ok ops/s outside faults</span>`);
    expect(page).toContain(`<b>${l.inside.okOpsPerSecond.toFixed(1)}</b><span>ok ops/s during faults</span>`);
    const table = page.slice(page.indexOf('<table class="load windows">'), page.indexOf("</table>", page.indexOf('<table class="load windows">')));
    expect(table.match(/<tr/g)).toHaveLength(run.results.stats.faultWindows.length + 1);
    for (const w of run.results.stats.faultWindows) expect(table).toContain(`<td class="num">${w.ackedSends}</td>`);
    // Results without load figures (older runs) show none, and say nothing false.
    const old = { ...run.results, stats: { ...run.results.stats, load: undefined } };
    expect(renderReport({ test: run.test, results: old, runDir: run.dir })).not.toContain('class="load"');
  });

  it("is self-contained: no external resources, a CSP that forbids network access", () => {
    const run = load("valid");
    const page = renderReport({ test: run.test, results: run.results, history: run.history });
    expect(page).not.toMatch(/\bsrc=/i);
    expect(page).not.toMatch(/<link\b/i);
    expect(page).not.toMatch(/(href|src)="(https?:)?\/\//i);
    expect(page).not.toMatch(/@import|url\((?!#)/i);
    expect(page).toMatch(/Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-/);
    expect(scripts(page)).toEqual(['<script type="application/json" id="report-data">', "<script>"]);
    expect(page).toContain('data-verdict="valid"');
    expect(page).toContain("No anomalies were found.");
  });

  it("shows values from the cluster and the history as text", () => {
    const run = load("invalid");
    const evil = "<script>alert(1)</script>";
    const history = run.history.map((op) => (op.index === 1 ? { ...op, error: evil } : op));
    const results = structuredClone(run.results);
    results.anomalies["lost-write"][0].explanation = evil;
    results.anomalies["lost-write"][0].ops.push(1);
    results["unknown-reasons"] = [evil];
    const page = renderReport({ test: { ...run.test, name: evil, command: evil, producer: { [evil]: evil } }, results, history });
    expect(page).not.toContain(evil);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(scripts(page)).toHaveLength(2);
    expect(page.match(/<\/script>/g)).toHaveLength(2);
  });

  it("says what is missing when results or history are absent", () => {
    const page = renderReport({ test: {}, results: { "unknown-reasons": ["results.json is missing"] } });
    expect(page).toContain('data-verdict="unknown"');
    expect(page).toContain("results.json is missing");
    expect(page).toContain("history.jsonl was not available");
    expect(page).toContain("No nemesis ops in the history");

    const run = load("invalid");
    const noHistory = renderReport({ test: run.test, results: run.results });
    expect(noHistory).toContain("history not available");
  });

  it("falls back to plots derived from the history when results have no stats", () => {
    const run = load("valid");
    const page = renderReport({ test: run.test, results: { valid: true }, history: run.history });
    expect(page).toMatch(/data-plot="latency"><figcaption>[\s\S]*?<svg/);
    expect(page).toMatch(/data-plot="throughput"><figcaption>[\s\S]*?<svg/);
    expect(page).toContain("No lag data in results.json.");
    expect(page).toMatch(/class="fault"/); // fault windows derived from nemesis ops
  });

  it("shows an application run's application in place of the workload: as described, its container's instances, and what became of its inputs", () => {
    const run = load("invalid");
    const application = { input: "orders", output: "enriched", groupId: "enricher", container: { image: "svc:1", killEverySeconds: 6 }, containerStats: { instances: 12, kills: 3, crashes: 8, badLines: 0 } };
    const results = { ...run.results, application: { inputs: 2249, processed: 2186, outputs: 3766, unattributed: 0 } };
    const page = renderReport({ test: { ...run.test, application }, results, history: run.history });
    const test = page.slice(page.indexOf('id="test"'), page.indexOf('id="anomalies"'));
    expect(test).toContain("<dt>Application</dt>");
    expect(test).not.toContain("<dt>Workload</dt>");
    for (const cell of ["enricher", "svc:1", "its instances", "<td>crashes</td><td><code>8</code>", "<td>processed</td><td><code>2186</code>"]) expect(test).toContain(cell);
    expect(renderReport({ test: run.test, results: run.results, history: run.history })).not.toContain("<dt>Application</dt>");
  });
});

