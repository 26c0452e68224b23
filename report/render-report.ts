// report.html: one self-contained page per run (inline CSS, inline script, SVG drawn here, data
// embedded as JSON), readable offline and from the stored files alone. Order: verdict, the test,
// anomalies with evidence, plots, fault timeline, files.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join as joinPath } from "node:path";
import type { Anomaly } from "../checkers/results.ts";
import type { Op } from "../core/history/op.ts";
import { REPORT_CSS, REPORT_JS } from "./assets.ts";
import { renderClusterViews } from "./cluster-view.ts";
import { byDesignOrder, describeAnomaly, KNOWN_ANOMALY_TYPES } from "./anomaly-descriptions.ts";
import { compactJson, count, dateTime, duration, maxOf, millis, percent, plural, seconds } from "./format.ts";
import { rate as loadRate, renderLoad } from "./load-view.ts";
import { digestHistory, neededOps, readHistoryFile, type HistoryDigest } from "./history-digest.ts";
import { html, jsonForScript, raw, type SafeHtml } from "./html.ts";
import { anomalyCount, asArray, asRecord, asString, isRecord, readResults, readTestInfo, verdictWord, type Json, type ResultsView, type TestInfo } from "./model.ts";
import { clockSeries } from "./clock-plot.ts";
import { focusOf, renderOffsetDiagram, type Focus } from "./offset-diagram.ts";
import { renderPlot, type FaultBand, type Series } from "./plot.ts";
import { deriveTimeline, renderActionsTable, renderTimeline } from "./timeline.ts";

/** Examples drawn in full per anomaly type; the first few are expanded (fewer for informational types). */
export const MAX_EXAMPLES = 10;
export const EXAMPLES_OPEN = 3;
export const EXAMPLES_OPEN_INFORMATIONAL = 1;

export interface RunFiles {
  /** Files present at the top of the run directory (e.g. "history.jsonl", "harness.log"). */
  top: string[];
  /** node → files under nodes/<node>/. */
  nodes: Record<string, string[]>;
}

export interface ReportInput {
  /** Parsed test.json (read defensively). */
  test: unknown;
  /** Parsed results.json (read defensively). */
  results: unknown;
  /** The history: ops in order, or the path of a history.jsonl. Default: <runDir>/history.jsonl. */
  history?: Iterable<Op> | string;
  /** The run directory: used to list node logs and which files to link, when `files` is absent. */
  runDir?: string;
  files?: RunFiles;
  /** When the report was generated (ISO); default now. */
  generatedAt?: string;
}

/** Lists the files of a run directory the report links to. */
export function listRunFiles(runDir: string): RunFiles {
  const top = existsSync(runDir) ? readdirSync(runDir).filter((f) => safeStat(joinPath(runDir, f))?.isFile()) : [];
  const nodes: Record<string, string[]> = {};
  const nodesDir = joinPath(runDir, "nodes");
  if (existsSync(nodesDir)) {
    for (const node of readdirSync(nodesDir).sort((a, b) => a.localeCompare(b, "en", { numeric: true }))) {
      const dir = joinPath(nodesDir, node);
      if (!safeStat(dir)?.isDirectory()) continue;
      nodes[node] = filesUnder(dir, "", 2);
    }
  }
  return { top: top.sort(), nodes };
}

/** Files under a directory as relative paths ("container.log", "conf/server.properties"), sorted. */
function filesUnder(dir: string, prefix: string, depth: number): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const st = safeStat(joinPath(dir, f));
    if (st?.isFile()) out.push(prefix + f);
    else if (st?.isDirectory() && depth > 1) out.push(...filesUnder(joinPath(dir, f), `${prefix}${f}/`, depth - 1));
  }
  return out;
}

function safeStat(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Stable order for examples: complete evidence (key and offsets or values) first, then fewer ops. */
function clearestFirst(list: Anomaly[]): Anomaly[] {
  const score = (a: Anomaly) => (a.key && (a.offsets?.length || a.values?.length) ? 0 : 1);
  return list.map((a, i) => ({ a, i })).sort((x, y) => score(x.a) - score(y.a) || x.a.ops.length - y.a.ops.length || x.i - y.i).map((x) => x.a);
}

/** Anomaly types in the order the report shows them: those that count first, then the rest. */
export function orderedTypes(r: ResultsView): string[] {
  const bad = new Set(r["bad-anomaly-types"]);
  const found = byDesignOrder([...r["bad-anomaly-types"], ...r["anomaly-types"]]);
  return [...found.filter((t) => bad.has(t)), ...found.filter((t) => !bad.has(t))];
}

export function renderReport(input: ReportInput): string {
  const test = readTestInfo(input.test);
  const results = readResults(input.results);
  const files = input.files ?? (input.runDir ? listRunFiles(input.runDir) : { top: [], nodes: {} });
  const types = orderedTypes(results);
  const examples = new Map(types.map((t) => [t, clearestFirst(results.anomalies[t] ?? []).slice(0, MAX_EXAMPLES)]));
  const wantOps = new Set<number>();
  const wantKeys = new Set<string>();
  for (const list of examples.values()) {
    for (const a of list) {
      a.ops.forEach((i) => wantOps.add(i));
      if (a.key) wantKeys.add(a.key);
    }
  }
  let historySource = input.history;
  if (historySource === undefined && input.runDir && existsSync(joinPath(input.runDir, "history.jsonl"))) historySource = joinPath(input.runDir, "history.jsonl");
  const bad = { count: 0 };
  const stats = results.stats;
  const wants = { ops: wantOps, keys: wantKeys };
  // With the series in results.json, a history file is only skimmed for the ops the page shows.
  const skim = typeof historySource === "string" && stats.latencyPoints.length > 0 && stats.rate.length > 0;
  const skipped = { count: 0, lastTime: 0 };
  const ops: Iterable<Op> =
    typeof historySource === "string" ? (skim ? neededOps(historySource, wants, bad, skipped) : readHistoryFile(historySource, bad)) : (historySource ?? []);
  const digest = digestHistory(ops, wants, bad, skim ? skipped : undefined);
  const hasHistory = historySource !== undefined;

  const durationSeconds = Math.max(
    stats.durationSeconds || 0,
    digest.lastTime / 1e9,
    maxOf(stats.latencyPoints.map((p) => p.t), 0),
    maxOf(stats.rate.map((p) => p.t + 1), 0),
  );
  const knownNodes = [...new Set([...test.nodes, ...Object.keys(files.nodes)])];
  const timeline = deriveTimeline(digest.nemesis, { knownNodes, endSeconds: durationSeconds });
  const faults: FaultBand[] = stats.faultWindows.length ? stats.faultWindows.map((w) => ({ start: w.start, end: w.end, f: w.f })) : timeline.windows;

  const verdict = verdictWord(results.valid);
  const embedded = {
    test: test.raw,
    results: {
      valid: results.valid,
      "anomaly-types": results["anomaly-types"],
      "bad-anomaly-types": results["bad-anomaly-types"],
      counts: results.counts,
      "unknown-reasons": results["unknown-reasons"],
      mode: results.mode,
    },
    ops: Object.fromEntries([...digest.ops, ...digest.nemesis.map((op) => [op.index, op] as const)]),
    invocations: Object.fromEntries(digest.invocations),
  };
  const scriptHash = createHash("sha256").update(REPORT_JS).digest("base64");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;

  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${raw(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${verdict.toUpperCase()} · ${test.name} · kafka-chaos</title>
<style>${raw(REPORT_CSS)}</style></head>
<body data-verdict="${verdict}">
<header class="top"><div class="inner"><h1>${test.name}</h1>
<div class="sub">kafka-chaos run · started ${dateTime(test.startedAt)}${test.product ? ` · ${test.product}` : ""}${test.kafkaVersion ? ` · Kafka ${test.kafkaVersion}` : ""}${test.kafkaMode ? ` (${test.kafkaMode})` : ""}</div>
<nav><a href="#verdict">Verdict</a><a href="#test">Test</a><a href="#anomalies">Anomalies</a><a href="#plots">Plots</a><a href="#faults">Faults</a><a href="#files">Files</a></nav></div></header>
<main>
${renderVerdict(results, types, digest, durationSeconds, hasHistory)}
${renderTest(test, durationSeconds, input.results)}
${renderAnomalies(results, types, examples, digest, hasHistory)}
${renderPlots(results, digest, durationSeconds, faults)}
<section id="faults"><h2>Faults</h2><div class="card">${renderTimeline(timeline, durationSeconds || 1, faults)}${renderLoad(results.stats)}${renderActionsTable(timeline)}${renderClusterViews(digest.nemesis)}</div></section>
${renderFiles(files, !!input.runDir)}
<footer>Generated by kafka-chaos on ${dateTime(input.generatedAt ?? new Date().toISOString())}. This page is self-contained: it makes no network requests.</footer>
</main>
<dialog id="op-dialog" aria-label="op details"><header><b class="title">op</b><button type="button" class="close">Close</button></header>
<div class="body"><pre class="op-json"></pre><div class="inv" hidden><h4>its invocation</h4><pre class="inv-json"></pre></div></div></dialog>
<script type="application/json" id="report-data">${raw(jsonForScript(embedded))}</script>
<script>${raw(REPORT_JS)}</script>
</body></html>
`;
  return page.html;
}

function renderVerdict(r: ResultsView, types: string[], d: HistoryDigest, durationSeconds: number, hasHistory: boolean): SafeHtml {
  const v = verdictWord(r.valid);
  const badTypes = byDesignOrder(r["bad-anomaly-types"]);
  const bad = new Set(badTypes);
  const others = types.filter((t) => !bad.has(t));
  const totalBad = badTypes.reduce((n, t) => n + anomalyCount(r, t), 0);
  const line =
    v === "valid"
      ? others.length
        ? "No anomalies that count in this mode were found."
        : "No anomalies were found."
      : v === "invalid"
        ? `${plural(totalBad, "anomaly", "anomalies")} of ${plural(badTypes.length, "type")} that count${badTypes.length ? ":" : "."}`
        : "The history cannot support a verdict.";
  const counts = Object.values(r.stats.counts);
  const sum = (k: "ok" | "fail" | "info") => counts.reduce((n, c) => n + (c?.[k] ?? 0), 0);
  const completions = sum("ok") + sum("fail") + sum("info");
  const pill = (t: string, cls: string) => html`<a class="pill ${cls}" href="#anomaly-${t}">${t} ×${count(anomalyCount(r, t))}</a>`;
  return html`<section id="verdict" class="card verdict ${v}" data-verdict="${v}">
<div class="word">${v.toUpperCase()}</div>
<div class="line">${line}</div>
${badTypes.length ? html`<div class="bad-types">${badTypes.map((t) => pill(t, "bad"))}</div>` : ""}
${others.length ? html`<div class="info-types"><span class="muted small">Also found, not counted in this mode:</span> ${others.map((t) => pill(t, "info"))}</div>` : ""}
${r["unknown-reasons"]?.length ? html`<ul class="reasons">${r["unknown-reasons"].map((x) => html`<li>${x}</li>`)}</ul>` : ""}
<div class="muted small">Mode: ${r.mode.subscribe ? "subscribe" : "assign"}, ${r.mode.transactional ? "transactional" : "non-transactional"} (from ${r.mode.source}).${
    !hasHistory ? " history.jsonl was not available: ops cannot be looked up." : d.badLines ? ` ${d.badLines} malformed history lines were skipped.` : ""
  }</div>
<div class="facts">
<div><b>${count(hasHistory ? d.opCount : completions * 2)}</b><span>${hasHistory ? "ops in history" : "ops (estimated)"}</span></div>
<div><b>${duration(durationSeconds)}</b><span>duration</span></div>
${completions ? html`<div><b>${count(sum("ok"))} / ${count(sum("fail"))} / ${count(sum("info"))}</b><span>ok / fail / info completions</span></div>` : ""}
<div><b>${r.stats.throughput.ok ? r.stats.throughput.ok.toFixed(1) : "–"}</b><span>ok ops per second</span></div>
${
    r.stats.load && r.stats.faultWindows.length
      ? html`<div><b>${loadRate(r.stats.load.outside.okOpsPerSecond)}</b><span>ok ops/s outside faults${r.stats.load.requestedRate ? ` (${r.stats.load.requestedRate} requested)` : ""}</span></div>
<div><b>${loadRate(r.stats.load.inside.okOpsPerSecond)}</b><span>ok ops/s during faults</span></div>`
      : ""
  }
${
    r.stats.consumption
      ? html`<div><b>${count(r.stats.consumption.more)} of ${count(r.stats.consumption.values)}</b><span>values the consumer group read more than once${r.stats.consumption.committedMore ? ` (${count(r.stats.consumption.committedMore)} by a second committed transaction)` : ""}</span></div>`
      : ""
  }
<div><b>${percent(r.stats.availability.outsideFaults)}</b><span>of ops ok outside faults</span></div>
<div><b>${percent(r.stats.availability.inFaults)}</b><span>of ops ok during faults</span></div>
</div></section>`;
}

function settingsTable(obj: Json): SafeHtml {
  const entries = Object.entries(obj);
  if (!entries.length) return html`<span class="muted">–</span>`;
  return html`<table class="settings">${entries.map(([k, v]) => html`<tr><td>${k}</td><td><code>${typeof v === "string" ? v : compactJson(v, 300)}</code></td></tr>`)}</table>`;
}

/** Kubernetes: the server's version, the namespace, and each node's pod (Kubernetes node, IP). */
function deploymentCell(t: TestInfo): SafeHtml {
  const d = t.deploymentInfo;
  if (!Object.keys(d).length) return html`${t.deployment}`;
  const pods = asRecord(d.pods);
  const nodes = asArray(d.nodes).map((n) => asRecord(n));
  const summary = {
    ...(d.serverVersion ? { Kubernetes: `${asString(d.serverVersion)} · ${nodes.length} node(s): ${nodes.map((n) => `${asString(n.name)} (${asString(n.runtime) ?? "?"})`).join(", ")}` } : {}),
    ...(d.namespace ? { namespace: asString(d.namespace) } : {}),
    ...Object.fromEntries(Object.entries(pods).map(([node, p]) => [node, `pod ${asString(asRecord(p).pod)} on ${asString(asRecord(p).host)}, ${asString(asRecord(p).ip)}`])),
  };
  return html`${t.deployment}${settingsTable(summary)}`;
}

/** Application mode: what the application was and what became of its inputs (results.application). */
function applicationCell(app: Json, results: unknown): SafeHtml {
  const { container, containerStats, ...described } = app as Json & { container?: Json; containerStats?: Json };
  const r = asRecord(asRecord(results).application);
  const outcome = Object.fromEntries(["inputs", "processed", "outputs", "unattributed"].filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
  return html`${settingsTable(described)}${container ? html`<div class="muted">container</div>${settingsTable(container)}` : ""}${containerStats ? html`<div class="muted">its instances</div>${settingsTable(containerStats)}` : ""}${Object.keys(outcome).length ? html`<div class="muted">its inputs</div>${settingsTable(outcome)}` : ""}`;
}

function renderTest(t: TestInfo, durationSeconds: number, results?: unknown): SafeHtml {
  const nemesis = t.nemesis;
  const faults = asArray(nemesis.faults).map((f) => (typeof f === "string" ? f : compactJson(f, 80)));
  const rest = Object.fromEntries(Object.entries(nemesis).filter(([k]) => k !== "faults"));
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${value ?? html`<span class="muted">–</span>`}</dd>`;
  return html`<section id="test"><h2>The test</h2><div class="card"><dl class="kv">
${row("Command", t.command ? html`<pre class="command">${t.command}</pre>` : undefined)}
${row("Seed", t.seed ? html`<code>${t.seed}</code>` : undefined)}
${row("Kafka", t.kafkaVersion || t.kafkaMode ? `${t.kafkaVersion ?? "?"} · ${t.kafkaMode === "kraft" ? "KRaft" : t.kafkaMode === "zookeeper" ? "ZooKeeper" : (t.kafkaMode ?? "?")} mode` : undefined)}
${t.product ? row("Broker", t.product) : ""}
${row("Deployment", t.deployment ? deploymentCell(t) : undefined)}
${row("Images", Object.keys(t.images).length ? settingsTable(t.images) : undefined)}
${row("Client", t.client)}
${row("Producer", settingsTable(t.producer))}
${row("Consumer", settingsTable(t.consumer))}
${t.application ? row("Application", applicationCell(t.application, results)) : row("Workload", settingsTable(t.workload))}
${row("Nemesis", html`${faults.length ? faults.join(", ") : "none"}${Object.keys(rest).length ? html`${settingsTable(rest)}` : ""}`)}
${row("Cluster", Object.keys(t.cluster).length ? settingsTable(t.cluster) : undefined)}
${row("Started", dateTime(t.startedAt))}
${row("Duration", `${duration(durationSeconds)}${t.timeLimitSeconds ? ` (time limit ${t.timeLimitSeconds} s for the main phase)` : ""}`)}
</dl>
<details><summary>Full test description (test.json)</summary><pre>${JSON.stringify(t.raw, null, 2)}</pre></details></div></section>`;
}

const procName = (p: unknown) => (typeof p === "number" ? `p${p}` : String(p ?? "?"));

/** An op's value, compact: one line per micro-op, anomalous values of the anomaly's key marked. */
export function renderOpValue(op: Op, focus: { key?: string } & Focus): SafeHtml {
  const v = op.value;
  if (!Array.isArray(v) || !["send", "poll", "txn"].includes(op.f)) {
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return html`${v.join(", ")}`;
    return html`${compactJson(v, 240)}`;
  }
  const markOf = (key: string, offset: number | undefined, value: number | undefined): "bad" | "witness" | undefined => {
    if (key !== focus.key) return undefined;
    if ((value !== undefined && focus.subject.has(value)) || (offset !== undefined && focus.offsets.has(offset))) return "bad";
    return value !== undefined && focus.witness.has(value) ? "witness" : undefined;
  };
  const marked = (text: string, m: "bad" | "witness" | undefined) => (m === "bad" ? html`<mark>${text}</mark>` : m ? html`<mark class="witness">${text}</mark>` : text);
  const keyLabel = (key: string) => html`<span class="k${key === focus.key ? " hl-key" : ""}">${key}</span>`;
  return html`${v.map((mop) => {
    if (!Array.isArray(mop)) return html`<span class="mop">${compactJson(mop, 120)}</span>`;
    if (mop[0] === "send") {
      const key = String(mop[1]);
      const ov = mop[2];
      const [offset, value] = Array.isArray(ov) ? [Number(ov[0]), Number(ov[1])] : [undefined, Number(ov)];
      const text = `${value}${offset !== undefined ? `@${offset}` : ""}`;
      return html`<span class="mop">send ${keyLabel(key)} ${marked(text, markOf(key, offset, value))}</span>`;
    }
    if (mop[0] === "poll") {
      if (!isRecord(mop[1])) return html`<span class="mop">poll</span>`;
      const entries = Object.entries(mop[1]);
      if (!entries.length) return html`<span class="mop">poll (nothing)</span>`;
      return html`${entries.map(([key, pairs]) => {
        const list = asArray(pairs).filter(Array.isArray) as unknown[][];
        const marks = list.map((p) => markOf(key, Number(p[0]), Number(p[1])));
        const keep = list.map((_, i) => list.length <= 10 || i < 3 || i >= list.length - 2 || marks.slice(Math.max(0, i - 2), i + 3).some(Boolean));
        const parts: SafeHtml[] = [];
        let skipped = 0;
        list.forEach((p, i) => {
          if (!keep[i]) {
            skipped++;
            return;
          }
          if (skipped) parts.push(html`<span class="muted">…${skipped}…</span>`);
          skipped = 0;
          const text = `${p[1]}@${p[0]}`;
          parts.push(html`${marked(text, marks[i])}`);
        });
        if (skipped) parts.push(html`<span class="muted">…${skipped}…</span>`);
        return html`<span class="mop">poll ${keyLabel(key)}: ${parts.map((p, i) => html`${i ? " " : ""}${p}`)}</span>`;
      })}`;
    }
    return html`<span class="mop">${compactJson(mop, 120)}</span>`;
  })}`;
}

function renderOpsTable(a: Anomaly, d: HistoryDigest, hasHistory: boolean): SafeHtml {
  if (!a.ops.length) return html``;
  const focus = { key: a.key, ...focusOf(a, a.key ? d.keys.get(a.key) : undefined) };
  const rows = a.ops.map((i) => {
    const op = d.ops.get(i);
    const link = html`<a href="#op-${i}" class="op-link" data-op="${i}">${i}</a>`;
    if (!op) return html`<tr><td class="num">${link}</td><td colspan="6" class="muted">${hasHistory ? "not in history.jsonl" : "history not available"}</td></tr>`;
    const inv = d.invocations.get(i);
    const latency = inv ? ` (${millis((op.time - inv.time) / 1e6)})` : "";
    return html`<tr><td class="num">${link}</td><td class="num">${seconds(op.time / 1e9)}<span class="muted small">${latency}</span></td><td>${procName(op.process)}</td><td class="t-${op.type}">${op.type}</td><td>${op.f}</td><td class="value">${renderOpValue(op, focus)}</td><td>${op.error ?? ""}</td></tr>`;
  });
  return html`<table class="ops"><thead><tr><th class="num">op</th><th class="num">time (latency)</th><th>process</th><th>type</th><th>f</th><th>value <span class="muted small">(value@offset)</span></th><th>error</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const EVIDENCE_FIELDS = new Set(["type", "key", "ops", "offsets", "values", "explanation"]);
/** Objects and lists of objects are shown folded, one item per line. */
const isComplex = (v: unknown) => isRecord(v) || (Array.isArray(v) && v.some((x) => typeof x === "object" && x !== null));

function renderExample(a: Anomaly, n: number, d: HistoryDigest, hasHistory: boolean): SafeHtml {
  const extra = Object.entries(a).filter(([k, v]) => !EVIDENCE_FIELDS.has(k) && v !== undefined);
  const simple = extra.filter(([, v]) => !isComplex(v));
  const complex = extra.filter(([, v]) => isComplex(v));
  const diagram = renderOffsetDiagram(a, a.key ? d.keys.get(a.key) : undefined);
  return html`<div class="example" data-example="${n}">
<div class="explanation">${n}. ${a.explanation || `${a.type}${a.key ? ` on ${a.key}` : ""}`}</div>
<div class="small muted">${a.key ? html`key <code>${a.key}</code> · ` : ""}${a.offsets?.length ? html`offsets <code>${a.offsets.join(", ")}</code> · ` : ""}${a.values?.length ? html`values <code>${a.values.join(", ")}</code> · ` : ""}ops ${a.ops.map((i, j) => html`${j ? ", " : ""}<a href="#op-${i}" class="op-link" data-op="${i}">${i}</a>`)}${simple.map(([k, v]) => html` · ${k} <code>${compactJson(v, 160)}</code>`)}${complex.map(
    ([k, v]) =>
      html` · <details class="extra"><summary>${k}${Array.isArray(v) ? ` (${v.length})` : ""}</summary><pre>${(Array.isArray(v) ? v : [v]).map((x) => compactJson(x, 400)).join("\n")}</pre></details>`,
  )}</div>
${renderOpsTable(a, d, hasHistory)}
${diagram ? html`${diagram}<div class="diagram-legend">Rows: acknowledged offsets, then polls that read ${a.key} near the anomaly (involved ops highlighted).<i style="background:#e4f2e7"></i>acknowledged<i style="background:#e3ecf7"></i>read<i style="background:#e45b4f"></i>anomalous value<i style="background:#f6d88a"></i>other evidence<i style="background:#fff;border:2px solid #d98c00"></i>differs from acknowledged</div>` : ""}
</div>`;
}

function renderAnomalies(r: ResultsView, types: string[], examples: Map<string, Anomaly[]>, d: HistoryDigest, hasHistory: boolean): SafeHtml {
  const bad = new Set(r["bad-anomaly-types"]);
  const sections = types.map((t) => {
    const desc = describeAnomaly(t);
    const list = examples.get(t) ?? [];
    const total = anomalyCount(r, t);
    const listed = r.anomalies[t]?.length ?? 0;
    const shown = bad.has(t) ? EXAMPLES_OPEN : EXAMPLES_OPEN_INFORMATIONAL;
    const open = list.slice(0, shown);
    const more = list.slice(shown);
    return html`<section class="card anomaly ${bad.has(t) ? "bad" : "info"}" id="anomaly-${t}" data-type="${t}">
<h3><span class="name">${t}</span> <span class="badge ${bad.has(t) ? "bad" : "info"}">${bad.has(t) ? "counts" : "informational"}</span> <span>${desc.title}</span> <span class="muted">× ${count(total)}</span></h3>
<p class="meaning">${desc.meaning}</p>
${list.length ? html`<div class="muted small">Showing ${list.length} of ${count(total)}${listed < total ? ` (results.json keeps ${listed})` : ""}${listed > list.length ? `; ${listed - list.length} more in results.json` : ""}.</div>` : html`<p class="empty">No examples recorded in results.json.</p>`}
${open.map((a, i) => renderExample(a, i + 1, d, hasHistory))}
${more.length ? html`<details><summary>${plural(more.length, "more example")}</summary>${more.map((a, i) => renderExample(a, i + 1 + shown, d, hasHistory))}</details>` : ""}
</section>`;
  });
  const glossary = byDesignOrder([...(r["checked-anomaly-types"] ?? KNOWN_ANOMALY_TYPES), ...types]);
  return html`<section id="anomalies"><h2>Anomalies</h2>
${types.length ? sections : html`<div class="card"><p>No anomalies were found.</p></div>`}
<details class="glossary"><summary>All anomaly types and what they mean</summary><div class="card"><table><thead><tr><th>type</th><th class="num">found</th><th>counts?</th><th>meaning</th></tr></thead><tbody>${glossary.map(
    (t) => html`<tr><td><code>${t}</code></td><td class="num">${count(anomalyCount(r, t))}</td><td>${bad.has(t) ? "yes" : "no"}</td><td>${describeAnomaly(t).meaning}</td></tr>`,
  )}</tbody></table></div></details></section>`;
}

const COLORS = { ok: "#3b73c4", fail: "#d0453a", info: "#e69a1f" };

function renderPlots(r: ResultsView, d: HistoryDigest, xMax: number, faults: FaultBand[]): SafeHtml {
  const s = r.stats;
  const latency = s.latencyPoints.length ? s.latencyPoints : d.latency;
  const rate = s.rate.length ? s.rate : d.rate;
  const byType = (type: "ok" | "fail" | "info"): Series => ({
    label: type,
    color: COLORS[type],
    kind: "points",
    points: latency.filter((p) => p.type === type).map((p) => [p.t, p.ms]),
  });
  const rateSeries = (type: "ok" | "fail" | "info"): Series => ({ label: type, color: COLORS[type], kind: "line", points: rate.map((p) => [p.t, p[type] ?? 0]) });
  const quantiles = Object.entries(s.latency);
  const errors = Object.entries(s.errors ?? {}).sort((a, b) => b[1] - a[1]);
  const opCounts = Object.entries(s.counts);
  const clocks = clockSeries(d.nemesis, xMax);
  return html`<section id="plots"><h2>Plots</h2><div class="card">
${renderPlot({ id: "latency", title: "Latency", note: "each completed client op at its completion time; log scale", yLabel: "latency (ms)", yScale: "log", xMax, faults, series: [byType("ok"), byType("info"), byType("fail")], empty: "No latency data." })}
${renderPlot({ id: "throughput", title: "Throughput", note: "completions per second", yLabel: "ops / s", xMax, faults, series: [rateSeries("ok"), rateSeries("info"), rateSeries("fail")], empty: "No throughput data." })}
${renderPlot({ id: "lag", title: "Realtime lag", note: `per poll: seconds behind the newest acknowledged send of the key${s.worstLag ? `; worst ${s.worstLag.seconds.toFixed(2)} s (${s.worstLag.key}, p${s.worstLag.process}, at ${s.worstLag.t.toFixed(1)} s)` : ""}`, yLabel: "lag (s)", xMax, faults, series: [{ label: "poll lag", color: "#7a4fb0", kind: "points", points: s.lag.map((p) => [p.t, p.seconds]) }], empty: "No lag data in results.json." })}
${renderPlot({ id: "unseen", title: "Unseen messages", note: "acknowledged sends not yet read by any poll", yLabel: "messages", xMax, faults, series: [{ label: "unseen", color: "#c0392b", kind: "step", points: s.unseen.map((p) => [p.t, p.count]) }], empty: "No unseen-count data in results.json." })}
${clocks.length ? renderPlot({ id: "clocks", title: "Clock offsets", note: "per node: the wall clock its processes read, minus the real one, as the clock nemesis set it (a strobe flips between two lines; a drift slopes), and as read inside each node after each change (dots)", yLabel: "offset (s)", xMax, faults, series: clocks }) : ""}
${opCounts.length || quantiles.length
  ? html`<h3>Ops and latency by function</h3><table class="stats"><thead><tr><th>f</th><th class="num">ok</th><th class="num">fail</th><th class="num">info</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th></tr></thead><tbody>${[
      ...new Set([...opCounts.map(([f]) => f), ...quantiles.map(([f]) => f)]),
    ].map((f) => {
      const c = s.counts[f];
      const q = s.latency[f];
      return html`<tr><td>${f}</td><td class="num">${c ? count(c.ok) : "–"}</td><td class="num">${c ? count(c.fail) : "–"}</td><td class="num">${c ? count(c.info) : "–"}</td><td class="num">${q ? millis(q.p50) : "–"}</td><td class="num">${q ? millis(q.p90) : "–"}</td><td class="num">${q ? millis(q.p99) : "–"}</td><td class="num">${q ? millis(q.max) : "–"}</td></tr>`;
    })}</tbody></table>`
  : ""}
${errors.length
  ? html`<h3>Errors of failed and indefinite ops</h3><table class="stats"><thead><tr><th>error</th><th class="num">ops</th></tr></thead><tbody>${errors.map(
      ([e, n]) => html`<tr><td><code>${e}</code></td><td class="num">${count(n)}</td></tr>`,
    )}</tbody></table>`
  : ""}
</div></section>`;
}

function renderFiles(files: RunFiles, haveDir: boolean): SafeHtml {
  const known = ["history.jsonl", "results.json", "test.json", "harness.log", "junit.xml", "summary.md"];
  const top = haveDir ? known.filter((f) => files.top.includes(f)) : known.slice(0, 3);
  const describe: Record<string, string> = {
    "history.jsonl": "every operation, one JSON object per line",
    "results.json": "what the checkers found",
    "test.json": "the test description",
    "harness.log": "the harness's own log",
    "junit.xml": "the verdict for CI",
    "summary.md": "a Markdown summary",
  };
  const nodes = Object.entries(files.nodes);
  return html`<section id="files"><h2>Files</h2><div class="card"><ul class="files">${top.map(
    (f) => html`<li><a href="${f}">${f}</a> <span class="muted">${describe[f]}</span></li>`,
  )}</ul>
${nodes.length ? html`<h3>Node logs and configs</h3><ul class="files">${nodes.map(
    ([node, list]) => html`<li><b>${node}</b>: ${list.length ? list.map((f, i) => html`${i ? ", " : ""}<a href="${`nodes/${encodeURIComponent(node)}/${f.split("/").map(encodeURIComponent).join("/")}`}">${f}</a>`) : html`<span class="muted">no files</span>`}</li>`,
  )}</ul>` : html`<p class="muted">No node logs in this run directory.</p>`}
</div></section>`;
}

