// Small SVG plots drawn by hand (no library, no network): time on x, fault windows shaded,
// points, lines or steps. Output is static markup; the report's script only adds a readout.

import { maxOf, minOf } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";

export interface Series {
  label: string;
  color: string;
  kind: "points" | "line" | "step";
  /** [x, y] in data units. */
  points: [number, number][];
}

export interface FaultBand {
  start: number;
  end: number;
  f: string;
}

export interface PlotOptions {
  /** Unique id within the page (used for clip paths and tests). */
  id: string;
  title: string;
  yLabel: string;
  /** Right end of the time axis, in seconds. */
  xMax: number;
  yScale?: "linear" | "log";
  series: Series[];
  faults: FaultBand[];
  /** Said instead of a plot when there is no data. */
  empty?: string;
  /** One sentence under the title on what the plot shows. */
  note?: string;
}

/** Points drawn per series at most. */
const MAX_SERIES_POINTS = 8000;

export const PLOT = { width: 1080, height: 240, left: 84, right: 14, top: 10, bottom: 34 };

/** A fault function's family, which picks its colour: partition, kill, pause or link. */
export function faultFamily(f: string): "partition" | "kill" | "pause" | "link" | "clock" | "other" {
  const s = f.toLowerCase();
  // lone-leader starts as a cut (then kills the leader it cut off): drawn as a partition.
  if (/partition|isolat|split|bridge|heal|lone-leader/.test(s)) return "partition";
  // A power cut takes the node down as a kill does (and loses its unsynced writes).
  if (/kill|crash|restart|revive|^start$|stop-node|start-node|broker|power/.test(s)) return "kill";
  if (/pause|resume|freeze|hammer/.test(s)) return "pause";
  if (/clock|time-skew|bump|strobe/.test(s)) return "clock";
  if (/toxi|latency|slow|link|bandwidth|loss|delay|reset|timeout/.test(s)) return "link";
  return "other";
}

export const FAULT_COLORS: Record<ReturnType<typeof faultFamily>, string> = {
  partition: "#e8877f",
  kill: "#9b87e8",
  pause: "#e8c35f",
  link: "#6fb3e0",
  clock: "#7fc99a",
  other: "#a0a0a0",
};

export const faultColor = (f: string): string => FAULT_COLORS[faultFamily(f)];

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(step)));
  for (let i = Math.ceil(min / step); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

const tickLabel = (v: number): string => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${v / 1e6}M`;
  if (a >= 1e4) return `${v / 1e3}k`;
  return String(Number(v.toPrecision(6)));
};

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  yMin: number;
  yMax: number;
  log: boolean;
}

function frame(xMax: number, yMin: number, yMax: number, log: boolean): Frame {
  const { width, height, left, right, top, bottom } = PLOT;
  const w = width - left - right;
  const h = height - top - bottom;
  const x = (v: number) => left + (Math.max(0, Math.min(v, xMax)) / xMax) * w;
  const y = log
    ? (v: number) => top + h - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * h
    : (v: number) => top + h - ((Math.max(yMin, Math.min(v, yMax)) - yMin) / (yMax - yMin)) * h;
  return { x, y, yMin, yMax, log };
}

/** Shaded rectangles for fault windows over a plot area of the given vertical extent. */
export function faultRects(faults: FaultBand[], x: (v: number) => number, top: number, height: number): SafeHtml {
  return html`${faults.map((b) => {
    const x0 = x(b.start);
    const w = Math.max(1.5, x(b.end) - x0);
    return html`<rect class="fault" x="${r1(x0)}" y="${top}" width="${r1(w)}" height="${height}" fill="${faultColor(b.f)}" fill-opacity="0.28"><title>${b.f}: ${b.start.toFixed(1)}–${b.end.toFixed(1)} s</title></rect>`;
  })}`;
}

/** The time axis along the bottom of a plot area. */
export function timeAxis(xMax: number, x: (v: number) => number, y: number): SafeHtml {
  return html`<g class="axis">
<line x1="${PLOT.left}" x2="${PLOT.width - PLOT.right}" y1="${y}" y2="${y}" />
${niceTicks(0, xMax, 10).map((t) => html`<line x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${y}" y2="${y + 4}" /><text x="${r1(x(t))}" y="${y + 16}" text-anchor="middle">${tickLabel(t)}</text>`)}
<text x="${PLOT.width - PLOT.right}" y="${y + 30}" text-anchor="end" class="axis-label">time since test start (s)</text>
</g>`;
}

function seriesMarkup(s: Series, f: Frame): SafeHtml {
  let pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length > MAX_SERIES_POINTS) {
    // Keeps the page small on long runs: every k-th point, and always the extremes.
    const k = Math.ceil(pts.length / MAX_SERIES_POINTS);
    const top = pts.reduce((m, p) => (p[1] > m[1] ? p : m));
    pts = pts.filter((p, i) => i % k === 0 || p === top);
  }
  if (!pts.length) return html``;
  const xy = (p: [number, number]) => `${r1(f.x(p[0]))} ${r1(f.y(p[1]))}`;
  if (s.kind === "points") {
    const d = pts.map((p) => `M${xy(p)}h0`).join("");
    return html`<path class="series points" d="${d}" stroke="${s.color}" stroke-width="3.2" stroke-linecap="round" fill="none"><title>${s.label}</title></path>`;
  }
  let d = `M${xy(pts[0])}`;
  for (let i = 1; i < pts.length; i++) {
    d += s.kind === "step" ? `H${r1(f.x(pts[i][0]))}V${r1(f.y(pts[i][1]))}` : `L${xy(pts[i])}`;
  }
  return html`<path class="series line" d="${d}" stroke="${s.color}" stroke-width="1.6" fill="none" stroke-linejoin="round"><title>${s.label}</title></path>`;
}

/** Legend entries for series and for the fault families present. */
export function legend(series: { label: string; color: string; kind?: string }[], faults: FaultBand[]): SafeHtml {
  const families = [...new Set(faults.map((b) => b.f))];
  // Two series of one label and colour (a strobe's two clocks) share an entry.
  const seen = new Set<string>();
  const entries = series.filter((s) => !seen.has(`${s.label}\u0000${s.color}`) && !!seen.add(`${s.label}\u0000${s.color}`));
  return html`<div class="legend">${entries.map(
    (s) => html`<span><i class="swatch ${s.kind === "points" ? "dot" : s.kind === "band" ? "band" : "bar"}" style="background:${s.color}"></i>${s.label}</span>`,
  )}${families.map((f) => html`<span><i class="swatch band" style="background:${faultColor(f)}"></i>${f}</span>`)}</div>`;
}

export function renderPlot(o: PlotOptions): SafeHtml {
  const all = o.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const head = html`<figcaption><b>${o.title}</b>${o.note ? html` <span class="muted">${o.note}</span>` : ""}<span class="readout" aria-live="polite"></span></figcaption>`;
  if (!all.length || !(o.xMax > 0)) {
    return html`<figure class="plot" data-plot="${o.id}">${head}<p class="empty">${o.empty ?? "No data."}</p></figure>`;
  }
  const log = o.yScale === "log";
  let yMin: number;
  let yMax: number;
  if (log) {
    const pos = all.filter((v) => v > 0);
    yMin = 10 ** Math.floor(Math.log10(minOf(pos, 1)));
    yMax = 10 ** Math.ceil(Math.log10(maxOf(pos, yMin * 10)));
    if (yMax <= yMin) yMax = yMin * 10;
  } else {
    // From zero, or from below it when a series goes negative (clock offsets).
    const bottom = Math.min(0, minOf(all, 0));
    const top = maxOf(all, 0) || (bottom < 0 ? 0 : 1);
    const ticks = niceTicks(bottom, top, 5);
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : top - bottom || 1;
    yMin = Math.floor(bottom / step) * step;
    yMax = Math.ceil(top / step) * step;
    if (yMax <= yMin) yMax = yMin + step;
    // Headroom so a dot at the very top is not cut in half.
    if (o.series.some((x) => x.kind === "points") && (yMax - top) / yMax < 0.03) yMax += step;
  }
  const f = frame(o.xMax, yMin, yMax, log);
  const { width, height, left, right, top, bottom } = PLOT;
  const plotH = height - top - bottom;
  const yTicks = log
    ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, i) => yMin * 10 ** i)
    : niceTicks(yMin, yMax, 5);
  const clip = `clip-${o.id}`;
  return html`<figure class="plot" data-plot="${o.id}">${head}
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${o.title}" data-xmax="${o.xMax}" data-ymin="${yMin}" data-ymax="${yMax}" data-log="${log ? 1 : 0}" data-left="${left}" data-right="${width - right}" data-top="${top}" data-bottom="${height - bottom}">
<defs><clipPath id="${clip}"><rect x="${left}" y="${top}" width="${width - left - right}" height="${plotH}" /></clipPath></defs>
<g class="grid">${yTicks.map((t) => html`<line x1="${left}" x2="${width - right}" y1="${r1(f.y(t))}" y2="${r1(f.y(t))}" />`)}</g>
${faultRects(o.faults, f.x, top, plotH)}
<g class="axis">${yTicks.map((t) => html`<text x="${left - 6}" y="${r1(f.y(t)) + 4}" text-anchor="end">${tickLabel(t)}</text>`)}
<text class="axis-label" transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${o.yLabel}</text></g>
${timeAxis(o.xMax, f.x, height - bottom)}
<g clip-path="url(#${clip})">${o.series.map((s) => seriesMarkup(s, f))}</g>
</svg>${legend(o.series, o.faults)}</figure>`;
}

