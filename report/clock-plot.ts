// Clock offsets per node over time, from the clock nemesis's ops: each op's settings (the model
// line, drawn as the layer computes it: a strobe as the two clocks it flips between, a drift as a
// slope) and the offsets read from inside each node right after (points).
import { clockOffsetAt } from "../core/clock.ts";
import type { ClockSetting } from "../core/cluster.ts";
import type { Op } from "../core/history/op.ts";
import { isRecord } from "./model.ts";
import type { Series } from "./plot.ts";

const NODE_COLORS = ["#3b73c4", "#d0453a", "#2e9e5b", "#8e5bd0", "#e69a1f", "#1fa7b8", "#b8457f", "#6b6b6b", "#9c7a1f"];
const SAMPLES = 600;

interface Change {
  t: number;
  setting: ClockSetting;
}

const isSetting = (v: unknown): v is ClockSetting => isRecord(v) && typeof v.offsetMs === "number";

/** The clock plot's series (offsets in seconds); none when the run moved no clock. */
export function clockSeries(nemesis: readonly Op[], xMax: number): Series[] {
  const changes = new Map<string, Change[]>();
  const reads: [number, number][] = [];
  for (const op of nemesis) {
    if (!/^(start|stop)-clock$/.test(op.f) || !isRecord(op.value) || op.error) continue;
    const t = op.time / 1e9;
    if (isRecord(op.value.clocks)) {
      for (const [node, s] of Object.entries(op.value.clocks)) if (isSetting(s)) (changes.get(node) ?? changes.set(node, []).get(node)!).push({ t, setting: s });
    }
    if (isRecord(op.value.read)) {
      for (const r of Object.values(op.value.read)) if (isRecord(r) && typeof r.offsetMs === "number") reads.push([t, r.offsetMs / 1000]);
    }
  }
  if (!changes.size) return [];
  const series: Series[] = [];
  [...changes.keys()].sort().forEach((node, i) => {
    const list = changes.get(node)!.sort((a, b) => a.t - b.t);
    const lo: [number, number][] = [];
    const hi: [number, number][] = [];
    let strobed = false;
    for (let k = 0; k <= SAMPLES; k++) {
      const t = (xMax * k) / SAMPLES;
      const at = list.filter((c) => c.t <= t).pop();
      const [a, b] = at ? clockOffsetAt(at.setting, (t - at.t) * 1000) : [0, 0];
      if (a !== b) strobed = true;
      lo.push([t, a / 1000]);
      hi.push([t, b / 1000]);
    }
    // Each change also as its own point, so a step is drawn where it happened, not at the next sample.
    const color = NODE_COLORS[i % NODE_COLORS.length];
    series.push({ label: node, color, kind: "line", points: merge(hi, list, "hi") });
    if (strobed) series.push({ label: node, color, kind: "line", points: merge(lo, list, "lo") });
  });
  if (reads.length) series.push({ label: "read inside the node", color: "#111111", kind: "points", points: reads });
  return series;
}

/** Samples plus the value just before and at each change. */
function merge(samples: [number, number][], list: Change[], side: "lo" | "hi"): [number, number][] {
  const pick = (s: ClockSetting, since: number) => clockOffsetAt(s, since)[side === "lo" ? 0 : 1] / 1000;
  const extra: [number, number][] = [];
  list.forEach((c, i) => {
    const prev = list[i - 1];
    extra.push([c.t, prev ? pick(prev.setting, (c.t - prev.t) * 1000) : 0], [c.t, pick(c.setting, 0)]);
  });
  return [...samples, ...extra].sort((a, b) => a[0] - b[0]);
}
