// The history reader: the fast scanner agrees with JSON.parse on every line, the worker
// pipeline with the in-thread reader, and bad input is named by line number.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KcError } from "../core/errors.ts";
import type { Op } from "../core/history/op.ts";
import { KeyTable, type ParsedOp, readHistoryFile, type ReadOptions } from "../core/history/reader.ts";
import { checkHistoryFile, checkOps } from "./index.ts";
import { seededChoose, simulate } from "./testing/model.ts";

const dir = mkdtempSync(join(tmpdir(), "kc-reader-"));
let fileNo = 0;
const write = (text: string): string => {
  const f = join(dir, `h${fileNo++}.jsonl`);
  writeFileSync(f, text);
  return f;
};

/** A plain snapshot of a ParsedOp, with key names instead of ids. */
function snap(p: ParsedOp, keys: KeyTable) {
  const entries = [];
  for (let i = p.e0; i < p.e0 + p.n; i++) entries.push([p.kind[i], p.mop[i], keys.names[p.key[i]], p.offset[i], p.value[i]]);
  return {
    line: p.line,
    index: p.index,
    time: p.time,
    process: p.nemesis ? "nemesis" : p.process,
    type: p.type,
    f: p.fLabel,
    mops: [p.mops, p.sendMops, p.pollMops],
    entries,
    keyIds: p.keyIds.map((k) => keys.names[k]),
    rebalance: p.rebalanceKeys?.map((k) => keys.names[k]) ?? null,
    seek: p.seekToBeginning,
    error: p.error,
    other: p.otherValue,
  };
}

async function readAll(path: string, opts: ReadOptions) {
  const keys = new KeyTable();
  const out: ReturnType<typeof snap>[] = [];
  const summary = await readHistoryFile(path, keys, (p) => out.push(snap(p, keys)), opts);
  return { out, summary };
}

const mopArb = fc.oneof(
  fc.tuple(fc.constant("send"), fc.constantFrom("t0/0", "t1/2", "a b/1", "ü/3"), fc.oneof(fc.integer(), fc.tuple(fc.nat(1e9), fc.integer()))),
  fc.constant(["poll"]),
  fc.tuple(fc.constant("poll"), fc.dictionary(fc.constantFrom("t0/0", "t1/2", "x/9"), fc.array(fc.tuple(fc.nat(1e6), fc.integer({ min: -1e15, max: 1e15 })), { maxLength: 4 }), { maxKeys: 3 })),
);

const shuffled = (o: Record<string, unknown>, order: number[]): Record<string, unknown> => {
  const ks = Object.keys(o);
  const sorted = ks.map((k, i) => [k, order[i % order.length] ?? 0] as const).sort((a, b) => a[1] - b[1]);
  return Object.fromEntries(sorted.map(([k]) => [k, o[k]]));
};

describe("fast scanner", () => {
  it("decodes every line exactly as JSON.parse + validation does", async () => {
    let totalLines = 0;
    let slowLines = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            f: fc.constantFrom("send", "poll", "txn", "assign", "crash", "start-partition"),
            type: fc.constantFrom("invoke", "ok", "fail", "info"),
            mops: fc.array(mopArb, { maxLength: 4 }),
            keys: fc.array(fc.constantFrom("t0/0", "t\"q/1", "x/2"), { maxLength: 3 }),
            time: fc.oneof(fc.nat(1e12), fc.double({ min: 0, max: 1e6, noNaN: true })),
            error: fc.option(fc.string(), { nil: undefined }),
            extra: fc.option(fc.jsonValue(), { nil: undefined }),
            rebalance: fc.boolean(),
            order: fc.array(fc.nat(20), { minLength: 1, maxLength: 10 }),
            ws: fc.constantFrom("", " ", "\r"),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        async (recs) => {
          const lines = recs.map((r, index) => {
            let value: unknown = r.mops;
            let f = r.f;
            if (f === "assign") value = r.keys;
            else if (f === "start-partition" || f === "crash") value = r.extra ?? null;
            else if (f !== "txn") {
              const sends = r.mops.filter((m) => m[0] === "send");
              f = sends.length === r.mops.length ? "send" : sends.length === 0 ? "poll" : "txn";
            }
            const op: Record<string, unknown> = { index, time: r.time, process: f === "start-partition" ? "nemesis" : index, type: r.type, f, value };
            if (r.error !== undefined) op.error = r.error;
            if (r.extra !== undefined) op.node = r.extra;
            if (r.rebalance) op["rebalance-log"] = [{ keys: r.keys }];
            return JSON.stringify(shuffled(op, r.order)) + r.ws;
          });
          // Each op by its own process, with invocations only, so cross-line checks pass.
          const text = lines.map((l) => l.replace(/"type":"(ok|fail|info)"/, '"type":"invoke"')).join("\n") + "\n";
          const path = write(text);
          const fast = await readAll(path, { worker: false });
          const viaJson = await readAll(path, { worker: false, slowOnly: true });
          expect(fast.out).toEqual(viaJson.out);
          totalLines += fast.out.length;
          slowLines += fast.summary.slowLines;
        },
      ),
      { numRuns: 150 },
    );
    // Most generated lines take the fast path; escapes and odd shapes fall back.
    expect(slowLines).toBeLessThan(totalLines / 2);
  });
});

describe("bad input", () => {
  const good = [
    '{"index":0,"time":1,"process":0,"type":"invoke","f":"send","value":[["send","x",1]]}',
    '{"index":1,"time":2,"process":0,"type":"ok","f":"send","value":[["send","x",[0,1]]]}',
  ];
  const errorOf = async (lines: string[], opts: ReadOptions = { worker: false }) => {
    try {
      await readAll(write(lines.join("\n") + "\n"), opts);
    } catch (e) {
      return e as KcError;
    }
    throw new Error("expected an error");
  };

  it("names the line of invalid JSON", async () => {
    const e = await errorOf([...good, "{not json", good[0]]);
    expect(e).toBeInstanceOf(KcError);
    expect(e.code).toBe("KC_HISTORY_MALFORMED");
    expect(e.message).toMatch(/line 3: not valid JSON/);
    expect(e.hint).toMatch(/design.md/);
  });
  it("names the line of a bad field, a gap in indices, and a completion without invocation", async () => {
    expect((await errorOf([good[0], good[1].replace('"type":"ok"', '"type":"done"')])).message).toMatch(/line 2: "type" must be one of/);
    expect((await errorOf([good[0], good[1].replace('"index":1', '"index":2')])).message).toMatch(/line 2: "index" is 2 but should be 1/);
    expect((await errorOf([good[1].replace('"index":1', '"index":0')])).message).toMatch(/line 1: ok completion of process 0 without a preceding invocation/);
    expect((await errorOf([good[0], good[0].replace('"index":0', '"index":1')])).message).toMatch(/line 2: process 0 invokes a new op while/);
    expect((await errorOf([good[0], good[1].replace('[0,1]', '"zero"')])).message).toMatch(/line 2: micro-op 0 .*integer/);
    expect((await errorOf([good[0], good[1].replace('"f":"send"', '"f":"poll"')])).message).toMatch(/line 2/);
  });
  it("names the line through the worker pipeline too", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 40000; i += 2) {
      lines.push(`{"index":${i},"time":${i},"process":0,"type":"invoke","f":"poll","value":[["poll"]]}`);
      lines.push(`{"index":${i + 1},"time":${i + 1},"process":0,"type":"ok","f":"poll","value":[["poll",{}]]}`);
    }
    lines[33333] = lines[33333].replace('"time"', '"tiem"');
    const e = await errorOf(lines, { worker: true });
    expect(e.message).toMatch(/line 33334: "time" must be a non-negative number/);
  });
  it("skips a last line cut short by a crash, with a warning", async () => {
    const path = write(`${good.join("\n")}\n{"index":2,"time":3,"pro`);
    const { out, summary } = await readAll(path, { worker: false });
    expect(out).toHaveLength(2);
    expect(summary.warnings[0]).toMatch(/last line \(3\).*cut short/);
  });
  it("accepts CRLF line endings and blank lines", async () => {
    const { out } = await readAll(write(`${good[0]}\r\n\r\n${good[1]}\r\n`), { worker: false });
    expect(out.map((o) => o.line)).toEqual([1, 3]);
  });
  it("reports a missing file clearly", async () => {
    await expect(readAll(join(dir, "nope.jsonl"), {})).rejects.toThrow(/cannot open history/);
  });
});

describe("worker pipeline", () => {
  it("gives the same ops and the same results as reading in-thread", async () => {
    const ops: Op[] = [];
    simulate({ keys: 5, processes: 6, ops: 30000, txn: true, choose: seededChoose(7), infoPerMille: 50, failPerMille: 50, nemesisEvery: 1000 }, (o) => ops.push(o));
    const path = write(ops.map((o) => JSON.stringify(o)).join("\n") + "\n");
    const a = await readAll(path, { worker: true });
    const b = await readAll(path, { worker: false });
    expect(a.out.length).toBe(ops.length);
    expect(a.out).toEqual(b.out);
    const viaWorker = await checkHistoryFile(path, { read: { worker: true } });
    const inMemory = checkOps(ops);
    expect({ ...viaWorker, history: undefined }).toEqual({ ...inMemory, history: undefined });
  }, 60_000);
});
