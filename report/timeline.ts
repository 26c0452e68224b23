// The nemesis timeline: pairs the nemesis's `info` ops into actions, works out from their
// function names and values which nodes were down, paused, cut off or degraded and when, and
// draws that as rows under a shared time axis (aligned with the plots above it).

import type { Op } from "../core/history/op.ts";
import { compactJson, maxOf, seconds } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import { isRecord } from "./model.ts";
import { FAULT_COLORS, PLOT, faultColor, faultRects, legend, timeAxis, type FaultBand } from "./plot.ts";

export type NodeState = "down" | "paused" | "cut off" | "degraded";
const ALL_STATES: NodeState[] = ["down", "paused", "cut off", "degraded"];

export const STATE_COLORS: Record<NodeState, string> = {
  down: FAULT_COLORS.kill,
  paused: FAULT_COLORS.pause,
  "cut off": FAULT_COLORS.partition,
  degraded: FAULT_COLORS.link,
};

/** One nemesis action: the op saying what is about to be done and the op saying what was done. */
export interface NemesisAction {
  f: string;
  /** Seconds since test start of the first op. */
  start: number;
  /** Seconds of the second op, when there is one. */
  end?: number;
  first: Op;
  second?: Op;
  nodes: string[];
  error?: string;
}

export interface NodeInterval {
  node: string;
  state: NodeState;
  start: number;
  end: number;
  /** Still in that state when the history ends. */
  open: boolean;
  f: string;
}

export interface Timeline {
  actions: NemesisAction[];
  intervals: NodeInterval[];
  /** Rows to draw: known nodes first, then nodes seen in nemesis values, "cluster" for faults naming none. */
  nodes: string[];
  /** Fault windows derived from the actions (used when results.json has none). */
  windows: FaultBand[];
}

interface Effect {
  begin?: NodeState;
  end?: NodeState[];
}

const THING = /^(nodes?|brokers?|kafka|zookeeper|zk|controllers?|process(es)?|containers?)\b/;

function stateOfFault(x: string): NodeState {
  // lone-leader cuts its node off, then kills it: its start completes with the node down.
  if (/lone-leader/.test(x)) return "down";
  if (/partition|isolat|split|bridge|ring|majority|minority/.test(x)) return "cut off";
  if (/kill|crash|power/.test(x)) return "down";
  if (/pause|freeze/.test(x)) return "paused";
  return "degraded";
}

/** What a nemesis function does to node states, from its name. Null: nothing we can tell. */
export function effectOf(f: string): Effect | null {
  const s = f.toLowerCase();
  if (/^(heal-all|stop-all|recover|reset-all|stop-nemesis|heal-everything)$/.test(s)) return { end: ALL_STATES };
  if (/^heal/.test(s)) return { end: ["cut off", "degraded"] };
  if (s === "start-all") return { end: ["down"] };
  const m = /^(start|stop|begin|end)-(.+)$/.exec(s);
  if (m) {
    const starting = m[1] === "start" || m[1] === "begin";
    if (THING.test(m[2])) return starting ? { end: ["down"] } : { begin: "down" };
    const state = stateOfFault(m[2]);
    return starting ? { begin: state } : { end: [state] };
  }
  if (/^(kill|crash|sigkill|terminate)/.test(s)) return { begin: "down" };
  if (/^(start|restart|revive|boot)/.test(s)) return { end: ["down"] };
  if (/^(pause|freeze|hammer|sigstop)/.test(s)) return { begin: "paused" };
  if (/^(resume|unpause|unfreeze|sigcont)/.test(s)) return { end: ["paused"] };
  if (/^(partition|isolate|split)/.test(s)) return { begin: "cut off" };
  return null;
}

const NODE_NAME = /^(broker|kafka|zk|zookeeper|controller|node|n|kraft)[-_]?\d+$/i;
const TARGET_FIELDS = ["isolated", "minority", "nodes", "node", "targets", "target", "victims", "killed", "paused"];

/** Node names mentioned in a nemesis value (a list, a map node → state, a grudge, {nodes: [...]}). */
export function nodesIn(value: unknown, known: Set<string>): string[] {
  const out = new Set<string>();
  const isNode = (s: string) => known.has(s) || NODE_NAME.test(s);
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === "string") {
      if (isNode(v)) out.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (isRecord(v)) {
      const targets = TARGET_FIELDS.filter((k) => k in v);
      if (targets.length) {
        for (const k of targets) walk(v[k], depth + 1);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        if (isNode(k)) out.add(k);
        walk(x, depth + 1);
      }
    }
  };
  walk(value, 0);
  return [...out];
}

/**
 * Pairs nemesis ops into actions: the next op with the same f completes one. Pairs of different
 * f may interleave (families of a composite schedule act side by side), one per f at a time.
 */
export function pairNemesisOps(ops: Op[], known: Set<string>): NemesisAction[] {
  const actions: NemesisAction[] = [];
  const pending = new Map<string, NemesisAction>();
  for (const op of ops) {
    const t = op.time / 1e9;
    const first = pending.get(op.f);
    if (first && op.type !== "invoke") {
      first.second = op;
      first.end = t;
      const done = nodesIn(op.value, known);
      if (done.length) first.nodes = done;
      if (op.error) first.error = String(op.error);
      pending.delete(op.f);
      continue;
    }
    const action: NemesisAction = { f: op.f, start: t, first: op, nodes: nodesIn(op.value, known), error: op.error ? String(op.error) : undefined };
    pending.set(op.f, action);
    actions.push(action);
  }
  return actions;
}

export function deriveTimeline(nemesisOps: Op[], opts: { knownNodes?: string[]; endSeconds: number }): Timeline {
  const known = new Set(opts.knownNodes ?? []);
  const actions = pairNemesisOps(nemesisOps, known);
  const endSeconds = maxOf(actions.map((a) => a.end ?? a.start), opts.endSeconds);
  const open = new Map<string, NodeInterval>(); // `${node}\u0000${state}`
  const intervals: NodeInterval[] = [];
  const openWindows = new Map<NodeState, FaultBand>();
  const windows: FaultBand[] = [];
  for (const a of actions) {
    const eff = effectOf(a.f);
    if (!eff) continue;
    const at = a.end ?? a.start;
    if (eff.begin) {
      const state = eff.begin;
      for (const node of a.nodes.length ? a.nodes : ["cluster"]) {
        const id = `${node}\u0000${state}`;
        if (open.has(id)) continue;
        const iv: NodeInterval = { node, state, start: a.start, end: endSeconds, open: true, f: a.f };
        open.set(id, iv);
        intervals.push(iv);
      }
      if (!openWindows.has(state)) {
        const w = { start: a.start, end: endSeconds, f: a.f };
        openWindows.set(state, w);
        windows.push(w);
      }
    }
    for (const state of eff.end ?? []) {
      for (const [id, iv] of open) {
        if (iv.state !== state || (a.nodes.length && !a.nodes.includes(iv.node) && iv.node !== "cluster")) continue;
        iv.end = at;
        iv.open = false;
        open.delete(id);
      }
      const w = openWindows.get(state);
      if (w && ![...open.values()].some((iv) => iv.state === state)) {
        w.end = at;
        openWindows.delete(state);
      }
    }
  }
  const seen = new Set(intervals.map((iv) => iv.node));
  for (const a of actions) for (const n of a.nodes) seen.add(n);
  const nodes = [...(opts.knownNodes ?? [])];
  for (const n of [...seen].sort((x, y) => x.localeCompare(y, "en", { numeric: true }))) if (!nodes.includes(n)) nodes.push(n);
  return { actions, intervals, nodes, windows };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The timeline drawing: a row of nemesis actions, then one row per node with its states. */
export function renderTimeline(tl: Timeline, xMax: number, faults: FaultBand[]): SafeHtml {
  if (!tl.actions.length) return html`<p class="empty">No nemesis ops in the history: no faults were injected.</p>`;
  const rowH = 22;
  const rows = ["nemesis", ...tl.nodes];
  const top = 6;
  const height = top + rows.length * rowH + 40;
  const { width, left, right } = PLOT;
  const x = (v: number) => left + (Math.max(0, Math.min(v, xMax)) / xMax) * (width - left - right);
  const rowY = (i: number) => top + i * rowH;
  const states = [...new Set(tl.intervals.map((iv) => iv.state))];
  return html`<figure class="plot timeline" data-plot="timeline"><figcaption><b>Faults over time</b> <span class="muted">what the nemesis did, and which nodes were down, paused, cut off or degraded</span><span class="readout"></span></figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Nemesis timeline" data-xmax="${xMax}" data-left="${left}" data-right="${width - right}">
${faultRects(faults, x, top, rows.length * rowH)}
<g class="rows">${rows.map(
    (name, i) => html`<line class="row-line" x1="${left}" x2="${width - right}" y1="${rowY(i) + rowH}" y2="${rowY(i) + rowH}" /><text x="${left - 6}" y="${rowY(i) + 15}" text-anchor="end" class="row-label">${name.length > 13 ? `${name.slice(0, 12)}…` : name}<title>${name}</title></text>`,
  )}</g>
<g class="actions">${tl.actions.map((a) => {
    const x0 = x(a.start);
    const w = Math.max(3, x(a.end ?? a.start) - x0);
    return html`<rect x="${r1(x0)}" y="${rowY(0) + 4}" width="${r1(w)}" height="${rowH - 8}" rx="2" fill="${faultColor(a.f)}" stroke="#333" stroke-width="0.5"><title>${seconds(a.start)} ${a.f} ${a.nodes.join(", ")}${a.error ? ` — ${a.error}` : ""}</title></rect>`;
  })}</g>
<g class="states">${tl.intervals.map((iv) => {
    const i = rows.indexOf(iv.node);
    const x0 = x(iv.start);
    return html`<rect class="state state-${iv.state.replace(" ", "-")}" x="${r1(x0)}" y="${rowY(i) + 3}" width="${r1(Math.max(2, x(iv.end) - x0))}" height="${rowH - 6}" rx="3" fill="${STATE_COLORS[iv.state]}"><title>${iv.node} ${iv.state} ${seconds(iv.start)}–${iv.open ? "end" : seconds(iv.end)} (${iv.f})</title></rect>`;
  })}</g>
${timeAxis(xMax, x, top + rows.length * rowH)}
</svg>${legend(
    states.map((s) => ({ label: `node ${s}`, color: STATE_COLORS[s], kind: "band" })),
    [],
  )}</figure>`;
}

/** The table of nemesis actions. */
export function renderActionsTable(tl: Timeline): SafeHtml {
  if (!tl.actions.length) return html``;
  const rows = tl.actions.map(
    (a) => html`<tr><td class="num">${seconds(a.start)}</td><td class="num">${a.end === undefined ? "–" : seconds(a.end)}</td><td class="nowrap"><i class="swatch band" style="background:${faultColor(a.f)}"></i>${a.f}</td><td class="nowrap">${a.nodes.join(", ") || "–"}</td><td><code>${compactJson(a.first.value, 120)}</code></td><td><code>${a.second ? compactJson(a.second.value, 160) : "(no completion)"}</code></td><td>${a.error ?? ""}</td><td class="num"><a href="#op-${a.first.index}" class="op-link" data-op="${a.first.index}">${a.first.index}</a></td></tr>`,
  );
  return html`<details class="actions-table"${tl.actions.length <= 30 ? html` open` : ""}><summary>${tl.actions.length} nemesis actions</summary>
<table><thead><tr><th>start</th><th>done</th><th>f</th><th>nodes</th><th>intent</th><th>result</th><th>error</th><th>op</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}
