// The fast scanner against its oracle (JSON.parse + validation): a seeded differential fuzz run,
// and the lines that earlier fuzz runs found it getting wrong. `npm run fuzz:reader` runs longer.

import { describe, expect, it } from "vitest";
import { KcError } from "../errors.ts";
import { KeyTable, LineDecoder, ParsedOp } from "./reader.ts";
import { fuzzLines } from "./fuzz.ts";

describe("reader fuzz", () => {
  it("the fast scanner agrees with JSON.parse + validation on 20,000 seeded inputs", () => {
    const r = fuzzLines({ seed: 20261204, inputs: 20000 });
    expect(r.findings).toEqual([]);
    expect(r.inputs).toBe(20000);
    // The run exercised all three outcomes and every kind of mutation.
    expect(r.fast).toBeGreaterThan(r.inputs * 0.15);
    expect(r.fellBack).toBeGreaterThan(r.inputs * 0.1);
    expect(r.rejected).toBeGreaterThan(r.inputs * 0.2);
    for (const m of ["flip", "insert", "delete", "truncate", "splice", "replace", "number", "nest", "double"]) expect(r.sources[`mutation:${m}`]).toBeGreaterThan(500);
  });

  // Each of these was decoded differently by the scanner than by JSON.parse before the fix.
  const found: [string, string][] = [
    ["a missing process was read as process 0", '{"index":0,"time":1,"type":"invoke","f":"poll","value":[["poll"]]}'],
    ["a misspelled process key", '{"time":1,"index":0,"pro#ess":2,"type":"invoke","f":"send","value":[]}'],
    ["a leading zero", '{"index":0,"time":01,"process":1,"type":"invoke","f":"poll","value":[["poll"]]}'],
    ["a leading zero in a pair", '{"index":0,"time":1,"process":1,"type":"invoke","f":"poll","value":[["poll",{"t0/0":[[01,2]]}]]}'],
    ["a number ending in a dot", '{"index":0,"time":1,"process":1,"type":"invoke","f":"poll","value":[["poll",{"t0/0":[[1.,2]]}]]}'],
    ["a control character in a key", '{"index":0,"time":1,"pr\tocess":1,"type":"invoke","f":"poll","value":[["poll"]]}'],
    ["junk after null", '{"index":0,"time":1,"process":1,"type":"invoke","f":"poll","value":[["poll",{"t0/0":[[null391691,2]]}]]}'],
    ["an unknown field that is not JSON", '{"index":0,"time":1,"process":1,"type":"invoke","f":"poll","value":[["poll"]],"node":[1,,2}}'],
    ["an error that is not JSON", '{"index":0,"time":1,"process":1,"type":"invoke","f":"poll","value":[["poll"]],"error":tru}'],
    ["a repeated value", '{"index":0,"time":1,"process":1,"type":"invoke","f":"send","value":[["send","t0/0",1]],"value":[["send","t0/1",2]]}'],
    ["a repeated poll key", '{"index":0,"time":1,"process":1,"type":"ok","f":"poll","value":[["poll",{"t0/0":[[1,2]],"t0/0":[[3,4]]}]]}'],
    ["an integer-like poll key", '{"index":0,"time":1,"process":1,"type":"ok","f":"poll","value":[["poll",{"t0/0":[[1,2]],"7":[[3,4]]}]]}'],
    ["a space after a pair's comma (pairs read twice)", '{"index":0,"time":1,"process":1,"type":"ok","f":"poll","value":[["poll",{"t0/0":[[1,2], [2,3]]}]]}'],
    ["micro-ops as a nemesis value", '{"index":0,"time":1,"process":"nemesis","type":"info","f":"pol","value":[["poll"]]}'],
    ["an infinite time", '{"index":0,"time":1e400,"process":1,"type":"invoke","f":"poll","value":[["poll"]]}'],
    ["rebalance keys before the micro-ops' keys", '{"index":0,"time":1,"process":1,"type":"ok","f":"send","value":[["send","b/0",1]],"rebalance-log":[{"keys":["a/0"]}]}'],
  ];
  const decode = (line: string, slowOnly: boolean) => {
    const keys = new KeyTable();
    const p = new ParsedOp();
    // Stale bytes after the line, as in the reader's buffer.
    const buf = Buffer.from(`${line}00]}`);
    try {
      new LineDecoder(slowOnly).decode(buf, 0, Buffer.byteLength(line), p, keys, 1, () => "line 1");
    } catch (e) {
      return e instanceof KcError ? `${e.code}: ${e.message}` : `crash: ${String(e)}`;
    }
    const entries = Array.from({ length: p.n }, (_, i) => [p.kind[i], p.mop[i], keys.names[p.key[i]], p.offset[i], p.value[i]]);
    return JSON.stringify({ index: p.index, time: p.time, process: p.process, nemesis: p.nemesis, f: p.fLabel, entries, other: p.otherValue ?? null, rb: p.rebalanceKeys, keys: keys.names, error: p.error ?? null });
  };
  it.each(found)("found earlier: %s", (_, line) => {
    expect(decode(line, false)).toBe(decode(line, true));
  });
});
