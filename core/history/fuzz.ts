// A differential fuzzer for the history reader's fast scanner. Its oracle is the plain path:
// JSON.parse plus fillFromObject's validation (LineDecoder with slowOnly). For every input line
// both decoders run on their own key tables; the fast one must give the same ParsedOp (or the
// same error), and neither may throw anything but a KcError. The fast decoder falls back to the
// oracle whenever its scanner declines a line, so any difference is a line the scanner took and
// got wrong.
//
// Inputs are seeded: lines of the correct-Kafka model, ops built at random and written with
// unusual but valid JSON (whitespace, escapes, number spellings, duplicate keys, integer-like
// keys, deep nesting, huge values), and byte-level mutations of both (flips, inserts, deletes,
// truncation, splices, edge numbers).

import { KcError } from "../errors.ts";
import { Rng } from "../rng.ts";
import { KeyTable, LineDecoder, ParsedOp } from "./reader.ts";

export interface FuzzOptions {
  seed: number;
  inputs: number;
  /** Stop after this many disagreements (default 20). */
  maxFindings?: number;
}

export interface Finding {
  input: number;
  source: string;
  line: string;
  fast: string;
  oracle: string;
}

export interface FuzzReport {
  inputs: number;
  /** Lines the fast scanner took (and agreed on). */
  fast: number;
  /** Lines the scanner declined, decoded by the oracle. */
  fellBack: number;
  /** Lines both rejected with the same error. */
  rejected: number;
  /** Inputs per source (generator or mutation). */
  sources: Record<string, number>;
  findings: Finding[];
  /** The slowest single input (ms), to spot inputs that make the scanner crawl. */
  slowestMs: number;
  seconds: number;
}

type Outcome = { kind: "op"; text: string; fast: boolean | null } | { kind: "error"; text: string } | { kind: "crash"; text: string };

/** A plain record of a ParsedOp, with key names instead of ids; -0 kept apart from 0. */
function describe(p: ParsedOp, keys: KeyTable): string {
  const names = (ids: readonly number[] | null) => (ids === null ? null : ids.map((k) => keys.names[k]));
  const entries: unknown[] = [];
  for (let i = p.e0; i < p.e0 + p.n; i++) entries.push([p.kind[i], p.mop[i], keys.names[p.key[i]], num(p.offset[i]), num(p.value[i])]);
  return JSON.stringify({
    index: num(p.index),
    time: num(p.time),
    process: p.nemesis ? "nemesis" : num(p.process),
    type: p.type,
    f: p.fLabel,
    mops: [p.mops, p.sendMops, p.pollMops],
    entries,
    keyIds: names(p.keyIds),
    rebalance: names(p.rebalanceKeys),
    seek: p.seekToBeginning,
    error: p.error ?? null,
    other: p.otherValue === undefined ? "<undefined>" : canonical(p.otherValue),
    // Both paths must intern the same keys in the same order (a declined line leaves none behind).
    keys: keys.names,
  });
}

const num = (x: number): number | string => (Object.is(x, -0) ? "-0" : Number.isNaN(x) ? "NaN" : Number.isFinite(x) ? x : String(x));

/** A decoded JSON value as text, with -0 marked (JSON.stringify loses it); deep nesting allowed. */
function canonical(v: unknown): string {
  try {
    return JSON.stringify(v, (_, x: unknown) => (typeof x === "number" ? num(x) : x));
  } catch (e) {
    return `<not printable: ${(e as Error).message}>`;
  }
}

function run(decoder: LineDecoder, buf: Buffer, s: number, e: number): Outcome {
  const keys = new KeyTable();
  const p = new ParsedOp();
  try {
    const fast = decoder.decode(buf, s, e, p, keys, 1, (l) => `line ${l}`);
    return { kind: "op", text: fast === null ? "<blank>" : describe(p, keys), fast };
  } catch (e) {
    if (e instanceof KcError) return { kind: "error", text: `${e.code}: ${e.message}` };
    return { kind: "crash", text: (e as Error).stack ?? String(e) };
  }
}

// --- valid ops, written with unusual JSON ---------------------------------------------------

const KEYS = ["t0/0", "t1/2", "t3/1", "a b/1", "ü/3", "t\"q/1", "0", "12", "4294967294", "-1", "__proto__", "", "t0/0\u0000", "\ud83d\ude00/1"];
const F_ALL = ["send", "poll", "txn", "assign", "subscribe", "crash", "start-partition", "log-ends", "debug-topic-partitions", ""];
const TYPES = ["invoke", "ok", "fail", "info"];

function edgeInt(r: Rng): number {
  return r.pick([0, 1, 9, 10, 99, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e15, 1e15 - 1, 1e16, 999999999999999, 1e21, r.int(1000), r.int(1e9)]);
}
function someInt(r: Rng): number {
  const x = r.next() < 0.7 ? r.int(5000) : edgeInt(r);
  return r.next() < 0.1 ? -x : x;
}
function someNumber(r: Rng): number {
  const k = r.int(10);
  if (k < 6) return someInt(r);
  if (k === 6) return r.pick([0.5, -0, 1e-7, 1.5e300, 5e-324, 1.7976931348623157e308, 0.1]);
  return r.between(-1e6, 1e6);
}

function someJson(r: Rng, depth: number): unknown {
  const k = r.int(depth > 6 ? 5 : 8);
  if (k === 0) return null;
  if (k === 1) return r.next() < 0.5;
  if (k === 2) return someNumber(r);
  if (k === 3 || k === 4) return someString(r);
  if (k === 5 || k === 6) return Array.from({ length: r.int(4) }, () => someJson(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = r.int(4); i > 0; i--) o[r.pick(["target", "nodes", "what", "k", "value", "0", "1", ""])] = someJson(r, depth + 1);
  return o;
}

function someString(r: Rng): string {
  const k = r.int(8);
  if (k === 0) return "";
  if (k === 1) return "x".repeat(r.int(70000));
  if (k === 2) return String.fromCharCode(...Array.from({ length: 1 + r.int(6) }, () => r.int(0x80)));
  if (k === 3) return r.pick(["é", "\u2028", "\ud83d\ude00", "\ud800", "\\", "\"", "/", "nemesis", "ok"]);
  return r.pick(["timeout", "The coordinator is loading", "boom", "t0/0", "a"]);
}

function someMops(r: Rng, f: string): unknown[] {
  const n = r.int(r.next() < 0.05 ? 40 : 4) + (f === "txn" ? 1 : 0);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const send = f === "send" ? true : f === "poll" ? false : r.next() < 0.5;
    if (send) {
      const v = someInt(r);
      out.push(["send", r.pick(KEYS), r.next() < 0.5 ? v : [r.next() < 0.1 ? null : someInt(r), v]]);
    } else if (r.next() < 0.3) out.push(["poll"]);
    else {
      const res: Record<string, unknown> = {};
      for (let j = r.int(4); j > 0; j--) {
        const len = r.next() < 0.05 ? 2000 : r.int(6);
        const base = r.next() < 0.9 ? r.int(1e6) : edgeInt(r);
        res[r.pick(KEYS)] = Array.from({ length: len }, (_, x) => [r.next() < 0.02 ? null : base + x, someInt(r)]);
      }
      out.push(["poll", res]);
    }
  }
  return out;
}

/** An op object (valid or nearly so), with its fields in a random order. */
function someOp(r: Rng): Record<string, unknown> {
  const f = r.next() < 0.8 ? r.pick(["send", "poll", "txn", "assign"]) : r.pick(F_ALL);
  const nemesis = f !== "send" && f !== "poll" && f !== "txn" && f !== "assign" && f !== "subscribe" && r.next() < 0.6;
  const op: Record<string, unknown> = {
    index: r.next() < 0.9 ? r.int(1e7) : someNumber(r),
    time: r.next() < 0.9 ? r.int(1e12) : someNumber(r),
    process: nemesis ? "nemesis" : r.next() < 0.95 ? r.int(64) : someJson(r, 5),
    type: r.next() < 0.97 ? r.pick(TYPES) : someString(r),
    f,
  };
  if (f === "send" || f === "poll" || f === "txn") op.value = r.next() < 0.97 ? someMops(r, f) : someJson(r, 3);
  else if (f === "assign" || f === "subscribe") op.value = r.next() < 0.95 ? Array.from({ length: r.int(5) }, () => r.pick(KEYS)) : someJson(r, 3);
  else op.value = someJson(r, 0);
  if (r.next() < 0.1) op.error = r.next() < 0.7 ? someString(r) : someJson(r, 4);
  if (r.next() < 0.05) op["rebalance-log"] = r.next() < 0.8 ? [{ keys: [r.pick(KEYS)], assigned: [r.pick(KEYS)] }, r.pick(KEYS), [r.pick(KEYS)]] : someJson(r, 3);
  if (r.next() < 0.05) op["seek-to-beginning"] = r.next() < 0.7 ? r.next() < 0.5 : someJson(r, 5);
  if (r.next() < 0.1) op[r.pick(["node", "unseen", "x", "value2", "valu"])] = someJson(r, 0);
  const entries = Object.entries(op);
  return Object.fromEntries(r.next() < 0.5 ? entries : r.shuffle(entries));
}

/** Writes v as JSON, in one of many spellings JSON.parse reads the same way. */
class Writer {
  private readonly r: Rng;
  private readonly odd: number;
  constructor(r: Rng) {
    this.r = r;
    // Most lines are written plainly, as the harness writes them; the rest with oddities.
    this.odd = r.next() < 0.4 ? 0 : r.next() * 0.5;
  }
  private ws(): string {
    return this.r.next() < this.odd ? this.r.pick([" ", "\t", "\r", "\n", "  ", " \t"]) : "";
  }
  private num(x: number): string {
    const plain = JSON.stringify(x) ?? "null";
    if (Object.is(x, -0)) return "-0";
    if (this.r.next() >= this.odd || !Number.isInteger(x)) return plain;
    return this.r.pick([plain, `${x}.0`, `${x}e0`, `${x}E+0`, `${x * 10}e-1`, x !== 0 && x % 1000 === 0 ? `${x / 1000}e3` : plain, `${x}.000`]);
  }
  private str(s: string): string {
    if (this.r.next() >= this.odd) return JSON.stringify(s);
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      if (ch === '"' || ch === "\\" || c < 0x20 || this.r.next() < 0.3) {
        out += c > 0xffff ? JSON.stringify(ch).slice(1, -1) : this.r.pick([`\\u${c.toString(16).padStart(4, "0")}`, `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`]);
      } else if (ch === "/" && this.r.next() < 0.5) out += "\\/";
      else out += ch;
    }
    return `${out}"`;
  }
  write(v: unknown): string {
    const w = () => this.ws();
    if (v === null || typeof v === "boolean") return String(v);
    if (typeof v === "number") return this.num(v);
    if (typeof v === "string") return this.str(v);
    if (Array.isArray(v)) return `[${w()}${v.map((x) => `${w()}${this.write(x)}${w()}`).join(",")}${w()}]`;
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // A duplicate key, read as the last one by JSON.parse: a decoy before the real value.
      if (this.r.next() < this.odd * 0.3) parts.push(`${w()}${this.str(k)}${w()}:${w()}${this.write(this.decoy(k, x))}${w()}`);
      parts.push(`${w()}${this.str(k)}${w()}:${w()}${this.write(x)}${w()}`);
    }
    return `{${parts.join(",")}${w()}}`;
  }
  private decoy(k: string, x: unknown): unknown {
    if (k === "value" && Array.isArray(x)) return [...x, ["send", "decoy/0", 7]];
    if (typeof x === "number") return x + 1;
    if (Array.isArray(x)) return [...x, x[0] ?? 1];
    if (typeof x === "string") return `${x}-decoy`;
    return this.r.next() < 0.5 ? null : [1];
  }
}

// --- byte-level mutations -------------------------------------------------------------------

const TOKENS = ['"', "{", "}", "[", "]", ",", ":", "\\", " ", "-", "0", "9", "e", "E", ".", "+", "t", "f", "n", "\t", "\r", "\u0000", "\u007f", "é", "01", "1.", ".5", "-0", "1e400", "-1e400", "9007199254740993", "123456789012345678", "NaN", "Infinity", "true", "nul", "tru", "[]", "{}", "null", '"x"', '\\u0041', '\\ud800', "\\x", "\ufeff", '"value":', '"index":', '"type":"ok"', '"f":"txn"', '["send","t0/0",1]', '["poll",{"t0/0":[[1,2]]}]', "[[", "]]", "}}"];

function mutate(r: Rng, line: Buffer): { buf: Buffer; how: string } {
  const k = r.int(9);
  const at = r.int(line.length + 1);
  const tok = () => Buffer.from(r.pick(TOKENS));
  switch (k) {
    case 0: {
      const b = Buffer.from(line);
      if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << r.int(8);
      return { buf: b, how: "flip" };
    }
    case 1:
      return { buf: Buffer.concat([line.subarray(0, at), tok(), line.subarray(at)]), how: "insert" };
    case 2:
      return { buf: Buffer.concat([line.subarray(0, at), line.subarray(Math.min(line.length, at + 1 + r.int(4)))]), how: "delete" };
    case 3:
      return { buf: line.subarray(0, at), how: "truncate" };
    case 4: {
      const b = r.int(line.length + 1);
      return { buf: Buffer.concat([line.subarray(0, at), line.subarray(Math.min(at, b), Math.max(at, b)), line.subarray(at)]), how: "splice" };
    }
    case 5:
      return { buf: Buffer.concat([line.subarray(0, at), tok(), line.subarray(Math.min(line.length, at + 1 + r.int(3)))]), how: "replace" };
    case 6: {
      // Replace one number with an edge spelling.
      const text = line.toString("latin1");
      const nums = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
      if (nums.length === 0) return { buf: line, how: "number" };
      const m = r.pick(nums);
      const edge = r.pick(["01", "1.", "-0", "1e400", "1E2", "1.5", "9007199254740993", "123456789012345678901234", "0.0", "-", "1e", "2e-1", "1e1", "00", "-01", "1.0e+3", "4294967296"]);
      return { buf: Buffer.from(text.slice(0, m.index) + edge + text.slice(m.index! + m[0].length), "latin1"), how: "number" };
    }
    case 7: {
      // Deep nesting at a random point.
      const d = 1 + r.int(r.next() < 0.1 ? 5000 : 40);
      return { buf: Buffer.concat([line.subarray(0, at), Buffer.from("[".repeat(d) + "]".repeat(d)), line.subarray(at)]), how: "nest" };
    }
    default: {
      // Two mutations.
      const once = mutate(r, line);
      return { buf: mutate(r, once.buf).buf, how: "double" };
    }
  }
}

// --- the loop --------------------------------------------------------------------------------

/** Realistic lines: the harness's own shape, one op of the correct-Kafka model's kind. */
function harnessLine(r: Rng): string {
  const op = someOp(r);
  const order = ["index", "time", "process", "type", "f", "value"];
  const o: Record<string, unknown> = {};
  for (const k of order) if (k in op) o[k] = op[k];
  for (const k of Object.keys(op)) if (!(k in o)) o[k] = op[k];
  return JSON.stringify(o);
}

export function fuzzLines(opts: FuzzOptions): FuzzReport {
  const r = new Rng(opts.seed);
  const fastDecoder = new LineDecoder(false);
  const oracle = new LineDecoder(true);
  const report: FuzzReport = { inputs: 0, fast: 0, fellBack: 0, rejected: 0, sources: {}, findings: [], slowestMs: 0, seconds: 0 };
  const max = opts.maxFindings ?? 20;
  const t0 = performance.now();
  for (let i = 0; i < opts.inputs && report.findings.length < max; i++) {
    let source: string;
    let buf: Buffer;
    const k = r.next();
    if (k < 0.3) {
      source = "harness-shape";
      buf = Buffer.from(harnessLine(r));
    } else if (k < 0.55) {
      source = "odd-json";
      buf = Buffer.from(new Writer(r).write(someOp(r)));
    } else {
      const base = Buffer.from(r.next() < 0.6 ? harnessLine(r) : new Writer(r).write(someOp(r)));
      const m = mutate(r, base);
      source = `mutation:${m.how}`;
      buf = m.buf;
    }
    report.sources[source] = (report.sources[source] ?? 0) + 1;
    report.inputs++;
    // The reader decodes lines in place in a larger buffer, whose bytes past the line's end are
    // the next line's or stale: the scanner must never read them as part of this one.
    const before = r.next() < 0.5 ? Buffer.from(r.pick(TOKENS) + "\n") : Buffer.alloc(0);
    const after = r.next() < 0.5 ? Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.pick(["1", "0", ",", "]", "}", '"', "e", " ", "\n", "x"])).join("")) : Buffer.alloc(0);
    const framed = Buffer.concat([before, buf, after]);
    const t = performance.now();
    const a = run(fastDecoder, framed, before.length, before.length + buf.length);
    const ms = performance.now() - t;
    if (ms > report.slowestMs) report.slowestMs = ms;
    const b = run(oracle, buf, 0, buf.length);
    const agree = a.kind !== "crash" && b.kind !== "crash" && a.kind === b.kind && a.text === b.text;
    if (!agree) {
      report.findings.push({ input: i, source, line: buf.toString("utf8").slice(0, 2000), fast: a.text.slice(0, 2000), oracle: b.text.slice(0, 2000) });
      continue;
    }
    if (a.kind === "error") report.rejected++;
    else if (a.fast) report.fast++;
    else report.fellBack++;
  }
  report.seconds = (performance.now() - t0) / 1e3;
  return report;
}
