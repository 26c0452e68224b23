// Everything the checkers keep about one key (topic-partition): its log as observed (offset →
// value, with any conflicting values on the side), a table of the values ever sent or read
// (who wrote each, with what outcome, who first read it), and the realtime-lag step function.

import { growF64, growI32, growU8, SlotIndex, F64List } from "./columns.ts";

const CHUNK = 4096;

interface Chunk {
  vals: Float64Array<ArrayBuffer>;
  ops: Int32Array<ArrayBuffer>;
  slots: Int32Array<ArrayBuffer>;
  /**
   * Per offset o1 and kind t (0 within one op, 1 between polls), at 2·(o1 - base) + t: the
   * candidate row of the last forward jump from o1, -1 if none; where that jump went; and how
   * many more times it was made since (added to the row's count by flushJumps).
   */
  gaps: Int32Array<ArrayBuffer> | null;
  gapTo: Float64Array<ArrayBuffer> | null;
  gapMore: Int32Array<ArrayBuffer> | null;
}

/** Writer outcome of a value: none known, or the completion type of its send. */
export const W_NONE = 0;
export const W_OK = 1;
export const W_FAIL = 2;
export const W_INFO = 3;

export class KeyState {
  readonly id: number;
  readonly name: string;

  // The log: chunks of 4096 offsets, NaN where no value is known; the op that first showed it.
  private readonly chunks = new Map<number, Chunk>();
  private lastChunkIdx = NaN;
  private lastChunk: Chunk | null = null;
  /** offset → every value seen there (first one included), and the op that showed each. */
  conflicts: Map<number, { values: number[]; ops: number[] }> | null = null;
  occupied = 0;

  // Values, by slot (op indices are int32: a history's indices are 0, 1, 2, … in file order).
  private readonly index = new SlotIndex(64);
  nv = 0;
  vValue = new Float64Array(64);
  writerOp = new Int32Array(64).fill(-1);
  writerType = new Uint8Array(64);
  writerProc = new Float64Array(64).fill(-1);
  writerNode = new Int32Array(64).fill(-1);
  /** The offset the writer's acknowledgement reported, NaN if none. */
  sendOffset = new Float64Array(64).fill(NaN);
  /** The first ok poll that read the value (op index), -1 if none. */
  okReader = new Int32Array(64).fill(-1);
  okReaderProc = new Float64Array(64).fill(-1);
  /** The first poll that read it without completing ok (fail/info), -1 if none. */
  anyReader = new Int32Array(64).fill(-1);
  /**
   * Consumption by the shared consumer group (ok polls of processes whose last assignment was a
   * subscribe): how many ops consumed the value (saturating at 255), and the first committed
   * transaction (ok txn op) that did, -1 if none. Empty until the group consumes something
   * (consumeAt makes them).
   */
  consumed = new Uint8Array(0);
  consumedTxnOp = new Int32Array(0);
  consumedTxnProc = new Float64Array(0);

  // Filled by finish(): the occupied offsets in order, their (first) values and ops.
  occOff = new Float64Array(0);
  occVal = new Float64Array(0);
  occOp = new Float64Array(0);
  /** Per slot: dense index of first and last appearance in the log, first offset; -1/NaN if absent. */
  firstIdx = new Int32Array(0);
  lastIdx = new Int32Array(0);
  firstOff = new Float64Array(0);
  /** slot → all offsets, for values at more than one offset. */
  dups: Map<number, number[]> | null = null;

  // Realtime lag: breakpoints (highest offset known to exist, time it became known).
  readonly expOff = new F64List(16);
  readonly expTime = new F64List(16);
  expMax = -1;

  /** Largest realtime lag seen on this key (ns). */
  maxLag = 0;

  /**
   * Forward jumps o1 → o2 (o2 > o1 + 1) made by polls (t = 0 within one op, 1 between polls):
   * each distinct one gets a candidate row, found again beside the log (no hashing, and the row
   * table is not touched when ops repeat it, as every consumer crossing a transaction marker
   * does). o1 must be in the log. Whether the jump repeats the last one from o1; if so, counted.
   */
  repeatJump(o1: number, t: number, o2: number): boolean {
    const c = this.chunkOf(o1);
    if (c === undefined || c.gaps === null) return false;
    const i = 2 * (o1 - this.gBase) + t;
    if (c.gaps[i] < 0 || c.gapTo![i] !== o2) return false;
    c.gapMore![i]++;
    return true;
  }
  /**
   * Records row as the last jump from o1; the repeats of the jump it replaces are left in
   * replacedRow/replacedMore for the caller to add to that row.
   */
  setJump(o1: number, t: number, o2: number, row: number): void {
    this.replacedMore = 0;
    const c = this.chunkOf(o1);
    if (c === undefined) return;
    if (c.gaps === null) {
      c.gaps = new Int32Array(2 * CHUNK).fill(-1);
      c.gapTo = new Float64Array(2 * CHUNK);
      c.gapMore = new Int32Array(2 * CHUNK);
    }
    const i = 2 * (o1 - this.gBase) + t;
    this.replacedRow = c.gaps[i];
    this.replacedMore = c.gapMore![i];
    c.gaps[i] = row;
    c.gapTo![i] = o2;
    c.gapMore![i] = 0;
  }
  replacedRow = -1;
  replacedMore = 0;
  /** Hands over the repeats of every current jump (before finish(), which drops the chunks). */
  flushJumps(add: (t: number, row: number, more: number) => void): void {
    for (const c of this.chunks.values()) {
      if (c.gaps === null) continue;
      for (let i = 0; i < 2 * CHUNK; i++) if (c.gaps[i] >= 0 && c.gapMore![i] > 0) add(i & 1, c.gaps[i], c.gapMore![i]);
    }
  }

  /** The chunk holding offset o (the last one used, most often: o was just inserted), its base in gBase. */
  private chunkOf(o: number): Chunk | undefined {
    const j = o - this.cBase;
    if (j >= 0 && j < CHUNK && this.lastChunk !== null) {
      this.gBase = this.cBase;
      return this.lastChunk;
    }
    const ci = Math.floor(o / CHUNK);
    this.gBase = ci * CHUNK;
    return this.chunks.get(ci);
  }
  private gBase = 0;

  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }

  /** The slot of value v, created on first sight. */
  slot(v: number): number {
    const s = this.index.get(v, this.vValue);
    if (s >= 0) return s;
    const n = this.nv++;
    if (n >= this.vValue.length) this.growValues(n + 1);
    this.vValue[n] = v;
    this.index.add(n, this.vValue);
    return n;
  }

  /** The slot of value v, or -1 if the value was never sent or read. */
  slotOf(v: number): number {
    return this.index.get(v, this.vValue);
  }

  private growValues(n: number): void {
    this.vValue = growF64(this.vValue, n, 0);
    this.writerOp = growI32(this.writerOp, n, -1);
    this.writerType = growU8(this.writerType, n);
    this.writerProc = growF64(this.writerProc, n, -1);
    this.writerNode = growI32(this.writerNode, n, -1);
    this.sendOffset = growF64(this.sendOffset, n, NaN);
    this.okReader = growI32(this.okReader, n, -1);
    this.okReaderProc = growF64(this.okReaderProc, n, -1);
    this.anyReader = growI32(this.anyReader, n, -1);
    if (this.consumed.length > 0) this.growConsumed(n);
  }

  private growConsumed(n: number): void {
    this.consumed = growU8(this.consumed, n);
    this.consumedTxnOp = growI32(this.consumedTxnOp, n, -1);
    this.consumedTxnProc = growF64(this.consumedTxnProc, n, -1);
  }

  /** Makes the consumption columns (first use), sized like the others. */
  consumeAt(s: number): void {
    if (s >= this.consumed.length) this.growConsumed(Math.max(s + 1, this.vValue.length));
  }

  /**
   * Records that `op` saw value v at offset o (a read, or an acknowledged committed send), and
   * returns v's slot (from the log cell when v is already there: no hash lookup).
   */
  insert(o: number, v: number, op: number): number {
    // Fast path, small enough to inline: the value is already there, in the chunk last used.
    const j = o - this.cBase;
    if (j >= 0 && j < CHUNK && this.cVals[j] === v) return this.cSlots[j];
    return this.insertSlow(o, v, op);
  }
  private prevChunk: Chunk | null = null;
  private prevChunkIdx = NaN;
  private cBase = -Infinity;
  private cVals = new Float64Array(0);
  private cSlots = new Int32Array(0);

  private insertSlow(o: number, v: number, op: number): number {
    const ci = Math.floor(o / CHUNK);
    let c = this.lastChunk;
    if (ci !== this.lastChunkIdx || c === null) {
      // Readers behind the writers alternate between two chunks: the one before is kept too.
      const before = c;
      const beforeIdx = this.lastChunkIdx;
      c = ci === this.prevChunkIdx ? this.prevChunk : (this.chunks.get(ci) ?? null);
      this.prevChunk = before;
      this.prevChunkIdx = beforeIdx;
      if (c === null) {
        c = { vals: new Float64Array(CHUNK).fill(NaN), ops: new Int32Array(CHUNK), slots: new Int32Array(CHUNK), gaps: null, gapTo: null, gapMore: null };
        this.chunks.set(ci, c);
      }
      this.lastChunk = c;
      this.lastChunkIdx = ci;
      this.cBase = ci * CHUNK;
      this.cVals = c.vals;
      this.cSlots = c.slots;
    }
    const j = o - ci * CHUNK;
    const cur = c.vals[j];
    if (cur === v) return c.slots[j];
    const s = this.slot(v);
    if (cur !== cur) {
      c.vals[j] = v;
      c.ops[j] = op;
      c.slots[j] = s;
      this.occupied++;
    } else {
      this.conflicts ??= new Map();
      let e = this.conflicts.get(o);
      if (!e) {
        e = { values: [cur], ops: [c.ops[j]] };
        this.conflicts.set(o, e);
      }
      if (!e.values.includes(v)) {
        e.values.push(v);
        e.ops.push(op);
      }
    }
    return s;
  }

  /** Notes that offset o was known to exist at time t (for realtime lag). */
  reveal(o: number, t: number): void {
    if (o > this.expMax) {
      this.expMax = o;
      this.expOff.push(o);
      this.expTime.push(t);
    }
  }

  /** When offset i-1 stopped being the newest: the first time an offset ≥ i was known to exist. */
  expiredAt(i: number): number {
    const e = this.expiredIndex(i);
    return e < this.expOff.n ? this.expTime.a[e] : Infinity;
  }

  /**
   * The first breakpoint with an offset ≥ i (expOff.n if none), searching from index `from`
   * (every breakpoint before it must be below i): galloping, so an answer near `from` is cheap.
   */
  expiredIndex(i: number, from = 0): number {
    const offs = this.expOff.a;
    const n = this.expOff.n;
    let lo = from;
    if (lo >= n || offs[lo] >= i) return lo;
    let step = 1;
    let hi = lo + 1;
    while (hi < n && offs[hi] < i) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    if (hi > n) hi = n;
    // offs[lo] < i; the answer is in (lo, hi].
    lo++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offs[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Builds the ordered view of the log and each value's positions in it. */
  finish(): void {
    const n = this.occupied;
    const off = new Float64Array(n);
    const val = new Float64Array(n);
    const ops = new Float64Array(n);
    let k = 0;
    const idxs = [...this.chunks.keys()].sort((a, b) => a - b);
    for (const ci of idxs) {
      const c = this.chunks.get(ci)!;
      const base = ci * CHUNK;
      for (let j = 0; j < CHUNK; j++) {
        const v = c.vals[j];
        if (v !== v) continue;
        off[k] = base + j;
        val[k] = v;
        ops[k] = c.ops[j];
        k++;
      }
    }
    this.chunks.clear();
    this.lastChunk = null;
    this.prevChunk = null;
    this.prevChunkIdx = NaN;
    this.cBase = -Infinity;
    this.cVals = new Float64Array(0);
    this.cSlots = new Int32Array(0);
    this.occOff = off;
    this.occVal = val;
    this.occOp = ops;
    const nv = this.nv;
    this.firstIdx = new Int32Array(nv).fill(-1);
    this.lastIdx = new Int32Array(nv).fill(-1);
    this.firstOff = new Float64Array(nv).fill(NaN);
    const see = (i: number, v: number) => {
      const s = this.slot(v);
      if (s >= this.firstIdx.length) return; // cannot happen: every logged value has a slot
      if (this.firstIdx[s] < 0) {
        this.firstIdx[s] = i;
        this.firstOff[s] = off[i];
      } else if (this.lastIdx[s] !== i) {
        this.dups ??= new Map();
        let l = this.dups.get(s);
        if (!l) {
          l = [this.firstOff[s]];
          this.dups.set(s, l);
        }
        if (l[l.length - 1] !== off[i]) l.push(off[i]);
      }
      this.lastIdx[s] = i;
    };
    for (let i = 0; i < n; i++) {
      see(i, val[i]);
      if (this.conflicts !== null) {
        const c = this.conflicts.get(off[i]);
        if (c) for (let j = 1; j < c.values.length; j++) see(i, c.values[j]);
      }
    }
  }

  /** Dense index of offset o: how many occupied offsets lie below it. */
  rank(o: number): number {
    const a = this.occOff;
    const n = a.length;
    // Finders ask mostly in increasing order, and often for nearby offsets: start from the last
    // answer h (galloping forward), else search below it.
    const h = this.rankHint <= n ? this.rankHint : 0;
    let lo = 0;
    let hi = h;
    if (h < n && a[h] < o) {
      lo = h + 1;
      let step = 1;
      while (lo + step - 1 < n && a[lo + step - 1] < o) {
        lo += step;
        step *= 2;
      }
      hi = Math.min(lo + step - 1, n);
    } else if (h === 0 || a[h - 1] < o) return h;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < o) lo = mid + 1;
      else hi = mid;
    }
    this.rankHint = lo;
    return lo;
  }
  private rankHint = 0;

  /** Per dense index i, how many of the log's first i values were not failed writes (built on first use). */
  private visiblePrefix: Int32Array | null = null;

  /**
   * The distance from dense index i1 forward to i2 (i2 > i1) counting only values a
   * read_committed consumer must return: the values strictly between whose send failed (an
   * aborted transaction's, known to be there because some poll returned it, which is G1a) are
   * records such a consumer is right to pass over, so they do not make a skip.
   */
  committedSpan(i1: number, i2: number): number {
    let p = this.visiblePrefix;
    if (p === null) {
      const n = this.occVal.length;
      p = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) p[i + 1] = p[i] + (this.writerType[this.slot(this.occVal[i])] === W_FAIL ? 0 : 1);
      this.visiblePrefix = p;
    }
    return 1 + p[i2] - p[i1 + 1];
  }

  /** Where value v sits: the offset its send reported, else its first offset in the log; NaN if unknown. */
  positionOf(v: number, reported: number): number {
    if (reported === reported) return reported;
    const s = this.slotOf(v);
    return s < 0 || s >= this.firstOff.length ? NaN : this.firstOff[s];
  }

  /** Whether the value in slot s was surely committed: an ok send, or an info send proven by a read. */
  committed(s: number, nodeCommitted: Uint8Array): boolean {
    const t = this.writerType[s];
    return t === W_OK || (t === W_INFO && this.writerNode[s] >= 0 && nodeCommitted[this.writerNode[s]] === 1);
  }
}
