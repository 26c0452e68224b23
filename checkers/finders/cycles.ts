// G0 and G1c, with their -process and -realtime variants: cycles in the dependency graph
// between committed transactions (ok ops, and info ops proven committed by a read).
//
// Edges:  ww  T1 → T2: on some key, T2's value is the next committed value after T1's
//         wr  T1 → T2: T2 (ok, or committed info) polled a value T1 sent
//         process  T1 → T2: T2 is the next op of T1's process (T1 ok)
//         realtime T1 → T2: T1 completed ok before T2 was invoked
// Families: G0 = cycles of ww edges; G1c = cycles of wr edges. "-process" adds process edges
// (the cycle uses at least one), "-realtime" adds realtime (and process) edges (at least one
// realtime). Why not Elle's mixed ww+wr cycles by default: in Kafka a transaction's writes and
// reads have no common point in time, so ww+wr cycles are allowed; pure wr cycles (plus
// process/realtime) mean a read saw a commit that had not happened yet, which read committed
// forbids. With the mode's `wwDeps` (Jepsen's :ww-deps), G1c is Elle's: cycles of ww and wr
// edges with at least one wr edge, and the mode table judges them as it judges G0.
//
// Realtime edges would be quadratic; they go through a chain of "time" nodes instead: an ok op
// links to the chain node of its completion, chain node i to i+1, and chain node i to every op
// invoked after the (i+1)-th ok completion and before the next one. Reachability is exactly
// the realtime order, in O(n) edges. SCCs come from an iterative Tarjan; each strongly
// connected component yields one witness cycle per type (a BFS inside it), and the count of a
// type is the number of components showing it.
//
// Two reductions keep this linear and small on big histories:
//  - A ww/wr edge T1 → T2 where T1 completed ok before T2 was invoked is implied by the
//    realtime order, so it is not stored (most edges, in practice). A cycle that needs such an
//    edge is still found, through the time chain, and reported as the -realtime variant.
//  - Placing each op at its invocation and each time node at its completion, process and
//    realtime edges all go forward in time; so every cycle has a ww/wr edge going backward, and
//    every node of a cycle lies inside the time span of one of its backward edges. Only nodes
//    inside such spans are searched; a history without backward edges has no cycles at all.

import { T_OK } from "../../core/history/reader.ts";
import type { Analysis } from "../analysis.ts";
import type { Cases } from "../cases.ts";
import type { Anomaly } from "../results.ts";
import type { Finder } from "./common.ts";

const PROC = 1;
const RT = 2;

const WW = 0;
const WR = 1;

interface Csr {
  start: Int32Array;
  dst: Int32Array;
  key: Int32Array;
  aux: Int32Array;
  /** WW or WR, per edge. */
  kind: Uint8Array;
}

/** Adjacency of the edges of the given buffers, grouped by source node's local number (edges from nodes without one are left out). */
function buildCsr(local: Int32Array, m: number, ...bufs: EdgeBuf[]): Csr {
  const start = new Int32Array(m + 1);
  let edges = 0;
  for (const b of bufs)
    for (let i = 0; i < b.n; i++) {
      const l = local[b.src[i]];
      if (l < 0) continue;
      start[l + 1]++;
      edges++;
    }
  for (let i = 0; i < m; i++) start[i + 1] += start[i];
  const fill = start.slice(0, m);
  const d = new Int32Array(edges);
  const k = new Int32Array(edges);
  const x = new Int32Array(edges);
  const kind = new Uint8Array(edges);
  for (const b of bufs)
    for (let i = 0; i < b.n; i++) {
      const l = local[b.src[i]];
      if (l < 0) continue;
      const at = fill[l]++;
      d[at] = b.dst[i];
      k[at] = b.key[i];
      x[at] = b.aux[i];
      kind[at] = b.kind;
    }
  return { start, dst: d, key: k, aux: x, kind };
}

class EdgeBuf {
  readonly kind: number;
  constructor(kind: number) {
    this.kind = kind;
  }
  src = new Int32Array(1024);
  dst = new Int32Array(1024);
  key = new Int32Array(1024);
  aux = new Int32Array(1024);
  n = 0;
  push(s: number, d: number, k: number, x: number): void {
    if (this.n === this.src.length) {
      const g = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.src = g(this.src);
      this.dst = g(this.dst);
      this.key = g(this.key);
      this.aux = g(this.aux);
    }
    this.src[this.n] = s;
    this.dst[this.n] = d;
    this.key[this.n] = k;
    this.aux[this.n] = x;
    this.n++;
  }
}

type Step = { type: "ww" | "wr" | "process" | "realtime"; from: number; to: number; key?: string; values?: number[]; offsets?: number[] };

class Graph {
  readonly N: number;
  readonly K: number;
  readonly total: number;
  readonly okRank: Int32Array;
  readonly committed: Uint8Array;
  private readonly pred: Int32Array;
  private readonly rt: Int32Array;
  /**
   * Per node, its local number among the nodes a family searches (-1 outside them). Everything
   * else is by local number, sized to those nodes: in a long history, the few spans that some
   * backward edge covers. Nodes are 0..N-1 (ops), then N..N+K-1 (time chain).
   */
  readonly local: Int32Array;
  /** By local number: the next op of an op's process (a node, -1 none). */
  private procNext = new Int32Array(0);
  /** By local number of a time node: the searched ops invoked right after its completion. */
  private rtStart = new Int32Array(0);
  private rtList = new Int32Array(0);
  /** By local number: the component in the last Tarjan pass (-1: not active then). */
  private compL = new Int32Array(0);
  // Tarjan / BFS scratch, by local number (stack, calls and queue hold nodes).
  index = new Int32Array(0);
  low = new Int32Array(0);
  cursor = new Int32Array(0);
  stack = new Int32Array(0);
  calls = new Int32Array(0);
  onStack = new Uint8Array(0);
  seen = new Int32Array(0);
  parent = new Int32Array(0);
  queue = new Int32Array(0);
  seenStamp = 0;
  compCount = 0;
  compSize = new Int32Array(0);
  compRep = new Int32Array(0);

  constructor(a: Analysis) {
    const N = a.nodeOp.n;
    const K = a.okNodes;
    this.N = N;
    this.K = K;
    this.total = N + K;
    this.committed = a.nodeCommitted;
    this.okRank = a.nodeOkRank.a;
    this.pred = a.nodeProcPred.a;
    this.rt = a.nodeRtRank.a;
    this.local = new Int32Array(this.total);
  }

  /** The component of node v in the last Tarjan pass, -1 if it was not active. */
  comp(v: number): number {
    const l = this.local[v];
    return l < 0 ? -1 : this.compL[l];
  }

  /** The next op of op u's process (u searched), -1 if none. */
  procNextOf(u: number): number {
    const l = this.local[u];
    return l < 0 ? -1 : this.procNext[l];
  }

  /**
   * Numbers the nodes of `active` (the widest set the next passes search: later ones search
   * subsets), builds their process and time-chain edges, sizes the scratch, and returns the
   * adjacency of the given ww/wr edges.
   */
  localize(active: Uint8Array, ...bufs: EdgeBuf[]): Csr {
    const { N, local, committed, pred, rt } = this;
    let m = 0;
    for (let v = 0; v < this.total; v++) local[v] = active[v] === 1 ? m++ : -1;
    this.procNext = new Int32Array(m).fill(-1);
    for (let v = 0; v < N; v++) {
      const p = pred[v];
      if (p >= 0 && committed[v] === 1 && local[p] >= 0) this.procNext[local[p]] = v;
    }
    // Searched ops grouped by the searched time node that precedes their invocation.
    const rtStart = new Int32Array(m + 1);
    for (let v = 0; v < N; v++) if (rt[v] > 0 && local[v] >= 0 && local[N + rt[v] - 1] >= 0) rtStart[local[N + rt[v] - 1] + 1]++;
    for (let l = 0; l < m; l++) rtStart[l + 1] += rtStart[l];
    const fill = rtStart.slice(0, m);
    const rtList = new Int32Array(rtStart[m]);
    for (let v = 0; v < N; v++) if (rt[v] > 0 && local[v] >= 0 && local[N + rt[v] - 1] >= 0) rtList[fill[local[N + rt[v] - 1]]++] = v;
    this.rtStart = rtStart;
    this.rtList = rtList;
    if (this.index.length < m) {
      this.compL = new Int32Array(m);
      this.index = new Int32Array(m);
      this.low = new Int32Array(m);
      this.cursor = new Int32Array(m);
      this.stack = new Int32Array(m);
      this.calls = new Int32Array(m);
      this.onStack = new Uint8Array(m);
      this.seen = new Int32Array(m);
      this.parent = new Int32Array(m);
      this.queue = new Int32Array(m);
      this.compSize = new Int32Array(m);
      this.compRep = new Int32Array(m);
    }
    return buildCsr(local, m, ...bufs);
  }

  /** The j-th out-neighbour of u (searched) under (csr, extras); -2 for an empty slot, -1 past the end. */
  nbr(csr: Csr, extras: number, u: number, j: number): number {
    const N = this.N;
    const l = this.local[u];
    if (u < N) {
      const s = csr.start[l];
      const d = csr.start[l + 1] - s;
      if (j < d) return csr.dst[s + j];
      j -= d;
      if (j === 0) return extras & PROC ? (this.procNext[l] >= 0 ? this.procNext[l] : -2) : -2;
      if (j === 1) return extras & RT && this.okRank[u] >= 0 ? N + this.okRank[u] : -2;
      return -1;
    }
    if (!(extras & RT)) return -1;
    if (j === 0) return u - N + 1 < this.K ? u + 1 : -2;
    j -= 1;
    const s = this.rtStart[l];
    if (j < this.rtStart[l + 1] - s) return this.rtList[s + j];
    return -1;
  }

  /**
   * Strongly connected components of the nodes with active[v] = 1 (a subset of the last
   * localize's); fills comp (-1 inactive).
   */
  tarjan(csr: Csr, extras: number, active: Uint8Array): void {
    const T = this.total;
    const { index, low, cursor, compL, stack, calls, onStack, local } = this;
    index.fill(-1);
    compL.fill(-1);
    cursor.fill(0);
    this.compCount = 0;
    let counter = 0;
    let sp = 0;
    for (let root = 0; root < T; root++) {
      if (active[root] !== 1) continue;
      const lr = local[root];
      if (index[lr] !== -1) continue;
      let cp = 0;
      calls[cp++] = root;
      index[lr] = low[lr] = counter++;
      stack[sp++] = root;
      onStack[lr] = 1;
      while (cp > 0) {
        const u = calls[cp - 1];
        const lu = local[u];
        const w = this.nbr(csr, extras, u, cursor[lu]++);
        if (w === -1) {
          cp--;
          if (low[lu] === index[lu]) {
            const c = this.compCount++;
            let size = 0;
            let x: number;
            do {
              x = stack[--sp];
              onStack[local[x]] = 0;
              compL[local[x]] = c;
              size++;
            } while (x !== u);
            this.compSize[c] = size;
            this.compRep[c] = u;
          }
          if (cp > 0) {
            const lp = local[calls[cp - 1]];
            if (low[lu] < low[lp]) low[lp] = low[lu];
          }
        } else if (w >= 0 && active[w] === 1) {
          const lw = local[w];
          if (index[lw] === -1) {
            index[lw] = low[lw] = counter++;
            stack[sp++] = w;
            onStack[lw] = 1;
            calls[cp++] = w;
          } else if (onStack[lw] === 1 && index[lw] < low[lu]) low[lu] = index[lw];
        }
      }
    }
  }

  /** Shortest path from s to t inside s's component (s and t in it), as a node list; null if none. */
  path(csr: Csr, extras: number, s: number, t: number): number[] | null {
    const { seen, parent, queue, local } = this;
    const c = this.comp(s);
    const stamp = ++this.seenStamp;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    seen[local[s]] = stamp;
    parent[local[s]] = -1;
    while (head < tail) {
      const u = queue[head++];
      for (let j = 0; ; j++) {
        const w = this.nbr(csr, extras, u, j);
        if (w === -1) break;
        if (w < 0 || this.comp(w) !== c) continue;
        if (w === t) {
          const out = [t];
          for (let x = u; x !== -1; x = parent[local[x]]) out.push(x);
          return out.reverse();
        }
        const lw = local[w];
        if (seen[lw] === stamp) continue;
        seen[lw] = stamp;
        parent[lw] = u;
        queue[tail++] = w;
      }
    }
    return null;
  }
}

export const cycleFinder: Finder = {
  name: "cycles",
  types: ["G0", "G0-process", "G0-realtime", "G1c", "G1c-process", "G1c-realtime"],
  find({ analysis: a, cases, mode }) {
    const N = a.nodeOp.n;
    if (N === 0) return;
    const committed = a.nodeCommitted;
    const okRank = a.nodeOkRank.a;
    const rtRank = a.nodeRtRank.a;
    const ww = new EdgeBuf(WW);
    for (const ks of a.keyStates) {
      let prev = -1;
      for (let i = 0; i < ks.occVal.length; i++) {
        const s = ks.slotOf(ks.occVal[i]);
        // A duplicated value takes its place in the write order once, at its first offset.
        if (s < 0 || ks.firstIdx[s] !== i) continue;
        const w = ks.writerNode[s];
        if (w < 0 || committed[w] !== 1) continue;
        if (prev >= 0 && prev !== w && !(okRank[prev] >= 0 && okRank[prev] < rtRank[w])) ww.push(prev, w, ks.id, i);
        prev = w;
      }
    }
    const wr = new EdgeBuf(WR);
    const rows = a.wr.a;
    for (let r = 0; r < a.wr.n; r += 3) {
      const ks = a.keyStates[rows[r]];
      const s = rows[r + 1];
      const reader = rows[r + 2];
      const w = ks.writerNode[s];
      if (w < 0 || w === reader || committed[w] !== 1 || committed[reader] !== 1) continue;
      if (okRank[w] >= 0 && okRank[w] < rtRank[reader]) continue;
      wr.push(w, reader, ks.id, s);
    }
    const wwBack = backwardCount(a, ww);
    const wrBack = backwardCount(a, wr);
    if (wwBack === 0 && wrBack === 0) return;
    const g = new Graph(a);
    const active = new Uint8Array(g.total);
    const covered = new Uint8Array(a.ops + 1);
    if (wwBack > 0) {
      markBackwardSpans(a, covered, wwBack, ww);
      family(a, g, cases, "G0", [ww], active, covered, false);
    }
    if (mode.wwDeps) {
      // Elle's G1c: ww and wr edges, at least one wr. A cycle needs a backward edge of either kind.
      if (wr.n > 0) {
        markBackwardSpans(a, covered, wwBack + wrBack, ww, wr);
        family(a, g, cases, "G1c", [ww, wr], active, covered, true);
      }
    } else if (wrBack > 0) {
      markBackwardSpans(a, covered, wrBack, wr);
      family(a, g, cases, "G1c", [wr], active, covered, false);
    }
  },
};

/** How many of the edges go backward in time (the source invoked after the destination). */
function backwardCount(a: Analysis, ...bufs: EdgeBuf[]): number {
  const inv = a.nodeInv.a;
  let m = 0;
  for (const e of bufs) for (let i = 0; i < e.n; i++) if (inv[e.src[i]] > inv[e.dst[i]]) m++;
  return m;
}

/**
 * Marks in `mask` (by op index; cleared first) the times covered by the span of some backward
 * edge: from the destination's invocation to the source's. The m spans' starts and ends are
 * sorted apart and swept, so only the mask is history-sized (a byte per op).
 */
function markBackwardSpans(a: Analysis, mask: Uint8Array, m: number, ...bufs: EdgeBuf[]): void {
  const inv = a.nodeInv.a;
  const starts = new Int32Array(m);
  const ends = new Int32Array(m);
  let k = 0;
  for (const e of bufs)
    for (let i = 0; i < e.n; i++) {
      const tw = inv[e.src[i]];
      const tr = inv[e.dst[i]];
      if (tw <= tr) continue;
      starts[k] = tr;
      ends[k++] = tw + 1;
    }
  starts.sort();
  ends.sort();
  mask.fill(0);
  // Depth = spans started at or before t minus spans ended at or before t; covered while > 0.
  let i = 0;
  let j = 0;
  let depth = 0;
  let from = 0;
  while (i < m) {
    const t = starts[i] <= ends[j] ? starts[i] : ends[j];
    const was = depth;
    while (i < m && starts[i] === t) {
      depth++;
      i++;
    }
    while (j < m && ends[j] === t) {
      depth--;
      j++;
    }
    if (was === 0 && depth > 0) from = t;
    else if (was > 0 && depth === 0) mask.fill(1, from, t);
  }
  // Every span has started; the last end closes the last covered stretch.
  if (depth > 0) mask.fill(1, from, ends[m - 1]);
}

/** Per component of g's last Tarjan pass: the ends of one wr edge inside it (src -1: none). */
function wrEdgesInside(g: Graph, csr: Csr): { src: Int32Array; dst: Int32Array } {
  const src = new Int32Array(g.compCount).fill(-1);
  const dst = new Int32Array(g.compCount).fill(-1);
  for (let u = 0; u < g.N; u++) {
    const c = g.comp(u);
    if (c < 0 || g.compSize[c] < 2 || src[c] >= 0) continue;
    const l = g.local[u];
    for (let e = csr.start[l]; e < csr.start[l + 1]; e++) {
      if (csr.kind[e] === WR && g.comp(csr.dst[e]) === c) {
        src[c] = u;
        dst[c] = csr.dst[e];
        break;
      }
    }
  }
  return { src, dst };
}

/**
 * One family's three types. With `needWr` (Elle's G1c over ww + wr edges) a component counts only
 * if a wr edge lies inside it, and the cycle reported goes through that edge.
 */
function family(a: Analysis, g: Graph, cases: Cases, base: "G0" | "G1c", edges: EdgeBuf[], active: Uint8Array, covered: Uint8Array, needWr: boolean): void {
  const N = g.N;
  // Everything a cycle of this family could use, then narrow to nodes on some cycle.
  const inv = a.nodeInv.a;
  const op = a.nodeOp.a;
  const okNode = a.okNodeOf.a;
  for (let v = 0; v < N; v++) active[v] = g.committed[v] === 1 && covered[inv[v]] === 1 ? 1 : 0;
  for (let c = 0; c < g.K; c++) active[N + c] = covered[op[okNode[c]]] === 1 ? 1 : 0;
  const csr = g.localize(active, ...edges);
  g.tarjan(csr, PROC | RT, active);
  let any = false;
  const inCycle = new Uint8Array(g.total);
  for (let v = 0; v < g.total; v++) {
    const c = g.comp(v);
    if (c >= 0 && g.compSize[c] > 1) {
      inCycle[v] = 1;
      any = true;
    }
  }
  if (!any) return;
  // -realtime: components of the full graph that contain a time node.
  const rtDone = new Set<number>();
  let inside = needWr ? wrEdgesInside(g, csr) : undefined;
  for (let v = N; v < g.total; v++) {
    const c = g.comp(v);
    if (inCycle[v] !== 1 || rtDone.has(c)) continue;
    if (inside) {
      if (inside.src[c] < 0) continue;
      rtDone.add(c);
      // Through the wr edge x → y and the time node v: y ⇝ v ⇝ x → y.
      const x = inside.src[c];
      const y = inside.dst[c];
      reportWalk(a, g, cases, `${base}-realtime`, csr, join(g.path(csr, PROC | RT, y, v), g.path(csr, PROC | RT, v, x), [y]));
      continue;
    }
    rtDone.add(c);
    report(a, g, cases, `${base}-realtime`, csr, PROC | RT, v, v);
  }
  // -process: ww/wr + process edges, a cycle through a process edge.
  active.set(inCycle);
  active.fill(0, N);
  g.tarjan(csr, PROC, active);
  const procDone = new Set<number>();
  inside = needWr ? wrEdgesInside(g, csr) : undefined;
  for (let u = 0; u < N; u++) {
    if (active[u] !== 1) continue;
    const v = g.procNextOf(u);
    if (v < 0) continue;
    const c = g.comp(u);
    if (c < 0 || c !== g.comp(v) || g.compSize[c] < 2 || procDone.has(c)) continue;
    if (inside) {
      if (inside.src[c] < 0) continue;
      procDone.add(c);
      // Through the wr edge x → y and the process edge u → v: y ⇝ u → v ⇝ x → y.
      const x = inside.src[c];
      const y = inside.dst[c];
      reportWalk(a, g, cases, `${base}-process`, csr, join(seg(g, csr, PROC, y, u), seg(g, csr, PROC, v, x), [y]));
      continue;
    }
    procDone.add(c);
    report(a, g, cases, `${base}-process`, csr, PROC, v, u, u);
  }
  // The base type: ww (or wr) edges alone.
  g.tarjan(csr, 0, active);
  inside = needWr ? wrEdgesInside(g, csr) : undefined;
  for (let c = 0; c < g.compCount; c++) {
    if (g.compSize[c] < 2) continue;
    if (inside) {
      if (inside.src[c] < 0) continue;
      const x = inside.src[c];
      const y = inside.dst[c];
      reportWalk(a, g, cases, base, csr, join(seg(g, csr, 0, y, x), [y]));
      continue;
    }
    const s = g.compRep[c];
    report(a, g, cases, base, csr, 0, s, s);
  }
}

/** A path s ⇝ t inside s's component ([s] when s is t). */
const seg = (g: Graph, csr: Csr, extras: number, s: number, t: number): number[] | null => (s === t ? [s] : g.path(csr, extras, s, t));

/** Paths end to end (each next one starts where the last ended), or null if any is missing. */
function join(...parts: (number[] | null)[]): number[] | null {
  const out: number[] = [];
  for (const p of parts) {
    if (!p) return null;
    out.push(...(out.length && out[out.length - 1] === p[0] ? p.slice(1) : p));
  }
  return out;
}

/** Finds a cycle s → … → t (→ s when closeFrom is given, via that node's process edge) and reports it. */
function report(a: Analysis, g: Graph, cases: Cases, type: string, csr: Csr, extras: number, s: number, t: number, closeFrom?: number): void {
  let nodes: number[] | null;
  if (closeFrom !== undefined) {
    // Cycle closes with the process edge closeFrom → s: find s ⇝ closeFrom.
    nodes = s === closeFrom ? [s] : g.path(csr, extras, s, closeFrom);
    if (nodes) nodes.push(s);
  } else nodes = g.path(csr, extras, s, t);
  reportWalk(a, g, cases, type, csr, nodes);
}

/** Reports a closed walk (last node = first) of the graph as a case of `type`. */
function reportWalk(a: Analysis, g: Graph, cases: Cases, type: string, csr: Csr, nodes: number[] | null): void {
  if (!nodes) return;
  const steps = toSteps(a, g, csr, nodes);
  if (!cases.wants(type, -steps.length)) return;
  cases.keep(describe(a, type, steps), -steps.length);
}

function toSteps(a: Analysis, g: Graph, csr: Csr, nodes: number[]): Step[] {
  const N = g.N;
  // Rotate so the cycle starts at an op node.
  const firstOp = nodes.findIndex((x) => x < N);
  const ring = nodes.slice(0, -1);
  const rot = [...ring.slice(firstOp), ...ring.slice(0, firstOp)];
  rot.push(rot[0]);
  const steps: Step[] = [];
  let from = rot[0];
  let viaTime = false;
  for (let i = 1; i < rot.length; i++) {
    const x = rot[i];
    if (x >= N) {
      viaTime = true;
      continue;
    }
    if (viaTime) steps.push({ type: "realtime", from, to: x });
    else steps.push(edgeStep(a, g, csr, from, x));
    from = x;
    viaTime = false;
  }
  return steps;
}

function edgeStep(a: Analysis, g: Graph, csr: Csr, u: number, v: number): Step {
  // The edge u → v; a wr one where there are both (the one a G1c over ww + wr must show).
  let found = -1;
  const l = g.local[u];
  for (let e = csr.start[l]; e < csr.start[l + 1]; e++) if (csr.dst[e] === v && (found < 0 || csr.kind[e] === WR)) found = e;
  if (found >= 0) {
    const e = found;
    const ks = a.keyStates[csr.key[e]];
    const aux = csr.aux[e];
    if (csr.kind[e] === WR) return { type: "wr", from: u, to: v, key: ks.name, values: [ks.vValue[aux]] };
    // A ww edge carries the log position of v's value; u's is the nearest earlier one it wrote.
    let j = aux - 1;
    while (j >= 0 && ks.writerNode[ks.slotOf(ks.occVal[j])] !== u) j--;
    return {
      type: "ww",
      from: u,
      to: v,
      key: ks.name,
      values: [j >= 0 ? ks.occVal[j] : NaN, ks.occVal[aux]],
      offsets: [j >= 0 ? ks.occOff[j] : NaN, ks.occOff[aux]],
    };
  }
  return { type: g.procNextOf(u) === v ? "process" : "realtime", from: u, to: v };
}

function describe(a: Analysis, type: string, steps: Step[]): Anomaly {
  const op = (n: number) => a.nodeOp.a[n];
  const proc = (n: number) => a.nodeProc.a[n];
  const name = (n: number) => `op ${op(n)} (process ${proc(n)}${a.nodeType.a[n] === T_OK ? "" : ", info"})`;
  const parts = steps.map((s) => {
    switch (s.type) {
      case "ww":
        return `${name(s.from)} sent ${s.values![0]} to ${s.key} (offset ${s.offsets![0]}) before ${name(s.to)} sent ${s.values![1]} (offset ${s.offsets![1]})`;
      case "wr":
        return `${name(s.to)} polled ${s.values![0]} from ${s.key}, which ${name(s.from)} sent`;
      case "process":
        return `${name(s.from)} and then ${name(s.to)} ran on process ${proc(s.from)}`;
      default:
        return `${name(s.from)} completed before ${name(s.to)} was invoked`;
    }
  });
  const cycleOps = steps.map((s) => op(s.from));
  const keys = [...new Set(steps.filter((s) => s.key !== undefined).map((s) => s.key!))];
  return {
    type,
    ...(keys.length > 0 ? { key: keys[0] } : {}),
    ops: [...new Set(cycleOps)].sort((x, y) => x - y),
    cycle: [...cycleOps, cycleOps[0]],
    steps: steps.map((s) => ({ ...s, from: op(s.from), to: op(s.to) })),
    explanation: `A cycle of ${steps.length} transactions: ${parts.join("; ")}. No order of these transactions agrees with all of that.`,
  };
}
