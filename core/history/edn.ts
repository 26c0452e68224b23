// EDN (extensible data notation, the data syntax of Clojure) as far as Jepsen's history.edn uses
// it: nil, booleans, integers, floats, ratios, strings, characters, keywords, symbols, vectors,
// lists, maps, sets, tagged elements (`#jepsen.history.Op{...}`, `#inst "..."`), comments and
// `#_` discards. A reader of one form per call and a printer; nothing Kafka-specific here
// (./jepsen.ts maps Jepsen's ops onto the history format).

/** `:name` (or `:ns/name`). Compared by name. */
export class Keyword {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `:${this.name}`;
  }
}

export class EdnSymbol {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** A map: entries in the order written; keys may be any EDN value. */
export class EdnMap {
  readonly entries: [Edn, Edn][];
  constructor(entries: [Edn, Edn][] = []) {
    this.entries = entries;
  }
  /** The value under keyword `:name`, if any. */
  get(name: string): Edn | undefined {
    for (const [k, v] of this.entries) if (k instanceof Keyword && k.name === name) return v;
    return undefined;
  }
}

export class EdnSet {
  readonly items: Edn[];
  constructor(items: Edn[]) {
    this.items = items;
  }
}

/** A tagged element other than a record (`#inst`, `#uuid`, `#object`, ...). */
export class Tagged {
  readonly tag: string;
  readonly value: Edn;
  constructor(tag: string, value: Edn) {
    this.tag = tag;
    this.value = value;
  }
}

export type Edn = null | boolean | number | string | Keyword | EdnSymbol | Edn[] | EdnMap | EdnSet | Tagged;

export class EdnSyntaxError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column + 1}`);
    this.column = column;
  }
}

const isWs = (c: string) => c === " " || c === "," || c === "\n" || c === "\r" || c === "\t" || c === "\f";
const DELIMS = new Set(["(", ")", "[", "]", "{", "}", '"', ";"]);
const isTokenChar = (c: string | undefined) => c !== undefined && !isWs(c) && !DELIMS.has(c);
const CHAR_NAMES: Record<string, string> = { newline: "\n", space: " ", tab: "\t", return: "\r", backspace: "\b", formfeed: "\f" };
const CLOSE: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Reads every form of `text`; most callers want exactly one (`readEdn`). */
export function readEdnForms(text: string): Edn[] {
  const r = new EdnReader(text);
  const out: Edn[] = [];
  for (;;) {
    r.skip();
    if (r.atEnd()) return out;
    out.push(r.form());
  }
}

/** Reads the one form of `text` (a history.edn line); throws EdnSyntaxError naming the column. */
export function readEdn(text: string): Edn {
  const forms = readEdnForms(text);
  if (forms.length !== 1) throw new EdnSyntaxError(forms.length ? `expected one form, found ${forms.length}` : "no form", 0);
  return forms[0];
}

class EdnReader {
  private pos = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  private fail(msg: string, at = this.pos): never {
    throw new EdnSyntaxError(msg, at);
  }

  /** Skips whitespace (commas included), comments and `#_` discards. */
  skip(): void {
    for (;;) {
      while (this.pos < this.s.length && isWs(this.s[this.pos])) this.pos++;
      if (this.s[this.pos] === ";") {
        while (this.pos < this.s.length && this.s[this.pos] !== "\n") this.pos++;
      } else if (this.s[this.pos] === "#" && this.s[this.pos + 1] === "_") {
        this.pos += 2;
        this.skip();
        this.form();
      } else return;
    }
  }

  form(): Edn {
    this.skip();
    if (this.atEnd()) this.fail("unexpected end of input");
    const c = this.s[this.pos];
    if (c === "[" || c === "(") return this.seq(c);
    if (c === "{") return new EdnMap(this.pairs());
    if (c === '"') return this.string();
    if (c === "\\") return this.char();
    if (c === ")" || c === "]" || c === "}") this.fail(`unexpected ${c}`);
    if (c === "#") return this.dispatch();
    if (c === ":") {
      const t = this.token(this.pos + 1);
      if (!t) this.fail("a keyword needs a name");
      return new Keyword(t);
    }
    return this.atom();
  }

  private seq(open: string): Edn[] {
    const close = CLOSE[open];
    const start = this.pos++;
    const out: Edn[] = [];
    for (;;) {
      this.skip();
      if (this.atEnd()) this.fail(`${open} is never closed`, start);
      if (this.s[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.form());
    }
  }

  private pairs(): [Edn, Edn][] {
    const start = this.pos;
    const items = this.seq("{");
    if (items.length % 2) this.fail("a map needs an even number of forms", start);
    const out: [Edn, Edn][] = [];
    for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
    return out;
  }

  private dispatch(): Edn {
    const start = this.pos;
    const next = this.s[this.pos + 1];
    if (next === "{") {
      this.pos++;
      return new EdnSet(this.seq("{"));
    }
    const tag = this.token(this.pos + 1);
    if (!tag) this.fail("# must start a set, a discard or a tag", start);
    // A record literal, #jepsen.history.Op{...}, is its map.
    if (this.s[this.pos] === "{") return new EdnMap(this.pairs());
    const value = this.form();
    return new Tagged(tag, value);
  }

  /** The token starting at `from` (moves past it). */
  private token(from: number): string {
    let e = from;
    while (isTokenChar(this.s[e])) e++;
    const t = this.s.slice(from, e);
    this.pos = e;
    return t;
  }

  private atom(): Edn {
    const start = this.pos;
    const t = this.token(this.pos);
    if (t === "nil") return null;
    if (t === "true") return true;
    if (t === "false") return false;
    if (/^[+-]?\d/.test(t)) {
      let m = /^([+-]?\d+)N?$/.exec(t);
      if (m) return Number(m[1]);
      m = /^([+-]?\d+)\/(\d+)$/.exec(t);
      if (m) return Number(m[1]) / Number(m[2]);
      m = /^([+-]?\d+(\.\d*)?([eE][+-]?\d+)?)M?$/.exec(t);
      if (m) return Number(m[1]);
      this.fail(`${JSON.stringify(t)} is not a number`, start);
    }
    return new EdnSymbol(t);
  }

  private string(): string {
    const start = this.pos++;
    let out = "";
    for (;;) {
      if (this.atEnd()) this.fail("a string is never closed", start);
      const c = this.s[this.pos++];
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.s[this.pos++];
      if (e === "n") out += "\n";
      else if (e === "t") out += "\t";
      else if (e === "r") out += "\r";
      else if (e === "b") out += "\b";
      else if (e === "f") out += "\f";
      else if (e === '"' || e === "\\") out += e;
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.pos, this.pos + 4))) {
        out += String.fromCharCode(parseInt(this.s.slice(this.pos, this.pos + 4), 16));
        this.pos += 4;
      } else this.fail(`unknown escape \\${e ?? ""} in a string`, this.pos - 2);
    }
  }

  private char(): string {
    const start = this.pos;
    // One character always (`\(`), then a name if letters follow (`\newline`).
    let e = this.pos + 2;
    while (isTokenChar(this.s[e])) e++;
    const t = this.s.slice(this.pos + 1, e);
    this.pos = e;
    if (t.length === 1) return t;
    if (t in CHAR_NAMES) return CHAR_NAMES[t];
    if (/^u[0-9a-fA-F]{4}$/.test(t)) return String.fromCharCode(parseInt(t.slice(1), 16));
    this.fail(`unknown character \\${t}`, start);
  }
}

/** Names printed as keywords; anything else (a "/" or ":" included) stays a string key. */
const KEYWORD_NAME = /^[A-Za-z*+!_?<>=][A-Za-z0-9*+!_?<>=.\-']*$/;
const FRACTIONAL = /[.eE]/;

/** EDN text of a value; plain JS objects print as maps, with keyword keys where the name allows. */
export function printEdn(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return "nil";
    const s = String(v);
    return Number.isInteger(v) || FRACTIONAL.test(s) ? s : `${s}.0`;
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Keyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return `[${v.map(printEdn).join(" ")}]`;
  if (v instanceof EdnMap) return `{${v.entries.map(([k, x]) => `${printEdn(k)} ${printEdn(x)}`).join(", ")}}`;
  if (v instanceof EdnSet) return `#{${v.items.map(printEdn).join(" ")}}`;
  if (v instanceof Tagged) return `#${v.tag} ${printEdn(v.value)}`;
  if (typeof v === "object") {
    const parts = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${KEYWORD_NAME.test(k) ? `:${k}` : JSON.stringify(k)} ${printEdn(x)}`);
    return `{${parts.join(", ")}}`;
  }
  return JSON.stringify(String(v));
}

/**
 * The JSON-shaped equivalent of an EDN value: keywords and symbols become their names, vectors,
 * lists and sets arrays, maps objects (keys printed when they are not strings or keywords),
 * tagged elements their value.
 */
export function ednToJson(v: Edn): unknown {
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return v.map(ednToJson);
  if (v instanceof EdnSet) return v.items.map(ednToJson);
  if (v instanceof Tagged) return ednToJson(v.value);
  if (v instanceof EdnMap) return Object.fromEntries(v.entries.map(([k, x]) => [ednKeyName(k), ednToJson(x)]));
  return v;
}

/** A map key as a JSON object key. */
export function ednKeyName(k: Edn): string {
  if (typeof k === "string") return k;
  if (k instanceof Keyword || k instanceof EdnSymbol) return k.name;
  return printEdn(k);
}
