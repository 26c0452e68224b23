// Per-key offset diagram for one anomaly: offsets across, one row for the acknowledged sends and
// one per poll that read the key near the anomaly, with the anomalous values marked. Long logs
// are cut to windows around the anomalous offsets, with "⋯" where offsets were left out.

import type { Anomaly } from "../checkers/results.ts";
import { minOf, seconds } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { KeyPoll, KeyTrace } from "./history-digest.ts";

const RADIUS = 4;
const MAX_COLUMNS = 48;
const MAX_POLL_ROWS = 12;

type Column = { offset: number } | { gap: true };

/** Evidence fields some checkers add that name the values the anomaly is about (e.g. poll-skip's `skipped`). */
const SUBJECT_FIELDS = ["skipped", "lost", "missing", "unseen"];

export interface Focus {
  /** Values the anomaly is about: drawn red. */
  subject: Set<number>;
  /** Other values of the evidence (e.g. the value a lost write's witness poll read): drawn amber. */
  witness: Set<number>;
  /** Offsets to mark when the anomaly names no values. */
  offsets: Set<number>;
}

const numbers = (x: unknown): number[] => (Array.isArray(x) ? x.filter((n): n is number => typeof n === "number") : []);

/** Which values of an anomaly are its subject and which are witnesses, from its evidence and the key's trace. */
export function focusOf(a: Anomaly, trace?: KeyTrace): Focus {
  const values = a.values ?? [];
  const extra = SUBJECT_FIELDS.flatMap((f) => numbers(a[f]));
  let subject: number[];
  if (extra.length) subject = extra;
  else if ((a.type === "lost-write" || a.type === "unseen") && trace) {
    const read = new Set<number>();
    for (const p of trace.polls) for (let i = 1; i < p.pairs.length; i += 2) read.add(p.pairs[i]);
    subject = values.filter((v) => !read.has(v));
    if (!subject.length) subject = values;
  } else subject = values;
  if (!subject.length && !a.offsets?.length && trace) {
    // Cycles and the like name only ops: their sends to this key are the subject.
    const ops = new Set(a.ops);
    subject = trace.sends.filter((s) => ops.has(s.op)).map((s) => s.value);
  }
  const subjectSet = new Set(subject);
  return { subject: subjectSet, witness: new Set(values.filter((v) => !subjectSet.has(v))), offsets: new Set(subject.length ? [] : (a.offsets ?? [])) };
}

/** Offsets the anomaly is about: its own offsets, and where its values sit in sends and polls. */
export function anomalousOffsets(a: Anomaly, trace: KeyTrace): number[] {
  const out = new Set(a.offsets ?? []);
  const f = focusOf(a, trace);
  const values = new Set([...f.subject, ...f.witness]);
  if (values.size) {
    for (const s of trace.sends) if (values.has(s.value)) out.add(s.offset);
    for (const p of trace.polls) for (let i = 0; i < p.pairs.length; i += 2) if (values.has(p.pairs[i + 1])) out.add(p.pairs[i]);
  }
  if (!out.size) {
    const ops = new Set(a.ops);
    for (const s of trace.sends) if (ops.has(s.op)) out.add(s.offset);
    for (const p of trace.polls) if (ops.has(p.op)) for (let i = 0; i < p.pairs.length; i += 2) out.add(p.pairs[i]);
  }
  return [...out].sort((x, y) => x - y);
}

function columnsAround(marks: number[], lo: number, hi: number): Column[] {
  for (const radius of [RADIUS, 2, 1, 0]) {
    const set = new Set<number>();
    for (const o of marks) for (let x = Math.max(lo, o - radius); x <= Math.min(hi, o + radius); x++) set.add(x);
    const offsets = [...set].sort((a, b) => a - b);
    const cols: Column[] = [];
    offsets.forEach((o, i) => {
      if (i > 0 && o - offsets[i - 1] > 1) cols.push({ gap: true });
      cols.push({ offset: o });
    });
    if (cols.length <= MAX_COLUMNS || radius === 0) return cols.slice(0, MAX_COLUMNS);
  }
  return [];
}

const pollValues = (p: KeyPoll, offset: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < p.pairs.length; i += 2) if (p.pairs[i] === offset) out.push(p.pairs[i + 1]);
  return out;
};

/** The SVG diagram, or null when the anomaly names no key or nothing of it is in the history. */
export function renderOffsetDiagram(a: Anomaly, trace: KeyTrace | undefined): SafeHtml | null {
  if (!a.key || !trace) return null;
  const marks = anomalousOffsets(a, trace);
  if (!marks.length) return null;
  const seenOffsets = [...trace.sends.map((s) => s.offset), ...trace.polls.flatMap((p) => p.pairs.filter((_, i) => i % 2 === 0)), ...marks];
  let lo = Infinity;
  let hi = -Infinity;
  for (const o of seenOffsets) {
    if (o < lo) lo = o;
    if (o > hi) hi = o;
  }
  const cols = columnsAround(marks, lo, hi);
  const inCols = new Set(cols.flatMap((c) => ("offset" in c ? [c.offset] : [])));
  const focus = focusOf(a, trace);
  const involved = new Set(a.ops);

  const sent = new Map<number, number[]>();
  for (const s of trace.sends) if (inCols.has(s.offset)) sent.set(s.offset, [...(sent.get(s.offset) ?? []), s.value]);
  const sendOps = new Set(trace.sends.filter((s) => inCols.has(s.offset) && involved.has(s.op)).map((s) => s.op));

  const touching = trace.polls.filter((p) => p.pairs.some((o, i) => i % 2 === 0 && inCols.has(o)));
  // Rows: the polls the anomaly names, then polls that read an anomalous offset, then the
  // polls closest in time to the anomaly's ops.
  const markSet = new Set(marks);
  const readsMark = (p: KeyPoll) => p.pairs.some((o, i) => i % 2 === 0 && markSet.has(o));
  const involvedTimes = [...trace.sends, ...trace.polls].filter((x) => involved.has(x.op)).map((x) => x.time);
  const distance = (p: KeyPoll) => (involvedTimes.length ? minOf(involvedTimes.map((t) => Math.abs(t - p.time))) : p.time);
  const chosen = new Set<KeyPoll>();
  const take = (list: KeyPoll[]) => {
    for (const p of list) if (chosen.size < MAX_POLL_ROWS) chosen.add(p);
  };
  take(touching.filter((p) => involved.has(p.op)));
  take(touching.filter(readsMark));
  take([...touching].sort((x, y) => distance(x) - distance(y)));
  const polls = [...chosen].sort((x, y) => x.time - y.time || x.op - y.op);
  const hidden = touching.length - polls.length;

  const labelW = 210;
  const cellW = 40;
  const rowH = 22;
  const headH = 20;
  const width = labelW + cols.length * cellW + 4;
  const height = headH + (polls.length + 1) * rowH + 4;
  const colX = (i: number) => labelW + i * cellW;

  const cell = (i: number, y: number, values: number[], offset: number, kind: "send" | "poll"): SafeHtml => {
    if (!values.length) return html``;
    const bad = values.some((v) => focus.subject.has(v)) || focus.offsets.has(offset);
    const witness = !bad && values.some((v) => focus.witness.has(v));
    const acked = sent.get(offset);
    const mismatch = kind === "poll" && acked !== undefined && values.some((v) => !acked.includes(v));
    const cls = ["cell", kind, bad && "bad", witness && "witness", mismatch && "mismatch", values.length > 1 && "multi"].filter(Boolean).join(" ");
    const text = values.join("/");
    return html`<g class="${cls}"><rect x="${colX(i) + 1}" y="${y + 2}" width="${cellW - 2}" height="${rowH - 4}" rx="2" /><text x="${colX(i) + cellW / 2}" y="${y + 15}" text-anchor="middle">${text.length > 7 ? `${text.slice(0, 6)}…` : text}</text><title>offset ${offset}: ${text}${bad ? " (anomalous)" : witness ? " (evidence)" : ""}${mismatch ? ` (acknowledged send has ${acked?.join("/")})` : ""}</title></g>`;
  };

  const row = (y: number, label: SafeHtml, highlight: boolean, valuesAt: (o: number) => number[], kind: "send" | "poll") =>
    html`<g class="row${highlight ? " involved" : ""}"><rect class="row-bg" x="0" y="${y}" width="${width}" height="${rowH}" /><text x="${labelW - 8}" y="${y + 15}" text-anchor="end" class="row-label">${label}</text>${cols.map(
      (c, i) => ("offset" in c ? cell(i, y, valuesAt(c.offset), c.offset, kind) : html``),
    )}</g>`;

  return html`<div class="offset-diagram" data-key="${a.key}"><svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="offsets of ${a.key}">
<text x="${labelW - 8}" y="14" text-anchor="end" class="head">offset of ${a.key} →</text>
${cols.map((c, i) =>
  "offset" in c
    ? html`<text x="${colX(i) + cellW / 2}" y="14" text-anchor="middle" class="head${marks.includes(c.offset) ? " mark" : ""}">${c.offset}</text>`
    : html`<text x="${colX(i) + cellW / 2}" y="${headH + rowH * 0.7}" text-anchor="middle" class="gap">⋯</text>`,
)}
${row(headH, html`acknowledged sends`, sendOps.size > 0, (o) => sent.get(o) ?? [], "send")}
${polls.map((p, j) =>
  row(headH + (j + 1) * rowH, html`poll op ${p.op} · p${p.process} · ${seconds(p.time / 1e9)}`, involved.has(p.op), (o) => pollValues(p, o), "poll"),
)}
</svg>${hidden > 0 ? html`<p class="muted small">${hidden} more polls read these offsets and are not drawn.</p>` : ""}</div>`;
}
