// Jepsen's Kafka history (history.edn: one op map per line, as jepsen.store writes it) to and
// from the history format of docs/design.md. The shapes are the same — invoke/ok/fail/info ops
// whose values are [:send k v] / [:poll {k [[offset v] ...]}] micro-ops — but Jepsen's keys
// are integers, its types and functions keywords, its nemesis process `:nemesis`, and assign's
// flag `:seek-to-beginning?`.
//
// Keys: Jepsen's Kafka clients map integer key k to topic "t(k div 2)", partition k mod 2, and
// kafka-chaos's default workload names its keys the same way ("t3/1" is key 7), so histories of
// either tool move across unchanged. Keys outside that scheme are numbered in sorted order and
// the table is written beside the .edn file (<file>.keys.json), where the reader finds it again.

import { existsSync, readFileSync } from "node:fs";
import { KcError } from "../errors.ts";
import { EdnMap, EdnSyntaxError, Keyword, ednKeyName, ednToJson, printEdn, readEdn, type Edn } from "./edn.ts";
import { HISTORY_MALFORMED, type Key, type Op } from "./op.ts";

const EDN_HINT =
  "Each line of a history.edn must be one Jepsen op map, e.g. {:index 0, :time 0, :type :invoke, :process 0, :f :send, :value [[:send 3 1]]}; keys and values are integers. Fix or delete the line.";
const bad = (where: string, problem: string) => new KcError(HISTORY_MALFORMED, `${where}: ${problem}`, { hint: EDN_HINT });

const CONVENTION = /^t(\d+)\/([01])$/;

/** The key table of an .edn file: its side file, if one was written. */
export const keyTablePath = (ednPath: string) => `${ednPath}.keys.json`;

/** Integer keys ↔ kafka-chaos keys: Jepsen's t(k div 2)/(k mod 2), or an explicit table. */
export class JepsenKeys {
  private readonly byInt?: Map<number, Key>;
  private readonly byKey?: Map<Key, number>;

  constructor(table?: Record<string, Key>) {
    if (!table) return;
    this.byInt = new Map(Object.entries(table).map(([i, k]) => [Number(i), k]));
    this.byKey = new Map([...this.byInt].map(([i, k]) => [k, i]));
  }

  /** Jepsen's scheme when every key fits it, else keys numbered 0, 1, ... in sorted order. */
  static forKeys(keys: Iterable<Key>): JepsenKeys {
    const all = [...new Set(keys)].sort();
    if (all.every((k) => CONVENTION.test(k))) return new JepsenKeys();
    return new JepsenKeys(Object.fromEntries(all.map((k, i) => [String(i), k])));
  }

  /** The keys of an .edn file: from its side table if there is one, else Jepsen's scheme. */
  static forFile(ednPath: string): JepsenKeys {
    const side = keyTablePath(ednPath);
    if (!existsSync(side)) return new JepsenKeys();
    let table: unknown;
    try {
      table = JSON.parse(readFileSync(side, "utf8"));
    } catch (e) {
      throw new KcError(HISTORY_MALFORMED, `${side} is not valid JSON: ${(e as Error).message}`, {
        hint: `It maps the integer keys of ${ednPath} to topic/partition keys, {"0": "orders/0", ...}; fix it, or delete it to read the keys as Jepsen's t(k div 2)/(k mod 2).`,
      });
    }
    if (typeof table !== "object" || table === null || Array.isArray(table) || !Object.entries(table).every(([i, k]) => /^\d+$/.test(i) && typeof k === "string"))
      throw new KcError(HISTORY_MALFORMED, `${side} must map integer keys to key names, {"0": "orders/0", ...}`, { hint: "Fix it, or delete it to read the keys as Jepsen's t(k div 2)/(k mod 2)." });
    return new JepsenKeys(table as Record<string, Key>);
  }

  /** The table to write beside an exported file, or undefined under Jepsen's scheme. */
  get table(): Record<string, Key> | undefined {
    return this.byInt && Object.fromEntries([...this.byInt].map(([i, k]) => [String(i), k]));
  }

  /** A Jepsen key (integer; a keyword or string names the key itself) as a kafka-chaos key. */
  keyOf(x: Edn, where: string): Key {
    if (typeof x === "number" && Number.isInteger(x) && x >= 0) {
      if (!this.byInt) return `t${Math.floor(x / 2)}/${x % 2}`;
      const k = this.byInt.get(x);
      if (k === undefined) throw bad(where, `key ${x} is not in the file's key table`);
      return k;
    }
    if (x instanceof Keyword || typeof x === "string") return ednKeyName(x);
    throw bad(where, `a key must be a non-negative integer (or a keyword), got ${printEdn(x)}`);
  }

  intOf(key: Key): number {
    if (this.byKey) {
      const i = this.byKey.get(key);
      if (i === undefined) throw new KcError("KC_INTERNAL", `key ${key} missing from the export's key table`);
      return i;
    }
    const m = CONVENTION.exec(key);
    if (!m) throw new KcError("KC_INTERNAL", `key ${key} does not fit t(k div 2)/(k mod 2)`);
    return Number(m[1]) * 2 + Number(m[2]);
  }
}

// ---------------------------------------------------------------------------------------------
// Jepsen → kafka-chaos

const MOP_FS = new Set(["send", "poll", "txn"]);
const KEY_LIST_FS = new Set(["assign", "subscribe"]);
/** Functions whose value maps keys to numbers (log ends, committed offsets): integer keys in EDN. */
const KEY_MAP_FS = new Set(["log-ends", "stable-ends", "commit"]);

/** One history.edn line as an op of design.md (validated afterwards like any JSON op). */
export function opFromEdnLine(line: string, keys: JepsenKeys, where: string, index: number): Op {
  let form: Edn;
  try {
    form = readEdn(line);
  } catch (e) {
    if (e instanceof EdnSyntaxError) throw bad(where, `not valid EDN (${e.message})`);
    throw e;
  }
  if (!(form instanceof EdnMap)) throw bad(where, `expected an op map {...}, got ${printEdn(form).slice(0, 80)}`);
  const op: Record<string, unknown> = {};
  for (const [k, v] of form.entries) {
    const name = ednKeyName(k);
    if (name === "seek-to-beginning?") op["seek-to-beginning"] = v;
    else if (name === "error") op.error = typeof v === "string" ? v : printEdn(v);
    else if (name === "rebalance-log") op[name] = rebalanceLog(v, keys, where);
    else if (name === "unseen" && v instanceof EdnMap) op[name] = Object.fromEntries(v.entries.map(([k, x]) => [keys.keyOf(k, where), ednToJson(x)]));
    else if (name !== "value") op[name] = ednToJson(v);
  }
  if (op.index === undefined) op.index = index;
  const f = op.f;
  const value = form.get("value");
  if (op.process === "nemesis") op.value = ednToJson(value ?? null);
  else if (typeof f === "string" && MOP_FS.has(f)) op.value = Array.isArray(value) ? value.map((m, i) => mopOf(m, keys, `${where}: micro-op ${i}`)) : ednToJson(value ?? null);
  else if (typeof f === "string" && KEY_LIST_FS.has(f)) op.value = Array.isArray(value) ? value.map((k) => keys.keyOf(k, where)) : ednToJson(value ?? null);
  else if (typeof f === "string" && KEY_MAP_FS.has(f)) op.value = keyMapOf(value ?? null, keys, where);
  else op.value = ednToJson(value ?? null);
  return op as Op;
}

function mopOf(m: Edn, keys: JepsenKeys, where: string): unknown {
  if (!Array.isArray(m) || !(m[0] instanceof Keyword)) return ednToJson(m);
  const f = m[0].name;
  if (f === "send" && m.length === 3) {
    const v = m[2];
    return ["send", keys.keyOf(m[1], where), Array.isArray(v) ? v.map(ednToJson) : ednToJson(v)];
  }
  if (f === "poll" && m.length === 2 && m[1] instanceof EdnMap)
    return ["poll", Object.fromEntries(m[1].entries.map(([k, pairs]) => [keys.keyOf(k, where), ednToJson(pairs)]))];
  if (f === "poll" && m.length === 2 && m[1] === null) return ["poll"];
  return ednToJson(m);
}

function rebalanceLog(v: Edn, keys: JepsenKeys, where: string): unknown {
  if (!Array.isArray(v)) return ednToJson(v);
  return v.map((ev) => {
    if (!(ev instanceof EdnMap)) return ednToJson(ev);
    return Object.fromEntries(ev.entries.map(([k, x]) => [ednKeyName(k), Array.isArray(x) ? x.map((y) => keys.keyOf(y, where)) : ednToJson(x)]));
  });
}

/** A log-ends or commit value: a list of keys, or keys mapped to offsets. */
function keyMapOf(v: Edn, keys: JepsenKeys, where: string): unknown {
  if (Array.isArray(v)) return v.map((k) => keys.keyOf(k, where));
  if (v instanceof EdnMap) return Object.fromEntries(v.entries.map(([k, x]) => [keys.keyOf(k, where), ednToJson(x)]));
  return ednToJson(v);
}

// ---------------------------------------------------------------------------------------------
// kafka-chaos → Jepsen

const kw = (name: string) => new Keyword(name);
const FIRST = ["index", "time", "type", "process", "f", "value"];

/** One op of design.md as a history.edn line (no newline). */
export function opToEdnLine(op: Op, keys: JepsenKeys): string {
  const entries: [Edn, Edn][] = [
    [kw("index"), op.index],
    [kw("time"), op.time],
    [kw("type"), kw(op.type)],
    [kw("process"), op.process === "nemesis" ? kw("nemesis") : op.process],
    [kw("f"), kw(op.f)],
    [kw("value"), valueToEdn(op, keys)],
  ];
  for (const [k, v] of Object.entries(op)) {
    if (FIRST.includes(k) || v === undefined) continue;
    if (k === "seek-to-beginning") entries.push([kw("seek-to-beginning?"), v as Edn]);
    else if (k === "rebalance-log" && Array.isArray(v)) entries.push([kw(k), v.map((ev) => rebalanceEventToEdn(ev, keys))]);
    else if (k === "unseen" && typeof v === "object" && v !== null && !Array.isArray(v)) entries.push([kw(k), new EdnMap(Object.entries(v).map(([key, x]) => [keys.intOf(key), jsonToEdn(x)]))]);
    else entries.push([kw(k), jsonToEdn(v)]);
  }
  return printEdn(new EdnMap(entries));
}

function valueToEdn(op: Op, keys: JepsenKeys): Edn {
  const v = op.value;
  if (op.process !== "nemesis" && MOP_FS.has(op.f) && Array.isArray(v)) {
    return v.map((m: unknown) => {
      if (!Array.isArray(m)) return jsonToEdn(m);
      if (m[0] === "send") return [kw("send"), keys.intOf(m[1] as Key), jsonToEdn(m[2])];
      if (m[0] === "poll" && m.length === 2)
        return [kw("poll"), new EdnMap(Object.entries(m[1] as Record<Key, unknown>).map(([k, pairs]) => [keys.intOf(k), jsonToEdn(pairs)]))];
      return [kw(String(m[0]))];
    });
  }
  if (op.process !== "nemesis" && (KEY_LIST_FS.has(op.f) || KEY_MAP_FS.has(op.f)) && Array.isArray(v)) return v.map((k: unknown) => keys.intOf(k as Key));
  if (KEY_MAP_FS.has(op.f) && v && typeof v === "object") return new EdnMap(Object.entries(v).map(([k, x]) => [keys.intOf(k), jsonToEdn(x)]));
  return jsonToEdn(v);
}

function rebalanceEventToEdn(ev: unknown, keys: JepsenKeys): Edn {
  if (Array.isArray(ev)) return ev.map((k) => keys.intOf(k as Key));
  if (!ev || typeof ev !== "object") return jsonToEdn(ev);
  return new EdnMap(Object.entries(ev).map(([k, x]) => [kw(k), Array.isArray(x) ? x.map((y) => (typeof y === "string" ? keys.intOf(y) : jsonToEdn(y))) : jsonToEdn(x)]));
}

/** JSON data as EDN: objects become maps (printEdn picks keyword or string keys). */
function jsonToEdn(v: unknown): Edn {
  if (Array.isArray(v)) return v.map(jsonToEdn);
  if (v && typeof v === "object") return v as unknown as Edn; // printed as a map by printEdn
  return (v ?? null) as Edn;
}

/** Every key an op names (for choosing the export's key scheme). */
export function keysOfOp(op: Op): Key[] {
  const out: Key[] = [];
  const v = op.value;
  if (op.process === "nemesis") return out;
  if (MOP_FS.has(op.f) && Array.isArray(v)) {
    for (const m of v) {
      if (!Array.isArray(m)) continue;
      if (m[0] === "send" && typeof m[1] === "string") out.push(m[1]);
      if (m[0] === "poll" && m[1] && typeof m[1] === "object") out.push(...Object.keys(m[1]));
    }
  } else if ((KEY_LIST_FS.has(op.f) || KEY_MAP_FS.has(op.f)) && Array.isArray(v)) out.push(...v.filter((k): k is string => typeof k === "string"));
  else if (KEY_MAP_FS.has(op.f) && v && typeof v === "object") out.push(...Object.keys(v));
  const rb = op["rebalance-log"];
  if (Array.isArray(rb))
    for (const ev of rb) {
      if (Array.isArray(ev)) out.push(...ev.filter((k): k is string => typeof k === "string"));
      else if (ev && typeof ev === "object") for (const x of Object.values(ev)) if (Array.isArray(x)) out.push(...x.filter((k): k is string => typeof k === "string"));
    }
  const unseen = op.unseen;
  if (unseen && typeof unseen === "object" && !Array.isArray(unseen)) out.push(...Object.keys(unseen));
  return out;
}
