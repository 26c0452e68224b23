// Streaming, validating reader of history.jsonl (docs/design.md). It never holds the file
// as a string: it reads chunks into a Buffer and decodes each line into one reused ParsedOp —
// flat typed arrays of micro-op entries, keys interned to small ints — so checking a 10M-op
// history keeps no Op objects. Lines go through a scanner specialised to the format; anything
// unusual (escapes, odd shapes, a broken line) falls back to JSON.parse plus the same
// validation as in-memory ops, which names the first bad line by number.

import { accessSync, constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { KcError } from "../errors.ts";
import { JepsenKeys, opFromEdnLine } from "./jepsen.ts";
import { HISTORY_MALFORMED, type Op } from "./op.ts";
import { ednOpLines, isEdnHistory } from "./ops-file.ts";

export const T_INVOKE = 0;
export const T_OK = 1;
export const T_FAIL = 2;
export const T_INFO = 3;
export const TYPE_NAMES = ["invoke", "ok", "fail", "info"] as const;

export const F_SEND = 0;
export const F_POLL = 1;
export const F_TXN = 2;
export const F_ASSIGN = 3;
export const F_SUBSCRIBE = 4;
export const F_CRASH = 5;
/** Any other function: nemesis ops, or client extras such as "debug-topic-partitions". */
export const F_OTHER = 6;
export const F_NAMES = ["send", "poll", "txn", "assign", "subscribe", "crash"] as const;

/** Entry kinds: a send micro-op, or one [offset, value] pair returned by a poll. */
export const E_SEND = 0;
export const E_READ = 1;

const V_NONE = 0;
const V_MOPS = 1;
const V_STRINGS = 2;
const V_EMPTY = 3;
const V_OTHER = 4;

export { HISTORY_MALFORMED };
export const HISTORY_UNREADABLE = "KC_HISTORY_UNREADABLE";

const FORMAT_HINT =
  "Each line of history.jsonl must be one JSON object in the format of design.md (index, time, process, type, f, value). Fix or delete the line; a line cut short by a crash is tolerated only at the very end of the file.";

export function malformed(where: string, problem: string): KcError {
  return new KcError(HISTORY_MALFORMED, `${where}: ${problem}`, { hint: FORMAT_HINT });
}

/** Interns key strings ("t0/1") to dense ints; recognises repeated keys by their bytes. */
export class KeyTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly bytes: Buffer[] = [];
  private readonly cache = new Int32Array(4096).fill(-1);

  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
      this.bytes.push(Buffer.from(name, "utf8"));
    }
    return id;
  }

  /** The id of the key spelled by buf[s, e) (no escapes), without decoding it when seen before. */
  internBytes(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 13)) & 4095;
    const id = this.cache[slot];
    if (id >= 0) {
      const b = this.bytes[id];
      if (b.length === e - s) {
        let same = true;
        for (let i = 0; i < b.length; i++)
          if (b[i] !== buf[s + i]) {
            same = false;
            break;
          }
        if (same) return id;
      }
    }
    const fresh = this.intern(buf.toString("utf8", s, e));
    this.cache[slot] = fresh;
    return fresh;
  }

  get size(): number {
    return this.names.length;
  }

  /** Forgets the keys interned after the first n (those of a line the fast scanner declined). */
  rollback(n: number): void {
    if (this.names.length <= n) return;
    for (const name of this.names.splice(n)) this.ids.delete(name);
    this.bytes.length = n;
    for (let i = 0; i < this.cache.length; i++) if (this.cache[i] >= n) this.cache[i] = -1;
  }
}

/**
 * One decoded line. Reused from line to line: copy out what you keep. Micro-op contents are
 * flattened into entries: a send gives one entry (offset NaN when unknown), a poll one entry per
 * [offset, value] pair it returned.
 */
export class ParsedOp {
  /** 1-based line number in the file (or position + 1 for in-memory ops). */
  line = 0;
  index = 0;
  time = 0;
  process = 0;
  nemesis = false;
  type = 0;
  f = 0;
  fName = "";
  /** Number of micro-ops, and how many were sends / polls. */
  mops = 0;
  sendMops = 0;
  pollMops = 0;
  /**
   * Entries: kind (E_SEND/E_READ), micro-op position, key id, offset (NaN unknown), value; at
   * positions e0 … e0+n-1 of the arrays (e0 is 0 except for batches decoded by a worker).
   */
  e0 = 0;
  n = 0;
  kind = new Uint8Array(64);
  mop = new Int32Array(64);
  key = new Int32Array(64);
  offset = new Float64Array(64);
  value = new Float64Array(64);
  /** Key ids for assign/subscribe. */
  keyIds: number[] = [];
  /** Keys named in a rebalance-log, if any. */
  rebalanceKeys: number[] | null = null;
  seekToBeginning = false;
  error: string | undefined = undefined;
  /** The value of a nemesis (or other non-client) op, decoded. */
  otherValue: unknown = undefined;
  /** Scratch for the scanner. */
  valueKind = V_NONE;
  strs: string[] = [];

  /** Where a line's entries start in the arrays (the worker packs a whole batch into them). */
  base = 0;

  reset(): void {
    this.process = 0;
    this.nemesis = false;
    this.type = -1;
    this.f = -1;
    if (this.fName !== "") this.fName = "";
    this.mops = 0;
    this.sendMops = 0;
    this.pollMops = 0;
    this.e0 = this.base;
    this.n = 0;
    if (this.keyIds.length > 0) this.keyIds.length = 0;
    if (this.rebalanceKeys !== null) this.rebalanceKeys = null;
    this.seekToBeginning = false;
    if (this.error !== undefined) this.error = undefined;
    if (this.otherValue !== undefined) this.otherValue = undefined;
    this.valueKind = V_NONE;
    if (this.strs.length > 0) this.strs.length = 0;
    this.index = -1;
    this.time = NaN;
  }

  addEntry(kind: number, mop: number, key: number, offset: number, value: number): void {
    const i = this.e0 + this.n;
    if (i === this.kind.length) this.grow();
    this.kind[i] = kind;
    this.mop[i] = mop;
    this.key[i] = key;
    this.offset[i] = offset;
    this.value[i] = value;
    this.n++;
  }

  private grow(): void {
    const c = this.kind.length * 2;
    const k = new Uint8Array(c);
    k.set(this.kind);
    this.kind = k;
    const m = new Int32Array(c);
    m.set(this.mop);
    this.mop = m;
    const y = new Int32Array(c);
    y.set(this.key);
    this.key = y;
    const o = new Float64Array(c);
    o.set(this.offset);
    this.offset = o;
    const v = new Float64Array(c);
    v.set(this.value);
    this.value = v;
  }

  get typeName(): string {
    return TYPE_NAMES[this.type];
  }
  get fLabel(): string {
    return this.f === F_OTHER ? this.fName : F_NAMES[this.f];
  }
}

// ---------------------------------------------------------------------------------------------
// Fast path: a scanner over the bytes of one line. It handles the shapes the harness writes and
// bails out (returns false) on anything else; the caller then takes the JSON.parse path.

const BAIL = { bail: true };
const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

// Fields the scanner reads, as bits: a repeated one makes it decline the line.
const S_INDEX = 1;
const S_TIME = 2;
const S_PROCESS = 4;
const S_TYPE = 8;
const S_F = 16;
const S_VALUE = 32;
const S_ERROR = 64;
const S_REBALANCE = 128;
const S_SEEK = 256;
const REQUIRED = S_INDEX | S_TIME | S_PROCESS | S_TYPE | S_F;

class Scanner {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  /** Slice of a value kept for a lazy JSON.parse (nemesis values, rebalance-log). */
  otherS = 0;
  otherE = 0;
  rebS = -1;
  rebE = -1;

  /** Fields met so far on this line (S_* bits). */
  seen = 0;
  once(bit: number): void {
    if ((this.seen & bit) !== 0) throw BAIL;
    this.seen |= bit;
  }

  ws(): void {
    const b = this.buf;
    let p = this.pos;
    while (p < this.end && isWs(b[p])) p++;
    this.pos = p;
  }
  expect(c: number): void {
    this.ws();
    if (this.buf[this.pos] !== c || this.pos >= this.end) throw BAIL;
    this.pos++;
  }
  /** Scans a string without escapes; leaves pos after the closing quote; returns its start. */
  str(): number {
    this.ws();
    const b = this.buf;
    if (b[this.pos] !== 0x22) throw BAIL;
    const s = ++this.pos;
    let p = s;
    while (p < this.end) {
      const c = b[p];
      if (c === 0x22) {
        this.pos = p + 1;
        return s;
      }
      if (c === 0x5c || c < 0x20) throw BAIL;
      p++;
    }
    throw BAIL;
  }
  /** The last number scanned (a field, not a return value: returning large doubles boxes them). */
  numVal = 0;
  num(): void {
    this.ws();
    const b = this.buf;
    let p = this.pos;
    const s = p;
    let neg = false;
    if (b[p] === 0x2d) {
      neg = true;
      p++;
    }
    let n = 0;
    const d0 = p;
    while (p < this.end) {
      const c = b[p] - 0x30;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      p++;
    }
    if (p === d0 || (b[d0] === 0x30 && p - d0 > 1)) throw BAIL;
    const c = b[p];
    if (c === 0x2e || c === 0x65 || c === 0x45 || p - d0 > 15) {
      p = this.skipNum(s);
      this.pos = p;
      this.numVal = Number(b.toString("latin1", s, p));
      return;
    }
    this.pos = p;
    this.numVal = neg ? -n : n;
  }
  /** The end of the JSON number at p (its grammar exactly: no leading zeros, no bare `1.`). */
  skipNum(p: number): number {
    const b = this.buf;
    const e = this.end;
    if (b[p] === 0x2d) p++;
    const d0 = p;
    while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === d0 || (b[d0] === 0x30 && p - d0 > 1)) throw BAIL;
    if (p < e && b[p] === 0x2e) {
      const f0 = ++p;
      while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
      if (p === f0) throw BAIL;
    }
    if (p < e && (b[p] === 0x65 || b[p] === 0x45)) {
      p++;
      if (p < e && (b[p] === 0x2b || b[p] === 0x2d)) p++;
      const x0 = p;
      while (p < e && b[p] >= 0x30 && b[p] <= 0x39) p++;
      if (p === x0) throw BAIL;
    }
    return p;
  }
  /** The end of the JSON string starting (with its quote) at p; escapes checked, no control characters. */
  skipStr(p: number): number {
    const b = this.buf;
    const e = this.end;
    if (b[p] !== 0x22) throw BAIL;
    p++;
    while (p < e) {
      const c = b[p];
      if (c === 0x22) return p + 1;
      if (c < 0x20) throw BAIL;
      if (c === 0x5c) {
        const d = b[p + 1];
        if (d === 0x75) {
          for (let i = 2; i < 6; i++) if (!isHex(b[p + i])) throw BAIL;
          p += 6;
          continue;
        }
        if (!(d === 0x22 || d === 0x5c || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74)) throw BAIL;
        p += 2;
        continue;
      }
      p++;
    }
    throw BAIL;
  }
  private litAt(p: number, lit: string): number {
    const b = this.buf;
    for (let i = 0; i < lit.length; i++) if (b[p + i] !== lit.charCodeAt(i)) throw BAIL;
    return p + lit.length;
  }
  private readonly stack: number[] = [];
  /** Keys of the poll result being scanned. */
  private readonly pollKeys: number[] = [];
  /** Skips one JSON value, checking it against JSON's grammar (iteratively: nesting may be deep). */
  skip(): void {
    const b = this.buf;
    const e = this.end;
    const stack = this.stack;
    let depth = 0;
    let p = this.pos;
    const ws = () => {
      while (p < e && isWs(b[p])) p++;
    };
    const key = () => {
      ws();
      p = this.skipStr(p);
      ws();
      if (b[p] !== 0x3a || p >= e) throw BAIL;
      p++;
    };
    for (;;) {
      ws();
      if (p >= e) throw BAIL;
      const c = b[p];
      if (c === 0x7b || c === 0x5b) {
        const close = c === 0x7b ? 0x7d : 0x5d;
        p++;
        ws();
        if (b[p] === close && p < e) p++;
        else {
          stack[depth++] = close;
          if (close === 0x7d) key();
          continue;
        }
      } else if (c === 0x22) p = this.skipStr(p);
      else if (c === 0x74) p = this.litAt(p, "true");
      else if (c === 0x66) p = this.litAt(p, "false");
      else if (c === 0x6e) p = this.litAt(p, "null");
      else p = this.skipNum(p);
      // After a value: close what ends here, then the next element or the end.
      for (;;) {
        if (depth === 0) {
          this.pos = p;
          return;
        }
        ws();
        const d = b[p];
        if (p >= e) throw BAIL;
        if (d === 0x2c) {
          p++;
          if (stack[depth - 1] === 0x7d) key();
          break;
        }
        if (d !== stack[depth - 1]) throw BAIL;
        p++;
        depth--;
      }
    }
  }
  peek(): number {
    this.ws();
    return this.pos < this.end ? this.buf[this.pos] : -1;
  }
  eq(s: number, lit: string): boolean {
    const b = this.buf;
    if (b[s + lit.length] !== 0x22) return false;
    for (let i = 0; i < lit.length; i++) if (b[s + i] !== lit.charCodeAt(i)) return false;
    return true;
  }

  /**
   * The hot loop: a run of `[offset,value]` pairs without spaces, up to and including the closing
   * `]` of the list. Returns false, with pos at the first pair it did not take, on anything else.
   */
  pairs(p: ParsedOp, m: number, key: number): boolean {
    const b = this.buf;
    let q = this.pos;
    for (;;) {
      const at = q;
      if (b[q] !== 0x5b) {
        // Pairs taken so far stay; the general loop goes on from this one.
        this.pos = at;
        return false;
      }
      let c = b[++q];
      if (c < 0x30 || c > 0x39) {
        this.pos = at;
        return false;
      }
      let o = 0;
      const o0 = q;
      do {
        o = o * 10 + (c - 0x30);
        c = b[++q];
      } while (c >= 0x30 && c <= 0x39);
      if (c !== 0x2c || q - o0 > 15 || (b[o0] === 0x30 && q - o0 > 1)) {
        this.pos = at;
        return false;
      }
      c = b[++q];
      let neg = false;
      if (c === 0x2d) {
        neg = true;
        c = b[++q];
      }
      if (c < 0x30 || c > 0x39) {
        this.pos = at;
        return false;
      }
      let v = 0;
      const v0 = q;
      do {
        v = v * 10 + (c - 0x30);
        c = b[++q];
      } while (c >= 0x30 && c <= 0x39);
      if (c !== 0x5d || q - v0 > 15 || (b[v0] === 0x30 && q - v0 > 1)) {
        this.pos = at;
        return false;
      }
      p.addEntry(E_READ, m, key, o, neg ? -v : v);
      c = b[++q];
      if (c === 0x2c) {
        q++;
        continue;
      }
      if (c === 0x5d) {
        this.pos = q + 1;
        return true;
      }
      // Whitespace or junk after a pair: undo it and let the general loop take it from there.
      p.n--;
      this.pos = at;
      return false;
    }
  }

  /** Matches the literal `lit` at pos (no whitespace); advances past it. */
  lit(lit: string): boolean {
    const b = this.buf;
    const q = this.pos;
    for (let i = 0; i < lit.length; i++) if (b[q + i] !== lit.charCodeAt(i)) return false;
    this.pos = q + lit.length;
    return true;
  }

  /** An unsigned integer at pos without whitespace (up to 15 digits), into numVal; false if none. */
  uint(): boolean {
    const b = this.buf;
    let q = this.pos;
    let c = b[q];
    if (c < 0x30 || c > 0x39) return false;
    let n = 0;
    const q0 = q;
    do {
      n = n * 10 + (c - 0x30);
      c = b[++q];
    } while (c >= 0x30 && c <= 0x39);
    if (q - q0 > 15 || (b[q0] === 0x30 && q - q0 > 1) || c === 0x2e || c === 0x65 || c === 0x45) return false;
    this.pos = q;
    this.numVal = n;
    return true;
  }

  /**
   * The harness's own key order, `{"index":…,"time":…,"process":…,"type":"…","f":"…",` — taken in
   * one sweep. Returns false (pos unchanged) if the line starts any other way.
   */
  prefix(p: ParsedOp): boolean {
    const start = this.pos;
    if (!this.lit('{"index":') || !this.uint()) return ((this.pos = start), false);
    p.index = this.numVal;
    if (!this.lit(',"time":') || !this.uint()) return ((this.pos = start), false);
    p.time = this.numVal;
    if (!this.lit(',"process":')) return ((this.pos = start), false);
    if (this.uint()) p.process = this.numVal;
    else if (this.lit('"nemesis"')) p.nemesis = true;
    else return ((this.pos = start), false);
    if (!this.lit(',"type":"')) return ((this.pos = start), false);
    const b = this.buf;
    const c = b[this.pos];
    if (c === 0x6f && this.lit('ok"')) p.type = T_OK;
    else if (c === 0x69 && this.lit('invoke"')) p.type = T_INVOKE;
    else if (c === 0x69 && this.lit('info"')) p.type = T_INFO;
    else if (c === 0x66 && this.lit('fail"')) p.type = T_FAIL;
    else return ((this.pos = start), false);
    if (!this.lit(',"f":"')) return ((this.pos = start), false);
    const d = b[this.pos];
    if (d === 0x73 && this.lit('send"')) p.f = F_SEND;
    else if (d === 0x70 && this.lit('poll"')) p.f = F_POLL;
    else if (d === 0x74 && this.lit('txn"')) p.f = F_TXN;
    else if (d === 0x61 && this.lit('assign"')) p.f = F_ASSIGN;
    else return ((this.pos = start), false);
    // Leave pos on the comma before the next key, as the general loop expects after a value.
    return true;
  }

  line(buf: Buffer, s: number, e: number, p: ParsedOp, keys: KeyTable): boolean {
    this.buf = buf;
    this.pos = s;
    this.end = e;
    this.rebS = -1;
    this.seen = 0;
    try {
      this.object(p, keys);
      // Every required field, each once (JSON.parse would keep the last of a repeated one).
      if ((this.seen & REQUIRED) !== REQUIRED) return false;
      this.ws();
      if (this.pos !== this.end) return false;
    } catch (err) {
      if (err === BAIL) return false;
      throw err;
    }
    return true;
  }

  private object(p: ParsedOp, keys: KeyTable): void {
    if (this.prefix(p)) {
      this.seen = REQUIRED;
      const c = this.buf[this.pos++];
      if (c === 0x7d) return;
      if (c !== 0x2c) throw BAIL;
    } else {
      this.expect(0x7b);
      if (this.peek() === 0x7d) throw BAIL;
    }
    for (;;) {
      const ks = this.str();
      const klen = this.pos - 1 - ks;
      this.expect(0x3a);
      const b = this.buf;
      const c0 = b[ks];
      if (klen === 5 && c0 === 0x69 && this.eq(ks, "index")) {
        this.once(S_INDEX);
        this.num();
        p.index = this.numVal;
      }
      else if (klen === 4 && c0 === 0x74 && b[ks + 1] === 0x69 && this.eq(ks, "time")) {
        this.once(S_TIME);
        this.num();
        p.time = this.numVal;
      }
      else if (klen === 7 && c0 === 0x70 && this.eq(ks, "process")) {
        this.once(S_PROCESS);
        if (this.peek() === 0x22) {
          const s = this.str();
          if (!this.eq(s, "nemesis") || this.pos - 1 - s !== 7) throw BAIL;
          p.nemesis = true;
        } else {
          this.num();
          p.process = this.numVal;
        }
      } else if (klen === 4 && c0 === 0x74 && this.eq(ks, "type")) {
        this.once(S_TYPE);
        const s = this.str();
        const len = this.pos - 1 - s;
        const c = b[s];
        if (len === 2 && c === 0x6f && b[s + 1] === 0x6b) p.type = T_OK;
        else if (len === 6 && c === 0x69 && this.eq(s, "invoke")) p.type = T_INVOKE;
        else if (len === 4 && c === 0x69 && this.eq(s, "info")) p.type = T_INFO;
        else if (len === 4 && c === 0x66 && this.eq(s, "fail")) p.type = T_FAIL;
        else throw BAIL;
      } else if (klen === 1 && c0 === 0x66) {
        this.once(S_F);
        const s = this.str();
        const len = this.pos - 1 - s;
        const c = b[s];
        if (len === 4 && c === 0x73 && this.eq(s, "send")) p.f = F_SEND;
        else if (len === 4 && c === 0x70 && this.eq(s, "poll")) p.f = F_POLL;
        else if (len === 3 && c === 0x74 && this.eq(s, "txn")) p.f = F_TXN;
        else if (len === 6 && c === 0x61 && this.eq(s, "assign")) p.f = F_ASSIGN;
        else if (len === 9 && c === 0x73 && this.eq(s, "subscribe")) p.f = F_SUBSCRIBE;
        else if (len === 5 && c === 0x63 && this.eq(s, "crash")) p.f = F_CRASH;
        else {
          if (len === 0) throw BAIL;
          p.f = F_OTHER;
          p.fName = b.toString("utf8", s, s + len);
        }
      } else if (klen === 5 && c0 === 0x76 && this.eq(ks, "value")) {
        this.once(S_VALUE);
        this.value(p, keys);
      } else if (klen === 5 && c0 === 0x65 && this.eq(ks, "error")) {
        this.once(S_ERROR);
        if (this.peek() === 0x22) {
          const s = this.str();
          p.error = b.toString("utf8", s, this.pos - 1);
        } else {
          const s = this.pos;
          this.skip();
          p.error = JSON.stringify(JSON.parse(b.toString("utf8", s, this.pos)));
        }
      } else if (klen === 13 && this.eq(ks, "rebalance-log")) {
        this.once(S_REBALANCE);
        this.ws();
        this.rebS = this.pos;
        this.skip();
        this.rebE = this.pos;
      } else if (klen === 17 && this.eq(ks, "seek-to-beginning")) {
        this.once(S_SEEK);
        const c = this.peek();
        this.skip();
        p.seekToBeginning = c === 0x74;
      } else this.skip();
      this.ws();
      const c = this.buf[this.pos++];
      if (c === 0x2c) continue;
      if (c === 0x7d) return;
      throw BAIL;
    }
  }

  private value(p: ParsedOp, keys: KeyTable): void {
    const b = this.buf;
    this.ws();
    this.otherS = this.pos;
    if (b[this.pos] !== 0x5b) {
      this.skip();
      this.otherE = this.pos;
      p.valueKind = V_OTHER;
      return;
    }
    this.pos++;
    const c = this.peek();
    if (c === 0x5d) {
      this.pos++;
      p.valueKind = V_EMPTY;
      this.otherE = this.pos;
      return;
    }
    if (c === 0x22) {
      p.valueKind = V_STRINGS;
      for (;;) {
        const s = this.str();
        p.strs.push(b.toString("utf8", s, this.pos - 1));
        this.ws();
        const d = b[this.pos++];
        if (d === 0x2c) continue;
        if (d === 0x5d) break;
        throw BAIL;
      }
      this.otherE = this.pos;
      return;
    }
    if (c !== 0x5b) {
      this.pos = this.otherS;
      this.skip();
      this.otherE = this.pos;
      p.valueKind = V_OTHER;
      return;
    }
    p.valueKind = V_MOPS;
    let m = 0;
    for (;;) {
      this.expect(0x5b);
      const s = this.str();
      const len = this.pos - 1 - s;
      if (len === 4 && b[s] === 0x73 && this.eq(s, "send")) {
        this.expect(0x2c);
        const ks = this.str();
        const key = keys.internBytes(b, ks, this.pos - 1);
        this.expect(0x2c);
        if (this.peek() === 0x5b) {
          this.pos++;
          let off: number;
          if (this.peek() === 0x6e) {
            this.skip();
            off = NaN;
          } else {
            this.num();
            off = this.numVal;
          }
          this.expect(0x2c);
          this.num();
          const v = this.numVal;
          this.expect(0x5d);
          p.addEntry(E_SEND, m, key, off, v);
        } else {
          this.num();
          p.addEntry(E_SEND, m, key, NaN, this.numVal);
        }
        p.sendMops++;
      } else if (len === 4 && b[s] === 0x70 && this.eq(s, "poll")) {
        p.pollMops++;
        if (this.peek() === 0x2c) {
          this.pos++;
          this.expect(0x7b);
          if (this.peek() === 0x7d) this.pos++;
          else
            for (let nk = 0; ; nk++) {
              const ks = this.str();
              // JSON.parse keeps the last of a repeated key, and Object.entries puts integer-like
              // keys first: decline both (the harness writes neither).
              let digits = ks;
              while (digits < this.pos - 1 && b[digits] >= 0x30 && b[digits] <= 0x39) digits++;
              if (digits === this.pos - 1) throw BAIL;
              const key = keys.internBytes(b, ks, this.pos - 1);
              const seen = this.pollKeys;
              for (let i = 0; i < nk; i++) if (seen[i] === key) throw BAIL;
              seen[nk] = key;
              this.expect(0x3a);
              this.expect(0x5b);
              if (this.peek() === 0x5d) this.pos++;
              else if (!this.pairs(p, m, key))
                for (;;) {
                  this.expect(0x5b);
                  let off: number;
                  if (this.peek() === 0x6e) {
                    this.skip();
                    off = NaN;
                  } else {
            this.num();
            off = this.numVal;
          }
                  this.expect(0x2c);
                  this.num();
          const v = this.numVal;
                  this.expect(0x5d);
                  p.addEntry(E_READ, m, key, off, v);
                  this.ws();
                  const d = b[this.pos++];
                  if (d === 0x2c) continue;
                  if (d === 0x5d) break;
                  throw BAIL;
                }
              this.ws();
              const d = b[this.pos++];
              if (d === 0x2c) continue;
              if (d === 0x7d) break;
              throw BAIL;
            }
        }
      } else throw BAIL;
      this.expect(0x5d);
      m++;
      this.ws();
      const d = b[this.pos++];
      if (d === 0x2c) continue;
      if (d === 0x5d) break;
      throw BAIL;
    }
    p.mops = m;
    this.otherE = this.pos;
  }
}

// ---------------------------------------------------------------------------------------------
// Slow path and in-memory ops: validate a decoded object and fill the ParsedOp from it.

const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);
const show = (x: unknown): string => {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Fills p from a decoded op object, validating every field; `where` prefixes error messages. */
export function fillFromObject(o: unknown, p: ParsedOp, keys: KeyTable, where: string): void {
  p.reset();
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw malformed(where, `expected a JSON object, got ${show(o)}`);
  const op = o as Record<string, unknown>;
  if (!isInt(op.index) || op.index < 0) throw malformed(where, `"index" must be a non-negative integer, got ${show(op.index)}`);
  p.index = op.index;
  if (typeof op.time !== "number" || !Number.isFinite(op.time) || op.time < 0)
    throw malformed(where, `"time" must be a non-negative number of nanoseconds, got ${show(op.time)}`);
  p.time = op.time;
  if (op.process === "nemesis") p.nemesis = true;
  else if (isInt(op.process) && op.process >= 0) p.process = op.process;
  else throw malformed(where, `"process" must be a non-negative integer or "nemesis", got ${show(op.process)}`);
  const t = TYPE_NAMES.indexOf(op.type as never);
  if (t < 0) throw malformed(where, `"type" must be one of invoke, ok, fail, info; got ${show(op.type)}`);
  p.type = t;
  if (typeof op.f !== "string" || op.f === "") throw malformed(where, `"f" must be a non-empty string, got ${show(op.f)}`);
  const f = F_NAMES.indexOf(op.f as never);
  p.f = f < 0 ? F_OTHER : f;
  if (f < 0) p.fName = op.f;
  if (op.error !== undefined) p.error = typeof op.error === "string" ? op.error : JSON.stringify(op.error);
  p.seekToBeginning = op["seek-to-beginning"] === true;
  // Keys are interned in the order the fast scanner meets them: a list of micro-ops first, then
  // the rebalance-log, then an assign's keys (the fuzzer in fuzz.ts compares them).
  const rb = op["rebalance-log"];
  const rebalance = () => {
    if (rb !== undefined && rb !== null) p.rebalanceKeys = rebalanceKeysOf(rb, keys, where);
  };
  const value = op.value;
  if (p.nemesis || p.f === F_OTHER || p.f === F_CRASH || p.f === F_ASSIGN || p.f === F_SUBSCRIBE) rebalance();
  if (p.nemesis || p.f === F_OTHER || p.f === F_CRASH) {
    p.otherValue = value;
    return;
  }
  if (p.f === F_ASSIGN || p.f === F_SUBSCRIBE) {
    if (!Array.isArray(value) || !value.every((k) => typeof k === "string"))
      throw malformed(where, `the value of ${op.f} must be a list of keys (strings), got ${show(value)}`);
    for (const k of value) p.keyIds.push(keys.intern(k));
    return;
  }
  // send, poll, txn: a list of micro-ops.
  if (!Array.isArray(value)) throw malformed(where, `the value of ${op.f} must be a list of micro-ops, got ${show(value)}`);
  value.forEach((mop, m) => {
    const at = `${where}: micro-op ${m} (${show(mop)})`;
    if (!Array.isArray(mop) || (mop[0] !== "send" && mop[0] !== "poll")) throw malformed(at, `expected ["send", key, value] or ["poll", ...]`);
    if (mop[0] === "send") {
      if (mop.length !== 3 || typeof mop[1] !== "string") throw malformed(at, `a send is ["send", key, value] or ["send", key, [offset, value]]`);
      const key = keys.intern(mop[1]);
      const v = mop[2];
      if (isInt(v)) p.addEntry(E_SEND, m, key, NaN, v);
      else if (Array.isArray(v) && v.length === 2 && (isInt(v[0]) || v[0] === null) && isInt(v[1]))
        p.addEntry(E_SEND, m, key, v[0] === null ? NaN : v[0], v[1]);
      else throw malformed(at, `the sent value must be an integer or [offset, value] of integers`);
      p.sendMops++;
    } else {
      if (mop.length > 2) throw malformed(at, `a poll is ["poll"] or ["poll", {key: [[offset, value], ...]}]`);
      p.pollMops++;
      if (mop.length === 2) {
        const r = mop[1];
        if (typeof r !== "object" || r === null || Array.isArray(r)) throw malformed(at, `poll results must be an object {key: [[offset, value], ...]}`);
        for (const [k, pairs] of Object.entries(r)) {
          if (!Array.isArray(pairs)) throw malformed(at, `poll results for key ${show(k)} must be a list of [offset, value] pairs`);
          const key = keys.intern(k);
          for (const pair of pairs) {
            if (!Array.isArray(pair) || pair.length !== 2 || !(isInt(pair[0]) || pair[0] === null) || !isInt(pair[1]))
              throw malformed(at, `poll result ${show(pair)} for key ${show(k)} is not an [offset, value] pair of integers`);
            p.addEntry(E_READ, m, key, pair[0] === null ? NaN : pair[0], pair[1]);
          }
        }
      }
    }
  });
  p.mops = value.length;
  rebalance();
  checkMopsMatchF(p, where);
}

function rebalanceKeysOf(rb: unknown, keys: KeyTable, where: string): number[] {
  const out: number[] = [];
  const add = (k: unknown) => {
    if (typeof k === "string") out.push(keys.intern(k));
  };
  if (!Array.isArray(rb)) throw malformed(where, `"rebalance-log" must be a list of rebalance events, got ${show(rb)}`);
  for (const ev of rb) {
    if (typeof ev === "string") add(ev);
    else if (Array.isArray(ev)) ev.forEach(add);
    else if (typeof ev === "object" && ev !== null) {
      const r = ev as Record<string, unknown>;
      for (const field of ["keys", "assigned", "revoked", "lost"]) if (Array.isArray(r[field])) (r[field] as unknown[]).forEach(add);
    }
  }
  return out;
}

function checkMopsMatchF(p: ParsedOp, where: string): void {
  if (p.f === F_SEND && p.pollMops > 0) throw malformed(where, `an op with f "send" may hold only send micro-ops; use f "txn" for mixed ops`);
  if (p.f === F_POLL && p.sendMops > 0) throw malformed(where, `an op with f "poll" may hold only poll micro-ops; use f "txn" for mixed ops`);
}

/** After a fast-path scan: checks what the scanner could not, and converts the value kinds. */
function finishFast(p: ParsedOp, s: Scanner, keys: KeyTable): boolean {
  if (p.index < 0 || !Number.isInteger(p.index) || !(p.time >= 0) || !Number.isFinite(p.time) || p.type < 0 || p.f < 0) return false;
  if (!p.nemesis && (!Number.isInteger(p.process) || p.process < 0)) return false;
  if (s.rebS >= 0) {
    try {
      p.rebalanceKeys = rebalanceKeysOf(JSON.parse(s.buf.toString("utf8", s.rebS, s.rebE)), keys, "");
    } catch {
      return false;
    }
  }
  const vk = p.valueKind;
  if (p.nemesis || p.f === F_OTHER || p.f === F_CRASH) {
    if (p.n > 0) p.n = 0;
    if (vk === V_STRINGS) p.otherValue = p.strs.slice();
    else if (vk === V_EMPTY) p.otherValue = [];
    // A list of micro-ops for an op that takes none: the scanner has interned its keys already.
    else if (vk === V_MOPS) return false;
    else if (vk !== V_NONE) p.otherValue = JSON.parse(s.buf.toString("utf8", s.otherS, s.otherE));
    return true;
  }
  if (p.f === F_ASSIGN || p.f === F_SUBSCRIBE) {
    if (vk === V_EMPTY) return true;
    if (vk !== V_STRINGS) return false;
    for (const k of p.strs) p.keyIds.push(keys.intern(k));
    return true;
  }
  if (vk === V_EMPTY) return true;
  if (vk !== V_MOPS) return false;
  for (let i = p.e0; i < p.e0 + p.n; i++) {
    const o = p.offset[i];
    if (!Number.isInteger(p.value[i]) || (o === o && !Number.isInteger(o))) return false;
  }
  if ((p.f === F_SEND && p.pollMops > 0) || (p.f === F_POLL && p.sendMops > 0)) return false;
  return true;
}

/**
 * Decodes one line into a ParsedOp: through the fast scanner when it takes the line, else through
 * JSON.parse plus the validation of fillFromObject. Both paths must give the same ParsedOp for
 * every input (core/history/fuzz.ts checks this); the fast one may only decline.
 * Cross-line checks (indices, invocation pairs) are the caller's.
 */
export class LineDecoder {
  private readonly scanner = new Scanner();
  private readonly slowOnly: boolean;
  constructor(slowOnly = false) {
    this.slowOnly = slowOnly;
  }

  /**
   * Decodes buf[s, e) (line number `line`) into p. Returns true if the fast scanner took it, false
   * if JSON.parse did, null for a blank line. Throws KC_HISTORY_MALFORMED naming label(line); for
   * text that is not JSON at all, its cause is the SyntaxError.
   */
  decode(buf: Buffer, s: number, e: number, p: ParsedOp, keys: KeyTable, line: number, label: (line: number) => string): boolean | null {
    let q = s;
    while (q < e && isWs(buf[q])) q++;
    if (q === e) return null;
    p.reset();
    p.line = line;
    if (!this.slowOnly) {
      const known = keys.size;
      if (this.scanner.line(buf, s, e, p, keys) && finishFast(p, this.scanner, keys)) return true;
      keys.rollback(known);
      p.reset();
      p.line = line;
    }
    let o: unknown;
    try {
      o = JSON.parse(buf.toString("utf8", s, e));
    } catch (err) {
      throw new KcError(HISTORY_MALFORMED, `${label(line)}: not valid JSON (${(err as Error).message})`, { hint: FORMAT_HINT, cause: err });
    }
    fillFromObject(o, p, keys, label(line));
    p.line = line;
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Cross-line checks: dense indices, and each completion following its process's invocation.

interface Pending {
  active: boolean;
  f: number;
  fName: string;
  line: number;
}

export class HistoryValidator {
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly label: (line: number) => string;
  constructor(label: (line: number) => string) {
    this.label = label;
  }

  check(p: ParsedOp): void {
    if (p.index !== this.next)
      throw malformed(this.label(p.line), `"index" is ${p.index} but should be ${this.next}: indices must be 0, 1, 2, … in file order`);
    this.next++;
    if (p.nemesis) return;
    let cur = this.pending.get(p.process);
    if (p.type === T_INVOKE) {
      if (cur?.active) throw malformed(this.label(p.line), `process ${p.process} invokes a new op while its op at ${this.label(cur.line)} has not completed; a process has at most one op in flight`);
      if (!cur) this.pending.set(p.process, (cur = { active: false, f: 0, fName: "", line: 0 }));
      cur.active = true;
      cur.f = p.f;
      cur.fName = p.fName;
      cur.line = p.line;
    } else {
      if (!cur?.active) throw malformed(this.label(p.line), `${TYPE_NAMES[p.type]} completion of process ${p.process} without a preceding invocation by that process`);
      if (cur.f !== p.f || cur.fName !== p.fName)
        throw malformed(this.label(p.line), `completion has f ${JSON.stringify(p.fLabel)} but process ${p.process} invoked ${JSON.stringify(cur.f === F_OTHER ? cur.fName : F_NAMES[cur.f])} at ${this.label(cur.line)}`);
      cur.active = false;
      // A process whose op ended info is gone: forget it (processes are not reused).
      if (p.type === T_INFO) this.pending.delete(p.process);
    }
  }
}

// ---------------------------------------------------------------------------------------------

export interface ReadSummary {
  /** Ops read. */
  ops: number;
  /** Lines that went through JSON.parse rather than the fast scanner. */
  slowLines: number;
  warnings: string[];
}

export interface ReadOptions {
  /** Skip the fast scanner (for tests and benchmarks). */
  slowOnly?: boolean;
  chunkBytes?: number;
  /**
   * Decode in a worker thread while the caller's onOp runs on this one. Default: for files of
   * 48 MB or more (below that, starting the worker costs more than the overlap saves), when
   * this machine has a core to spare: at least 1.5 cores idle over 50 ms, this one included (on
   * a busy machine the hand-off between threads costs more than it overlaps: 5-9% slower with
   * the other core busy, 25-35% faster with it free, on 2 cores). The 1-minute load average
   * used before lagged: a benchmark's own file generation kept the worker off.
   */
  worker?: boolean;
}

const WORKER_MIN_BYTES = 48 << 20;

/** Cores idle over the next `ms` (from os.cpus() times), at most availableParallelism(). */
async function idleCores(ms: number): Promise<number> {
  const sum = (t: { user: number; nice: number; sys: number; idle: number; irq: number }) => t.user + t.nice + t.sys + t.idle + t.irq;
  const a = cpus();
  await sleep(ms);
  const b = cpus();
  let idle = 0;
  let all = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    idle += b[i].times.idle - a[i].times.idle;
    all += sum(b[i].times) - sum(a[i].times);
  }
  return all > 0 ? Math.min((idle / all) * b.length, availableParallelism()) : 0;
}

/**
 * Streams a history file, calling onOp for every op in order with a reused ParsedOp. Throws
 * KcError KC_HISTORY_MALFORMED naming the first bad line, KC_HISTORY_UNREADABLE if the file
 * cannot be read. A last line cut short (no newline, not valid JSON) is skipped with a warning.
 */
export async function readHistoryFile(
  path: string,
  keys: KeyTable,
  onOp: (p: ParsedOp) => void,
  opts: ReadOptions = {},
): Promise<ReadSummary> {
  if (isEdnHistory(path)) return scanEdnFile(path, keys, onOp);
  let useWorker = opts.worker;
  if (useWorker === undefined) {
    try {
      useWorker = (await stat(path)).size >= WORKER_MIN_BYTES && availableParallelism() >= 2 && (await idleCores(50)) >= 1.5;
    } catch {
      useWorker = false;
    }
  }
  return useWorker ? readViaWorker(path, keys, onOp, opts) : scanFile(path, keys, onOp, opts);
}

async function scanFile(
  path: string,
  keys: KeyTable,
  onOp: (p: ParsedOp) => void,
  opts: ReadOptions,
  afterChunk?: () => Promise<void>,
  into?: ParsedOp,
): Promise<ReadSummary> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new KcError(HISTORY_UNREADABLE, `cannot open history ${path}: ${(e as Error).message}`, {
      hint: "Pass a run directory containing history.jsonl, or the path of a history.jsonl file.",
      cause: e,
    });
  }
  const p = into ?? new ParsedOp();
  const decoder = new LineDecoder(opts.slowOnly);
  const label = (line: number) => `${path} line ${line}`;
  const validator = new HistoryValidator(label);
  const summary: ReadSummary = { ops: 0, slowLines: 0, warnings: [] };
  let lineNo = 0;
  const handle = (buf: Buffer, s: number, e: number, last: boolean) => {
    lineNo++;
    let took: boolean | null;
    try {
      took = decoder.decode(buf, s, e, p, keys, lineNo, label);
    } catch (err) {
      if (last && err instanceof KcError && err.cause instanceof SyntaxError) {
        summary.warnings.push(`ignored the last line (${lineNo}) of ${path}: it is cut short (no newline, not valid JSON), as a crash mid-write leaves it`);
        return;
      }
      throw err;
    }
    if (took === null) return;
    if (!took) summary.slowLines++;
    validator.check(p);
    summary.ops++;
    onOp(p);
  };
  try {
    let buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1 << 22);
    let carry = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, carry, buf.length - carry, null));
      } catch (e) {
        throw new KcError(HISTORY_UNREADABLE, `cannot read history ${path}: ${(e as Error).message}`, { cause: e });
      }
      const end = carry + bytesRead;
      if (bytesRead === 0) {
        if (carry > 0) handle(buf, 0, carry, true);
        break;
      }
      const view = buf.subarray(0, end);
      let s = 0;
      for (;;) {
        const nl = view.indexOf(10, s);
        if (nl < 0) break;
        handle(buf, s, nl, false);
        s = nl + 1;
      }
      carry = end - s;
      if (s === 0 && carry === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      } else if (carry > 0) buf.copy(buf, 0, s, end);
      if (afterChunk) await afterChunk();
    }
  } finally {
    await fh.close();
  }
  return summary;
}

/**
 * Reads a Jepsen history.edn: each line an op map, turned into an op of design.md and then
 * validated exactly as a history.jsonl line is (errors name the .edn file's line). The last line
 * may be cut short by a crash, as in a history.jsonl.
 */
function scanEdnFile(path: string, keys: KeyTable, onOp: (p: ParsedOp) => void): ReadSummary {
  const jepsenKeys = JepsenKeys.forFile(path);
  const p = new ParsedOp();
  const label = (line: number) => `${path} line ${line}`;
  const validator = new HistoryValidator(label);
  const summary: ReadSummary = { ops: 0, slowLines: 0, warnings: [] };
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new KcError(HISTORY_UNREADABLE, `cannot open history ${path}: ${(e as Error).message}`, {
      hint: "Pass a run directory containing history.jsonl or history.edn, or the path of one.",
      cause: e,
    });
  }
  let pending: { text: string; no: number } | undefined;
  const handle = (text: string, no: number, last: boolean) => {
    let op: Op;
    try {
      op = opFromEdnLine(text, jepsenKeys, label(no), summary.ops);
    } catch (e) {
      if (last && e instanceof KcError && /not valid EDN/.test(e.message)) {
        summary.warnings.push(`ignored the last line (${no}) of ${path}: it is cut short (not valid EDN), as a crash mid-write leaves it`);
        return;
      }
      throw e;
    }
    fillFromObject(op, p, keys, label(no));
    p.line = no;
    validator.check(p);
    summary.ops++;
    summary.slowLines++;
    onOp(p);
  };
  for (const line of ednOpLines(path)) {
    if (pending) handle(pending.text, pending.no, false);
    pending = line;
  }
  if (pending) handle(pending.text, pending.no, true);
  return summary;
}

/** Feeds in-memory ops through the same validation as the file reader. */
export function readOps(ops: Iterable<Op>, keys: KeyTable, onOp: (p: ParsedOp) => void): ReadSummary {
  const p = new ParsedOp();
  const label = (line: number) => `op ${line - 1}`;
  const validator = new HistoryValidator(label);
  let n = 0;
  for (const op of ops) {
    n++;
    fillFromObject(op, p, keys, label(n));
    p.line = n;
    validator.check(p);
    onOp(p);
  }
  return { ops: n, slowLines: n, warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// Worker pipeline. The worker runs scanFile and packs ops into columnar batches (typed arrays,
// transferred without copying); the main thread replays each batch through one ParsedOp whose
// entry arrays point into the batch (e0 = the op's first entry). At most CREDITS batches are in
// flight, so a fast reader never buffers the whole file.

const WORKER_TAG = "kc-history-reader";
const BATCH_OPS = 16384;
/** The first batch is small, so the main thread starts early. */
const FIRST_BATCH_OPS = 2048;
const CREDITS = 4;
/** Per-op fields of a batch. */
const OPW = 14;
const O_LINE = 0;
const O_INDEX = 1;
const O_TIME = 2;
const O_PROCESS = 3;
const O_NEMESIS = 4;
const O_TYPE = 5;
const O_F = 6;
const O_MOPS = 7;
const O_SENDS = 8;
const O_POLLS = 9;
const O_E0 = 10;
const O_N = 11;
const O_SEEK = 12;
const O_EXTRA = 13;

interface Extra {
  fName?: string;
  error?: string;
  keyIds?: number[];
  rebalanceKeys?: number[];
  otherValue?: unknown;
}

interface Batch {
  n: number;
  ops: Float64Array<ArrayBuffer>;
  ne: number;
  kind: Uint8Array<ArrayBuffer>;
  mop: Int32Array<ArrayBuffer>;
  key: Int32Array<ArrayBuffer>;
  offset: Float64Array<ArrayBuffer>;
  value: Float64Array<ArrayBuffer>;
  extras: Extra[];
  newKeys: string[];
  done?: ReadSummary;
  error?: { code: string; message: string; hint?: string };
}

type Recycled = Pick<Batch, "ops" | "kind" | "mop" | "key" | "offset" | "value">;

class BatchBuilder {
  b!: Batch;
  /** The ParsedOp the scanner fills: its entry arrays are this batch's. */
  readonly p: ParsedOp;
  constructor(p: ParsedOp) {
    this.p = p;
    this.reset();
  }
  /** Buffers of batches the main thread is done with, to reuse. */
  readonly free: Recycled[] = [];
  reset(): void {
    const ec = BATCH_OPS * 4;
    const p = this.p;
    const r = this.free.pop();
    p.kind = r ? r.kind : new Uint8Array(ec);
    p.mop = r ? r.mop : new Int32Array(ec);
    p.key = r ? r.key : new Int32Array(ec);
    p.offset = r ? r.offset : new Float64Array(ec);
    p.value = r ? r.value : new Float64Array(ec);
    p.base = 0;
    this.b = {
      n: 0,
      ops: r ? r.ops : new Float64Array(BATCH_OPS * OPW),
      ne: 0,
      kind: p.kind,
      mop: p.mop,
      key: p.key,
      offset: p.offset,
      value: p.value,
      extras: [],
      newKeys: [],
    };
  }
  /** Records the op just scanned into p (its entries are already in place). */
  add(p: ParsedOp): void {
    const b = this.b;
    const at = b.n * OPW;
    const o = b.ops;
    o[at + O_LINE] = p.line;
    o[at + O_INDEX] = p.index;
    o[at + O_TIME] = p.time;
    o[at + O_PROCESS] = p.process;
    o[at + O_NEMESIS] = p.nemesis ? 1 : 0;
    o[at + O_TYPE] = p.type;
    o[at + O_F] = p.f;
    o[at + O_MOPS] = p.mops;
    o[at + O_SENDS] = p.sendMops;
    o[at + O_POLLS] = p.pollMops;
    o[at + O_E0] = p.e0;
    o[at + O_N] = p.n;
    o[at + O_SEEK] = p.seekToBeginning ? 1 : 0;
    if (p.f === F_OTHER || p.error !== undefined || p.keyIds.length > 0 || p.rebalanceKeys !== null || p.otherValue !== undefined) {
      o[at + O_EXTRA] = b.extras.length;
      const x: Extra = {};
      if (p.f === F_OTHER) x.fName = p.fName;
      if (p.error !== undefined) x.error = p.error;
      if (p.keyIds.length > 0) x.keyIds = p.keyIds.slice();
      if (p.rebalanceKeys !== null) x.rebalanceKeys = p.rebalanceKeys.slice();
      if (p.otherValue !== undefined) x.otherValue = p.otherValue;
      b.extras.push(x);
    } else o[at + O_EXTRA] = -1;
    // The scanner may have grown p's arrays: they stay this batch's.
    b.kind = p.kind;
    b.mop = p.mop;
    b.key = p.key;
    b.offset = p.offset;
    b.value = p.value;
    b.ne = p.e0 + p.n;
    p.base = b.ne;
    b.n++;
  }
}

function transferList(b: Batch): ArrayBuffer[] {
  return [b.ops.buffer, b.kind.buffer, b.mop.buffer, b.key.buffer, b.offset.buffer, b.value.buffer] as ArrayBuffer[];
}

async function workerMain(path: string, opts: ReadOptions): Promise<void> {
  const port = parentPort!;
  const builder = new BatchBuilder(new ParsedOp());
  let credits = CREDITS;
  let wake: (() => void) | null = null;
  port.on("message", (m: Recycled | 1) => {
    if (m !== 1 && m.ops.length === BATCH_OPS * OPW) builder.free.push(m);
    credits++;
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const keys = new KeyTable();
  let knownKeys = 0;
  const pending: Batch[] = [];
  let sent = 0;
  const send = (b: Batch) => {
    sent++;
    b.newKeys = keys.names.slice(knownKeys);
    knownKeys = keys.names.length;
    credits--;
    port.postMessage(b, transferList(b));
  };
  try {
    const summary = await scanFile(path, keys, (p) => {
      builder.add(p);
      if (builder.b.n >= (sent === 0 ? FIRST_BATCH_OPS : BATCH_OPS)) {
        pending.push(builder.b);
        builder.reset();
      }
    }, { ...opts, worker: false }, async () => {
      while (pending.length > 0) {
        while (credits <= 0) await new Promise<void>((r) => (wake = r));
        send(pending.shift()!);
      }
    }, builder.p);
    const last = builder.b;
    last.done = summary;
    while (credits <= 0) await new Promise<void>((r) => (wake = r));
    send(last);
  } catch (e) {
    const b = builder.b;
    b.n = 0;
    b.ne = 0;
    b.error = e instanceof KcError ? { code: e.code, message: e.message, hint: e.hint } : { code: HISTORY_UNREADABLE, message: (e as Error).stack ?? String(e) };
    send(b);
  }
  port.close();
}

if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const d = workerData as { path: string; opts: ReadOptions };
  void workerMain(d.path, d.opts);
}

function readViaWorker(path: string, keys: KeyTable, onOp: (p: ParsedOp) => void, opts: ReadOptions): Promise<ReadSummary> {
  return new Promise<ReadSummary>((resolve, reject) => {
    let w: Worker;
    try {
      w = new Worker(new URL(import.meta.url), { workerData: { tag: WORKER_TAG, path, opts: { slowOnly: opts.slowOnly, chunkBytes: opts.chunkBytes } } });
    } catch {
      scanFile(path, keys, onOp, opts).then(resolve, reject);
      return;
    }
    let settled = false;
    const finish = (err: unknown, summary?: ReadSummary) => {
      if (settled) return;
      settled = true;
      void w.terminate();
      if (err) reject(err);
      else resolve(summary!);
    };
    let idMap = new Int32Array(64);
    let mapped = 0;
    const p = new ParsedOp();
    w.on("message", (b: Batch) => {
      if (settled) return;
      try {
        for (const name of b.newKeys) {
          if (mapped === idMap.length) {
            const m = new Int32Array(idMap.length * 2);
            m.set(idMap);
            idMap = m;
          }
          idMap[mapped++] = keys.intern(name);
        }
        const key = b.key;
        for (let i = 0; i < b.ne; i++) key[i] = idMap[key[i]];
        const o = b.ops;
        for (let j = 0; j < b.n; j++) {
          const at = j * OPW;
          // Every field the batch carries is set below; only the rare ones need clearing.
          if (p.keyIds.length > 0) p.keyIds.length = 0;
          if (p.rebalanceKeys !== null) p.rebalanceKeys = null;
          if (p.error !== undefined) p.error = undefined;
          if (p.otherValue !== undefined) p.otherValue = undefined;
          if (p.fName !== "") p.fName = "";
          p.line = o[at + O_LINE];
          p.index = o[at + O_INDEX];
          p.time = o[at + O_TIME];
          p.process = o[at + O_PROCESS];
          p.nemesis = o[at + O_NEMESIS] === 1;
          p.type = o[at + O_TYPE];
          p.f = o[at + O_F];
          p.mops = o[at + O_MOPS];
          p.sendMops = o[at + O_SENDS];
          p.pollMops = o[at + O_POLLS];
          p.e0 = o[at + O_E0];
          p.n = o[at + O_N];
          p.seekToBeginning = o[at + O_SEEK] === 1;
          p.kind = b.kind;
          p.mop = b.mop;
          p.key = key;
          p.offset = b.offset;
          p.value = b.value;
          const xi = o[at + O_EXTRA];
          if (xi >= 0) {
            const x = b.extras[xi];
            if (x.fName !== undefined) p.fName = x.fName;
            p.error = x.error;
            if (x.keyIds) for (const k of x.keyIds) p.keyIds.push(idMap[k]);
            if (x.rebalanceKeys) p.rebalanceKeys = x.rebalanceKeys.map((k) => idMap[k]);
            p.otherValue = x.otherValue;
          }
          onOp(p);
        }
        if (b.error) finish(new KcError(b.error.code, b.error.message, { hint: b.error.hint }));
        else if (b.done) finish(null, b.done);
        else {
          // Hand the buffers back for the next batch (p no longer looks at them).
          const back: Recycled = { ops: b.ops, kind: b.kind, mop: b.mop, key: b.key, offset: b.offset, value: b.value };
          w.postMessage(back, transferList(b));
        }
      } catch (e) {
        finish(e);
      }
    });
    w.on("error", (e) => finish(new KcError(HISTORY_UNREADABLE, `the history reader thread failed: ${e.message}`, { cause: e })));
    w.on("exit", (code) => finish(new KcError(HISTORY_UNREADABLE, `the history reader thread exited (code ${code}) before finishing ${path}`)));
  });
}
