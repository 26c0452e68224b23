// store/index.html: every run in the store, newest first, with its verdict, command and date.
// Static and self-contained like the reports (no script at all).

import { dateTime, duration } from "./format.ts";
import { html, join, raw } from "./html.ts";

export type IndexVerdict = "valid" | "invalid" | "unknown" | "incomplete";

export interface RunSummary {
  /** Link to the run's report (or its directory), relative to the index page. */
  href: string;
  /** The run directory relative to the store, e.g. "partition-kraft/20251124T090312Z". */
  dir: string;
  name: string;
  startedAt?: string;
  command?: string;
  seed?: string;
  /** "incomplete": the run left no results.json (still running, or crashed before checking). */
  verdict: IndexVerdict;
  badTypes: { type: string; count: number }[];
  durationSeconds?: number;
  hasReport: boolean;
  /** The client and its version, e.g. "kafkajs 2.2.4". */
  client?: string;
  /** Set for the runs of one `--clients` differential run: they share the id and the seed. */
  differential?: string;
  /** What the clients did, for the side-by-side comparison of a differential run. */
  ops?: { sendOk: number; sendInfo: number; sendFail: number; pollOk: number; okPerSecond?: number; sendP50?: number; sendP99?: number };
}

const time = (r: RunSummary) => {
  const t = r.startedAt ? Date.parse(r.startedAt) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
};

/** Newest first: by start time, then by directory name (timestamps sort as text). */
export function sortRunsNewestFirst(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => time(b) - time(a) || b.dir.localeCompare(a.dir));
}

const INDEX_CSS = `
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2329; background: #f6f7f9; }
header { background: #1d2329; color: #eef1f4; padding: 14px 20px; } header h1 { margin: 0; font-size: 20px; } header p { margin: 2px 0 0; color: #aab4be; font-size: 13px; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d9dee3; border-radius: 8px; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #e4e8ec; }
th { font-size: 12px; color: #5f6b76; text-transform: uppercase; letter-spacing: .03em; }
td.when { white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.v { font-weight: 700; font-size: 12px; padding: 2px 8px; border-radius: 10px; white-space: nowrap; }
.v.valid { background: #daf0df; color: #1f6e33; } .v.invalid { background: #f9d9d5; color: #8d2318; }
.v.unknown { background: #faecc8; color: #7a5212; } .v.incomplete { background: #e6e9ed; color: #45515c; }
.muted { color: #5f6b76; } a { color: #1f5fae; }
section.diff { margin: 0 0 22px; } section.diff td code { white-space: nowrap; } section.diff h2 { font-size: 16px; margin: 0 0 6px; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
`;

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits));

/**
 * One `--clients` differential run: the same seeded plan through each client in a row, side by
 * side (verdict, anomalies, what the sends and polls did, throughput and send latency).
 */
function renderDifferential(id: string, runs: RunSummary[]) {
  const inOrder = [...runs].sort((a, b) => -(time(b) - time(a)) || a.dir.localeCompare(b.dir));
  const seeds = [...new Set(inOrder.map((r) => r.seed))].join(", ");
  const rows = inOrder.map(
    (r) => html`<tr data-verdict="${r.verdict}"><td><code>${r.client ?? "?"}</code></td><td><span class="v ${r.verdict}">${r.verdict.toUpperCase()}</span></td>
<td>${r.badTypes.length ? join(r.badTypes.map((b) => html`<code>${b.type}</code> ×${b.count}`), ", ") : html`<span class="muted">–</span>`}</td>
<td class="n">${fmt(r.ops?.sendOk)}</td><td class="n">${fmt(r.ops?.sendInfo)}</td><td class="n">${fmt(r.ops?.sendFail)}</td><td class="n">${fmt(r.ops?.pollOk)}</td>
<td class="n">${fmt(r.ops?.okPerSecond, 1)}</td><td class="n">${fmt(r.ops?.sendP50, 1)}</td><td class="n">${fmt(r.ops?.sendP99, 0)}</td>
<td><a href="${r.href}">${r.hasReport ? "report" : "files"}</a></td></tr>`,
  );
  return html`<section class="diff" data-differential="${id}"><h2>Differential run ${id}: ${inOrder.length} clients, seed ${seeds}</h2>
<table><thead><tr><th>client</th><th>verdict</th><th>anomalies that count</th><th>sends ok</th><th>sends info</th><th>sends fail</th><th>polls ok</th><th>ok ops/s</th><th>send p50 ms</th><th>send p99 ms</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function differentials(runs: RunSummary[]) {
  const groups = new Map<string, RunSummary[]>();
  for (const r of runs) if (r.differential) groups.set(r.differential, [...(groups.get(r.differential) ?? []), r]);
  return join([...groups].map(([id, rs]) => renderDifferential(id, rs)), "");
}

export function renderIndex(runs: RunSummary[], opts: { title?: string; generatedAt?: string } = {}): string {
  const sorted = sortRunsNewestFirst(runs);
  const counts = { valid: 0, invalid: 0, unknown: 0, incomplete: 0 };
  for (const r of sorted) counts[r.verdict]++;
  const title = opts.title ?? "kafka-chaos runs";
  const rows = sorted.map(
    (r) => html`<tr data-verdict="${r.verdict}"><td><span class="v ${r.verdict}">${r.verdict.toUpperCase()}</span></td>
<td><a href="${r.href}">${r.name}</a><div class="muted"><code>${r.dir}</code></div></td>
<td class="when">${dateTime(r.startedAt)}${r.durationSeconds ? html`<div class="muted">${duration(r.durationSeconds)}</div>` : ""}</td>
<td>${r.command ? html`<code>${r.command}</code>` : html`<span class="muted">–</span>`}${r.seed ? html`<div class="muted">seed <code>${r.seed}</code></div>` : ""}</td>
<td>${r.badTypes.length ? join(r.badTypes.map((b) => html`<code>${b.type}</code> ×${b.count}`), ", ") : html`<span class="muted">–</span>`}</td>
<td>${r.hasReport ? html`<a href="${r.href}">report</a>` : html`<a href="${r.href}">files</a>`}</td></tr>`,
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${raw(INDEX_CSS)}</style></head>
<body><header><h1>${title}</h1><p>${sorted.length} runs · ${counts.valid} valid · ${counts.invalid} invalid · ${counts.unknown} unknown${counts.incomplete ? ` · ${counts.incomplete} incomplete` : ""}${opts.generatedAt ? ` · updated ${dateTime(opts.generatedAt)}` : ""}</p></header>
<main>${differentials(sorted)}${sorted.length
    ? html`<table><thead><tr><th>verdict</th><th>test</th><th>started</th><th>command</th><th>anomalies that count</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No runs in the store yet. Start one with <code>npm run chaos</code>.</p>`}</main></body></html>
`.html;
}
