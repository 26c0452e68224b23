// What the faults were exercised with (stats.load and the fault windows' counters, see
// checkers/stats.ts): the main phase's load outside the fault windows and inside them, as ok
// ops per second against the requested rate, and per window the sends acknowledged, the polls
// that returned data, the sends that overlapped it and those acknowledged just before it. A window no send overlapped is marked:
// the verdict's vacuity gates (checkers/vacuity.ts) read the same numbers.
import type { Stats } from "../checkers/results.ts";
import { LEAD_SECONDS } from "../checkers/stats.ts";
import { count, seconds } from "./format.ts";
import { html, join, type SafeHtml } from "./html.ts";

type Side = NonNullable<Stats["load"]>["inside"];

/** An ok-ops-per-second figure, "–" where there were no seconds to count over. */
export const rate = (x: number | null) => (x === null ? "–" : x.toFixed(1));
/** What the fault did, as its nemesis op said (`what`, else `target`). */
const what = (v: unknown): string => {
  const r = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  return typeof r.what === "string" ? r.what : typeof r.target === "string" ? r.target : "";
};

function row(label: string, s: Side, requested: number | undefined): SafeHtml {
  const share = requested && s.okOpsPerSecond !== null ? ` (${Math.round((100 * s.okOpsPerSecond) / requested)}%)` : "";
  return html`<tr><td>${label}</td><td class="num">${seconds(s.seconds)}</td><td class="num">${count(s.okOps)}</td><td class="num">${rate(s.okOpsPerSecond)}${share}</td><td class="num">${count(s.ackedSends)}</td><td class="num">${count(s.pollsWithData)}</td></tr>`;
}

/** The load table and the per-window table, or nothing for results without load figures. */
export function renderLoad(stats: Stats): SafeHtml {
  const l = stats.load;
  if (!l) return html``;
  const requested = l.requestedRate;
  const windows = stats.faultWindows.filter((w) => w.ackedSends !== undefined);
  const phase = l.mainPhaseKnown ? `the main phase (${seconds(l.mainSeconds)})` : `the whole history (${seconds(l.mainSeconds)}; no test.json gave the main phase's length)`;
  return html`<h3>Load</h3>
<p class="muted small">Over ${phase}${requested ? `, at a requested ${requested} ops/s` : ""}: ok client ops completing outside the fault windows and inside them (their union).</p>
<table class="load"><tr><th></th><th>seconds</th><th>ok ops</th><th>ok ops/s${requested ? " (of requested)" : ""}</th><th>sends acknowledged</th><th>polls with data</th></tr>
${row("outside faults", l.outside, requested)}${row("inside faults", l.inside, requested)}</table>
${
  windows.length
    ? html`<table class="load windows"><tr><th>window</th><th>fault</th><th>seconds</th><th>ok ops</th><th>sends acknowledged</th><th>polls with data</th><th>sends overlapping</th><th>acknowledged in the ${LEAD_SECONDS} s before</th></tr>
${join(
  windows.map(
    (w) =>
      html`<tr${(w.sendsOverlapping ?? 0) === 0 ? html` class="bad"` : ""}><td class="num">${seconds(w.start)}–${seconds(w.end)}</td><td>${w.f}${what(w.value) ? html`<br><span class="muted small">${what(w.value)}</span>` : ""}</td><td class="num">${seconds(Math.max(0, w.end - w.start))}</td><td class="num">${count(w.okOps ?? 0)}</td><td class="num">${count(w.ackedSends ?? 0)}</td><td class="num">${count(w.pollsWithData ?? 0)}</td><td class="num">${count(w.sendsOverlapping ?? 0)}</td><td class="num">${count(w.ackedSendsBefore ?? 0)}</td></tr>`,
  ),
)}</table>`
    : ""
}`;
}
