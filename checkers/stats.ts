// Statistics of a history, gathered in one streaming pass in bounded memory: completion counts
// per f, throughput, latency quantiles (log-bucket histograms, ~1% precision), a sample of
// latency points, completion rate per second, realtime lag, unseen messages over time, fault
// windows from nemesis ops and availability inside vs outside them.
//
// Fault windows. Nemesis ops come in pairs (the first says what is about to be done, the second
// what was done; `invoke`+`info` pairs are accepted too); the first op of a pair acts, the second
// (the next op with the same f: pairs of different f may interleave) only adds its value (e.g.
// the nodes affected) to the window. By f:
//   - opens a window:  f starting with "start-" (but not "start-all", the final heal's restart
//                      of nodes that exited), or with "kill", "pause", "isolate", "partition"
//   - closes one:      f === "start", or starting with "stop", "heal", "restart", "resume", "recover"
//   It closes the most recent open window of the same family — same suffix (stop-partition ↔
//   start-partition), else the classic pairs (resume ↔ pause, start/restart ↔ kill,
//   heal ↔ partition/isolate) — else the most recent open window. Windows still open when the
//   history ends close at its last op.
// An op counts as "in a fault" when a window was open at its invocation.
//
// Load. What the faults were exercised with: per window, the sends acknowledged and the polls
// that returned data while it was open (by completion time), the ok ops, the send ops whose
// span [invocation, completion] overlapped it (any outcome), and the sends acknowledged in the
// LEAD_SECONDS before it opened (those a crash or an isolation puts at risk: acknowledged, maybe
// not yet replicated or flushed; counted per whole second); and over the main phase (from the
// history's start to `mainEnd`, the run's time limit when test.json gives it), ok ops per second
// inside the windows (their union) and outside them. The verdict's vacuity gates read these.

import { F_OTHER, T_FAIL, T_INFO, T_OK, type ParsedOp } from "../core/history/reader.ts";
import type { LatencyPoint, Stats } from "./results.ts";
import { growF64 } from "./columns.ts";

const BUCKETS_PER_OCTAVE = 64;
/** How far before a fault window its "sends acknowledged before" look (Load). */
export const LEAD_SECONDS = 5;
const MAX_POINTS = 2000;

class Histogram {
  counts = new Float64Array(48 * BUCKETS_PER_OCTAVE);
  n = 0;
  max = 0;
  add(ns: number): void {
    const b = ns <= 1 ? 0 : Math.min(this.counts.length - 1, Math.floor(Math.log2(ns) * BUCKETS_PER_OCTAVE));
    this.counts[b]++;
    this.n++;
    if (ns > this.max) this.max = ns;
  }
  /** Quantile q in nanoseconds: the geometric middle of its bucket, capped by the maximum. */
  quantile(q: number): number {
    const target = Math.max(1, Math.ceil(q * this.n));
    let acc = 0;
    for (let b = 0; b < this.counts.length; b++) {
      acc += this.counts[b];
      if (acc >= target) return Math.min(this.max, 2 ** ((b + 0.5) / BUCKETS_PER_OCTAVE));
    }
    return this.max;
  }
}

interface Window {
  start: number;
  end: number;
  f: string;
  family: string;
  value?: unknown;
  ackedSends: number;
  pollsWithData: number;
  okOps: number;
  sendsOverlapping: number;
}

interface Side {
  okOps: number;
  ackedSends: number;
  pollsWithData: number;
}

const OPENERS = ["kill", "pause", "isolate", "partition"];
const CLOSERS = ["stop", "heal", "restart", "resume", "recover"];
const PAIRS: Record<string, string[]> = { resume: ["pause"], start: ["kill"], restart: ["kill"], heal: ["partition", "isolate"], recover: ["kill", "pause", "partition", "isolate"] };

/** "open", "close" or "other", and the family (the part after the verb, or the verb). */
export function classifyNemesisF(f: string): { action: "open" | "close" | "other"; verb: string; family: string } {
  const dash = f.indexOf("-");
  const verb = dash < 0 ? f : f.slice(0, dash);
  const family = dash < 0 ? f : f.slice(dash + 1);
  if (f === "start") return { action: "close", verb, family };
  // The harness's final heal starts nodes that exited on their own: no fault of its own.
  if (f === "start-all") return { action: "other", verb, family };
  if (f.startsWith("start-") || OPENERS.some((o) => f.startsWith(o))) return { action: "open", verb, family };
  if (CLOSERS.some((c) => f.startsWith(c))) return { action: "close", verb, family };
  return { action: "other", verb, family };
}

export class StatsCollector {
  private readonly counts: Record<string, { ok: number; fail: number; info: number }> = {};
  private readonly hists = new Map<string, Histogram>();
  private completions = 0;
  private okCompletions = 0;
  /** First and last op times (ns), and the time of the op being ingested: set directly by the
   * caller (passing large doubles as arguments would box them on every op). */
  minTime = Infinity;
  maxTime = 0;
  now = 0;
  // Rate per second.
  private rateOk = new Float64Array(64);
  private rateFail = new Float64Array(64);
  private rateInfo = new Float64Array(64);
  private rateN = 0;
  // Latency points: every stride-th completion, thinned when full.
  private points: LatencyPoint[] = [];
  private stride = 1;
  private seen = 0;
  // Fault windows.
  private readonly open: Window[] = [];
  private readonly windows: Window[] = [];
  /** First ops of pairs, by f: families' pairs may interleave (composite schedules), one per f at a time. */
  private readonly pendingNemesis = new Map<string, Window | null>();
  private avail = { inOk: 0, inAll: 0, outOk: 0, outAll: 0 };
  /** End of the main phase (ns from the history's start); Infinity: the whole history. */
  mainEnd = Infinity;
  private readonly inside: Side = { okOps: 0, ackedSends: 0, pollsWithData: 0 };
  private readonly outside: Side = { okOps: 0, ackedSends: 0, pollsWithData: 0 };
  /** Acknowledged send micro-ops per second of completion. */
  private ackedSec = new Float64Array(64);
  // Unseen over time: the last count in each second.
  private unseenSec: number[] = [];
  // Realtime lag: per second, the largest lag and where.
  private lagSec: { lag: number; process: number; key: number }[] = [];
  private worst = { t: 0, process: -1, key: -1, lag: 0 };
  private readonly lagByProcess = new Map<number, number>();
  /** Distinct errors of info/fail completions, with counts (bounded). */
  private readonly errors = new Map<string, number>();

  inFault(): boolean {
    return this.open.length > 0;
  }

  /** When the last fault window closed (ns): -1 without windows, Infinity while one is still open. */
  lastHeal(): number {
    if (this.open.length > 0) return Infinity;
    let t = -1;
    for (const w of this.windows) if (w.end > t) t = w.end;
    return t;
  }

  onNemesis(p: ParsedOp): void {
    if (this.pendingNemesis.has(p.fLabel)) {
      // The second op of a pair: what was done.
      const w = this.pendingNemesis.get(p.fLabel)!;
      if (w !== null && p.otherValue !== undefined) w.value = p.otherValue;
      this.pendingNemesis.delete(p.fLabel);
      return;
    }
    const f = p.fLabel;
    const c = classifyNemesisF(f);
    let w: Window | null = null;
    if (c.action === "open") {
      w = { start: p.time, end: NaN, f, family: c.family, value: p.otherValue, ackedSends: 0, pollsWithData: 0, okOps: 0, sendsOverlapping: 0 };
      this.open.push(w);
    } else if (c.action === "close" && this.open.length > 0) {
      let at = -1;
      for (let i = this.open.length - 1; i >= 0 && at < 0; i--) if (this.open[i].family === c.family && c.family !== c.verb) at = i;
      const partners = PAIRS[c.verb] ?? [];
      for (let i = this.open.length - 1; i >= 0 && at < 0; i--) if (partners.some((x) => this.open[i].f.startsWith(x) || this.open[i].family === x)) at = i;
      if (at < 0) at = this.open.length - 1;
      const closed = this.open.splice(at, 1)[0];
      closed.end = p.time;
      this.windows.push(closed);
    }
    // Jepsen-style nemesis ops are an invoke then an info; design.md's are two infos.
    this.pendingNemesis.set(f, w);
  }

  /** A completion at time `now`, `lat` ns after its invocation. */
  /** Per client f code (F_SEND … F_CRASH): counts and histogram, without string lookups. */
  private readonly byCode: ({ c: { ok: number; fail: number; info: number }; h: Histogram } | undefined)[] = [];

  onCompletion(f: string, fCode: number, type: number, lat: number, inFault: boolean, counted: boolean): void {
    const t = this.now;
    let slot = fCode < F_OTHER ? this.byCode[fCode] : undefined;
    if (slot === undefined) {
      let c = this.counts[f];
      if (!c) c = this.counts[f] = { ok: 0, fail: 0, info: 0 };
      let h0 = this.hists.get(f);
      if (!h0) this.hists.set(f, (h0 = new Histogram()));
      slot = { c, h: h0 };
      if (fCode < F_OTHER) this.byCode[fCode] = slot;
    }
    const c = slot.c;
    if (type === T_OK) c.ok++;
    else if (type === T_FAIL) c.fail++;
    else c.info++;
    this.completions++;
    if (type === T_OK) this.okCompletions++;
    const h = slot.h;
    h.add(lat);
    const sec = Math.max(0, Math.floor(t / 1e9));
    if (sec >= this.rateOk.length) {
      const cap = Math.max(sec + 1, this.rateOk.length * 2);
      const grow = (a: Float64Array) => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      this.rateOk = grow(this.rateOk);
      this.rateFail = grow(this.rateFail);
      this.rateInfo = grow(this.rateInfo);
    }
    if (sec + 1 > this.rateN) this.rateN = sec + 1;
    if (type === T_OK) this.rateOk[sec]++;
    else if (type === T_FAIL) this.rateFail[sec]++;
    else this.rateInfo[sec]++;
    if (this.seen++ % this.stride === 0) {
      this.points.push({ t: t / 1e9, ms: lat / 1e6, f, type: type === T_OK ? "ok" : type === T_FAIL ? "fail" : "info" });
      if (this.points.length >= MAX_POINTS) {
        this.points = this.points.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
    if (counted) {
      if (inFault) {
        this.avail.inAll++;
        if (type === T_OK) this.avail.inOk++;
      } else {
        this.avail.outAll++;
        if (type === T_OK) this.avail.outOk++;
      }
    }
  }

  /**
   * A client send/poll/txn completing now (see Load above): `sends` acknowledged-or-not send
   * micro-ops, `data` whether its polls returned anything, invoked at `invTime` (ns).
   */
  onLoad(type: number, sends: number, data: boolean, invTime: number): void {
    const ok = type === T_OK;
    const open = this.open;
    for (let i = 0; i < open.length; i++) {
      const w = open[i];
      if (sends > 0) w.sendsOverlapping++;
      if (!ok) continue;
      w.okOps++;
      w.ackedSends += sends;
      if (data) w.pollsWithData++;
    }
    // Windows closed since the invocation were overlapped too (closed windows are in end order).
    if (sends > 0) for (let i = this.windows.length - 1; i >= 0 && this.windows[i].end >= invTime; i--) this.windows[i].sendsOverlapping++;
    if (ok && sends > 0) {
      const sec = Math.max(0, Math.floor(this.now / 1e9));
      this.ackedSec = growF64(this.ackedSec, sec + 1, 0);
      this.ackedSec[sec] += sends;
    }
    if (!ok || this.now > this.mainEnd) return;
    const side = open.length > 0 ? this.inside : this.outside;
    side.okOps++;
    side.ackedSends += sends;
    if (data) side.pollsWithData++;
  }

  /** Sends acknowledged in the whole seconds of the LEAD_SECONDS before time `start` (ns). */
  private ackedBefore(start: number): number {
    const to = Math.floor(start / 1e9);
    let n = 0;
    for (let s = Math.max(0, to - LEAD_SECONDS); s < to && s < this.ackedSec.length; s++) n += this.ackedSec[s];
    return n;
  }

  /** Load over the main phase, inside the windows' union and outside it. */
  private load(end: number): NonNullable<Stats["load"]> {
    const mainEnd = Math.min(this.mainEnd, end);
    const spans = this.windows.map((w) => [Math.max(0, w.start), Math.min(mainEnd, w.end)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    let inside = 0;
    let curA = -1;
    let curB = -1;
    for (const [a, b] of spans) {
      if (a > curB) {
        inside += curB - curA;
        curA = a;
        curB = b;
      } else if (b > curB) curB = b;
    }
    inside += curB - curA;
    const mainSeconds = Math.max(0, mainEnd) / 1e9;
    const side = (x: Side, seconds: number) => ({ seconds, okOps: x.okOps, okOpsPerSecond: seconds > 0 ? x.okOps / seconds : null, ackedSends: x.ackedSends, pollsWithData: x.pollsWithData });
    return {
      mainSeconds,
      mainPhaseKnown: Number.isFinite(this.mainEnd),
      inside: side(this.inside, inside / 1e9),
      outside: side(this.outside, Math.max(0, mainSeconds - inside / 1e9)),
    };
  }

  onError(type: number, error: string | undefined): void {
    if (error === undefined || (type !== T_INFO && type !== T_FAIL)) return;
    const e = error.length > 200 ? `${error.slice(0, 197)}...` : error;
    if (this.errors.has(e) || this.errors.size < 50) this.errors.set(e, (this.errors.get(e) ?? 0) + 1);
  }

  onUnseen(count: number): void {
    const sec = Math.max(0, Math.floor(this.now / 1e9));
    this.unseenSec[sec] = count;
  }

  /** The worst lag of one poll invoked at `lagAt` (ns). */
  lagAt = 0;
  onLag(process: number, key: number, lagNs: number, processMax: boolean): void {
    const t = this.lagAt;
    const sec = Math.max(0, Math.floor(t / 1e9));
    const cur = this.lagSec[sec];
    if (cur === undefined || lagNs > cur.lag) this.lagSec[sec] = { lag: lagNs, process, key };
    if (lagNs > this.worst.lag || this.worst.process < 0) this.worst = { t, process, key, lag: lagNs };
    if (processMax) this.lagByProcess.set(process, lagNs);
  }

  finish(keyNames: string[], keyMaxLag: (k: number) => number): Stats & Record<string, unknown> {
    const end = this.maxTime;
    for (const w of this.open) {
      w.end = end;
      this.windows.push(w);
    }
    this.open.length = 0;
    this.windows.sort((a, b) => a.start - b.start);
    const durationSeconds = Math.max(0, (end - Math.min(this.minTime, end, 0)) / 1e9);
    const latency: Stats["latency"] = {};
    const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
    for (const [f, h] of this.hists) latency[f] = { p50: ms(h.quantile(0.5)), p90: ms(h.quantile(0.9)), p99: ms(h.quantile(0.99)), max: ms(h.max) };
    // Rate: per second, averaged over wider buckets when the run is long.
    const rate: Stats["rate"] = [];
    const width = Math.max(1, Math.ceil(this.rateN / MAX_POINTS));
    for (let s = 0; s < this.rateN; s += width) {
      let ok = 0;
      let fail = 0;
      let info = 0;
      const w = Math.min(width, this.rateN - s);
      for (let i = s; i < s + w; i++) {
        ok += this.rateOk[i];
        fail += this.rateFail[i];
        info += this.rateInfo[i];
      }
      rate.push({ t: s, ok: ok / w, fail: fail / w, info: info / w });
    }
    const unseen: Stats["unseen"] = [];
    {
      const n = this.unseenSec.length;
      const uw = Math.max(1, Math.ceil(n / MAX_POINTS));
      let last = 0;
      for (let s = 0; s < n; s += uw) {
        let peak = -1;
        for (let i = s; i < Math.min(n, s + uw); i++) {
          const v = this.unseenSec[i];
          if (v !== undefined) {
            last = v;
            if (v > peak) peak = v;
          }
        }
        if (peak >= 0) unseen.push({ t: s, count: peak });
        else if (unseen.length > 0) unseen.push({ t: s, count: last });
      }
    }
    const lag: Stats["lag"] = [];
    {
      const n = this.lagSec.length;
      const lw = Math.max(1, Math.ceil(n / MAX_POINTS));
      for (let s = 0; s < n; s += lw) {
        let best: { lag: number; process: number; key: number } | undefined;
        for (let i = s; i < Math.min(n, s + lw); i++) {
          const v = this.lagSec[i];
          if (v !== undefined && (best === undefined || v.lag > best.lag)) best = v;
        }
        if (best) lag.push({ t: s, process: best.process, key: keyNames[best.key], seconds: best.lag / 1e9 });
      }
    }
    const a = this.avail;
    const byKey: Record<string, number> = {};
    keyNames.forEach((k, i) => {
      const l = keyMaxLag(i);
      if (l > 0) byKey[k] = l / 1e9;
    });
    const byProcess: Record<string, number> = {};
    for (const [p, l] of [...this.lagByProcess].sort((x, y) => y[1] - x[1]).slice(0, 100)) byProcess[p] = l / 1e9;
    return {
      counts: this.counts,
      durationSeconds,
      throughput: {
        all: durationSeconds > 0 ? this.completions / durationSeconds : 0,
        ok: durationSeconds > 0 ? this.okCompletions / durationSeconds : 0,
      },
      latency,
      latencyPoints: this.points,
      rate,
      lag,
      unseen,
      faultWindows: this.windows.map((w) => ({
        start: w.start / 1e9,
        end: w.end / 1e9,
        f: w.f,
        ...(w.value !== undefined ? { value: w.value } : {}),
        ackedSends: w.ackedSends,
        pollsWithData: w.pollsWithData,
        okOps: w.okOps,
        sendsOverlapping: w.sendsOverlapping,
        ackedSendsBefore: this.ackedBefore(w.start),
      })),
      load: this.load(end),
      availability: {
        inFaults: a.inAll > 0 ? a.inOk / a.inAll : null,
        outsideFaults: a.outAll > 0 ? a.outOk / a.outAll : null,
      },
      worstLag:
        this.worst.process >= 0
          ? { t: this.worst.t / 1e9, process: this.worst.process, key: keyNames[this.worst.key], seconds: this.worst.lag / 1e9 }
          : null,
      lagByKey: byKey,
      lagByProcess: byProcess,
      errors: Object.fromEntries([...this.errors].sort((x, y) => y[1] - x[1])),
    };
  }
}
