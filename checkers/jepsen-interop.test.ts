// Jepsen interop through the checker: hand-written Jepsen histories (test/fixtures/jepsen, from
// kafka_test.clj's scenarios) find what Jepsen's test asserts; every history, exported to EDN
// and read back, checks exactly as the JSONL it came from; `check` and `export` on the CLI.

import fc from "fast-check";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommand } from "../cli/commands/check.ts";
import { exportCommand, exportHistory } from "../cli/commands/export.ts";
import type { Op } from "../core/history/op.ts";
import { checkHistoryFile } from "./index.ts";
import { captureOutput } from "./testing/capture.ts";
import type { Results } from "./results.ts";
import { seededChoose, simulate } from "./testing/model.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures");
const JEPSEN = join(FIXTURES, "jepsen");
const CORPUS = join(FIXTURES, "histories");
interface Expectation {
  valid: boolean | "unknown";
  types: string[];
  /** What Jepsen's test asserts for the scenario: must be among ours. */
  jepsen: string[];
}
/** `ww-deps`: the same checked with --ww-deps (Jepsen's :ww-deps). */
const expected = JSON.parse(readFileSync(join(JEPSEN, "expected.json"), "utf8")) as Record<string, Expectation & { "ww-deps"?: Expectation }>;
const corpus = JSON.parse(readFileSync(join(CORPUS, "expected.json"), "utf8")) as Record<string, { exit?: number }>;

/**
 * Results without what differs between two checks of one history: timing, and the warning about
 * a torn last line (the export leaves that line out, so its EDN has none).
 */
const comparable = (r: Results) => ({ ...r, history: { ...r.history, checkSeconds: 0 }, warnings: (r.warnings ?? []).filter((w) => !/cut short/.test(w)) });

const tmp = () => mkdtempSync(join(tmpdir(), "kc-edn-"));

describe("Jepsen's kafka_test.clj scenarios, as history.edn", () => {
  it("has an expectation for every file", () => {
    expect(readdirSync(JEPSEN).filter((f) => f.endsWith(".edn")).map((f) => f.replace(/\.edn$/, "")).sort()).toEqual(Object.keys(expected).sort());
  });
  for (const [name, exp] of Object.entries(expected)) {
    const ww = exp["ww-deps"] ? `; with --ww-deps ${exp["ww-deps"].types.join(", ")}` : "";
    it(`${name}: Jepsen finds ${exp.jepsen.join(", ") || "nothing"}; we find ${exp.types.join(", ") || "nothing"}${ww}`, async () => {
      const r = await checkHistoryFile(join(JEPSEN, `${name}.edn`));
      expect(r["anomaly-types"]).toEqual(exp.types);
      for (const t of exp.jepsen) expect(r["anomaly-types"]).toContain(t);
      expect(r.valid).toEqual(exp.valid);
      // The same history as JSONL checks the same.
      const dir = tmp();
      const jsonl = join(dir, `${name}.jsonl`);
      await exportHistory(join(JEPSEN, `${name}.edn`), "jsonl", jsonl);
      expect(comparable(await checkHistoryFile(jsonl))).toEqual(comparable(r));
      const withWw = exp["ww-deps"];
      if (withWw) {
        const rw = await checkHistoryFile(join(JEPSEN, `${name}.edn`), { wwDeps: true });
        expect(rw["anomaly-types"]).toEqual(withWw.types);
        for (const t of withWw.jepsen) expect(rw["anomaly-types"]).toContain(t);
        expect(rw.valid).toEqual(withWw.valid);
      }
    });
  }

  it("names the line of a bad op, in the .edn file", async () => {
    const dir = tmp();
    const f = join(dir, "history.edn");
    writeFileSync(f, `{:index 0, :time 0, :type :invoke, :process 0, :f :poll, :value [[:poll]]}\n{:index 1, :time 1, :type :ok, :process 0, :f :poll, :value [[:poll {0 [[0 :a]]}]]}\n{:index 2}\n`);
    await expect(checkHistoryFile(f)).rejects.toThrow(/history\.edn line 2: .*poll result \[0,"a"\] for key "t0\/0" is not an \[offset, value\] pair of integers/);
    writeFileSync(f, `{:index 0, :time 0, :type :ok, :process 0, :f :poll, :value [[:poll]]}\n`);
    await expect(checkHistoryFile(f)).rejects.toThrow(/line 1: ok completion of process 0 without a preceding invocation/);
    // A last line cut short by a crash is skipped with a warning, as in a history.jsonl.
    writeFileSync(f, `{:index 0, :time 0, :type :invoke, :process 0, :f :poll, :value [[:poll]]}\n{:index 1, :time 1, :type :ok, :proc`);
    const r = await checkHistoryFile(f);
    expect(r.history?.ops).toBe(1);
  });
});

describe("JSONL → EDN → check", () => {
  for (const name of Object.keys(corpus).filter((n) => corpus[n].exit !== 3)) {
    it(`${name} checks the same from its EDN export`, async () => {
      const dir = tmp();
      const edn = join(dir, `${name}.edn`);
      await exportHistory(join(CORPUS, `${name}.jsonl`), "edn", edn);
      expect(comparable(await checkHistoryFile(edn))).toEqual(comparable(await checkHistoryFile(join(CORPUS, `${name}.jsonl`))));
      // And back to JSONL, op for op.
      const back = join(dir, `${name}.back.jsonl`);
      await exportHistory(edn, "jsonl", back);
      const lines = (p: string) =>
        readFileSync(p, "utf8")
          .split("\n")
          .filter((l) => l.trim() && !(name === "truncated-last-line" && !l.endsWith("}")))
          .map((l) => JSON.parse(l) as Op);
      expect(lines(back)).toEqual(lines(join(CORPUS, `${name}.jsonl`)));
    });
  }

  it("random model histories (txn or not, info and fail completions, nemesis ops) check the same (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), fc.boolean(), fc.integer({ min: 1, max: 6 }), async (seed, txn, keys) => {
        const ops: Op[] = [];
        simulate({ keys, processes: 3, ops: 60, txn, choose: seededChoose(seed), infoPerMille: 150, failPerMille: 150, nemesisEvery: 13 }, (o) => ops.push(o));
        const dir = tmp();
        const jsonl = join(dir, "history.jsonl");
        writeFileSync(jsonl, ops.map((o) => JSON.stringify(o)).join("\n") + "\n");
        const edn = join(dir, "history.edn");
        await exportHistory(jsonl, "edn", edn);
        expect(comparable(await checkHistoryFile(edn))).toEqual(comparable(await checkHistoryFile(jsonl)));
      }),
      { numRuns: 25 },
    );
  });

  it("keys outside Jepsen's numbering travel in a side table", async () => {
    const dir = tmp();
    const jsonl = join(dir, "h.jsonl");
    const ops: Op[] = [
      { index: 0, time: 0, process: 0, type: "invoke", f: "send", value: [["send", "orders/2", 1]] },
      { index: 1, time: 1, process: 0, type: "ok", f: "send", value: [["send", "orders/2", [0, 1]]] },
      { index: 2, time: 2, process: 1, type: "invoke", f: "poll", value: [["poll"]] },
      { index: 3, time: 3, process: 1, type: "ok", f: "poll", value: [["poll", { "orders/2": [[0, 1]] }]] },
    ];
    writeFileSync(jsonl, ops.map((o) => JSON.stringify(o)).join("\n"));
    const { keyTable } = await exportHistory(jsonl, "edn", join(dir, "h.edn"));
    expect(keyTable).toBe(join(dir, "h.edn.keys.json"));
    expect(JSON.parse(readFileSync(keyTable!, "utf8"))).toEqual({ 0: "orders/2" });
    expect(readFileSync(join(dir, "h.edn"), "utf8")).toContain(":value [[:poll {0 [[0 1]]}]]");
    const r = await checkHistoryFile(join(dir, "h.edn"));
    expect(r.valid).toBe(true);
    expect(r.history?.keys).toBe(1);
  });
});

describe("npm run check / export on Jepsen histories", () => {
  const io = captureOutput();

  it("check reads a Jepsen store directory's history.edn and exits by the verdict", async () => {
    const dir = tmp();
    copyFileSync(join(JEPSEN, "g1c-wr.edn"), join(dir, "history.edn"));
    expect(await checkCommand([dir])).toBe(1);
    expect(io.out).toMatch(/INVALID: G1c/);
    expect(existsSync(join(dir, "results.json"))).toBe(true);
  });

  it("check --ww-deps judges G1c as Jepsen's :ww-deps does, and says so; test.json's checker.wwDeps does the same", async () => {
    const f = join(JEPSEN, "g1c-ww-wr.edn");
    expect(await checkCommand([f, "--ww-deps"])).toBe(0);
    expect(io.out).toMatch(/mode: assign, transactional, ww deps/);
    expect(io.out).toMatch(/· G1c +1 \(allowed in this mode\)/);
    const dir = tmp();
    copyFileSync(f, join(dir, "history.edn"));
    writeFileSync(join(dir, "test.json"), JSON.stringify({ workload: { subscribe: false, txn: true }, checker: { wwDeps: true } }));
    expect(await checkCommand([dir, "--json"])).toBe(0);
    const r = JSON.parse(io.out.slice(io.out.indexOf("\n{") + 1)) as Results;
    expect(r.mode).toEqual({ subscribe: false, transactional: true, wwDeps: true, source: "test.json" });
    expect(r["anomaly-types"]).toEqual(["G1c"]);
  });

  it("export writes history.edn beside a run's history.jsonl, and refuses what it cannot do", async () => {
    const dir = tmp();
    copyFileSync(join(CORPUS, "g1a.jsonl"), join(dir, "history.jsonl"));
    expect(await exportCommand([dir])).toBe(0);
    expect(io.out).toMatch(/wrote \d+ ops to .*history\.edn/);
    expect(readFileSync(join(dir, "history.edn"), "utf8").split("\n")[0]).toMatch(/^\{:index 0, :time \d+, :type :invoke, :process \d+, :f :\w+/);
    expect(await exportCommand([join(dir, "history.edn"), "--format", "edn"])).toBe(3);
    expect(io.err).toMatch(/KC_USAGE: .*history\.edn is already EDN\n→ Use --format jsonl/);
    expect(await exportCommand([dir, "--format", "xml"])).toBe(3);
    expect(io.err).toMatch(/--format must be edn or jsonl, got "xml"/);
    // A malformed history is named, and nothing is written.
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `{"index":0,"time":0,"process":0,"type":"invoke","f":"poll","value":[["poll"]]}\n{"index":5,"time":1,"process":0,"type":"ok","f":"poll","value":[["poll",{}]]}\n`);
    expect(await exportCommand([bad])).toBe(3);
    expect(io.err).toMatch(/bad\.jsonl line 2: "index" is 5 but should be 1/);
    expect(existsSync(join(dir, "bad.edn"))).toBe(false);
  });
});
