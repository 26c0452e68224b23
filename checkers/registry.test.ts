// The registry: each finder reports only the types it declares, the finders together declare
// every anomaly type once, and their names are distinct (a crashed finder is named by it).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyTable, readHistoryFile } from "../core/history/reader.ts";
import { Analysis } from "./analysis.ts";
import { Cases } from "./cases.ts";
import { ANOMALY_TYPES } from "./modes.ts";
import { FINDERS } from "./registry.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures");
const corpus = JSON.parse(readFileSync(join(FIXTURES, "histories", "expected.json"), "utf8")) as Record<string, { exit?: number }>;
const files = [
  ...Object.keys(corpus)
    .filter((n) => corpus[n].exit !== 3)
    .map((n) => join(FIXTURES, "histories", `${n}.jsonl`)),
  ...readdirSync(join(FIXTURES, "jepsen"))
    .filter((f) => f.endsWith(".edn"))
    .map((f) => join(FIXTURES, "jepsen", f)),
];

describe("FINDERS", () => {
  it("declare every anomaly type exactly once, under distinct names", () => {
    const declared = FINDERS.flatMap((f) => f.types);
    expect([...declared].sort()).toEqual([...ANOMALY_TYPES].sort());
    const names = FINDERS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[A-Za-z][A-Za-z0-9-]+$/);
  });

  it("each reports only the types it declares (every fixture history, both ww-deps settings)", async () => {
    const seen = new Set<string>();
    for (const file of files) {
      const keys = new KeyTable();
      const analysis = new Analysis(keys);
      await readHistoryFile(file, keys, (p) => analysis.ingest(p));
      analysis.finish();
      for (const wwDeps of [false, true]) {
        for (const finder of FINDERS) {
          const cases = new Cases();
          finder.find({ analysis, cases, mode: { subscribe: false, transactional: true, wwDeps } });
          for (const t of cases.types()) {
            expect(finder.types, `${finder.name} on ${file}`).toContain(t);
            seen.add(t);
          }
        }
      }
    }
    // The fixtures between them show most types, so the check above is not vacuous.
    expect(seen.size).toBeGreaterThan(15);
  });
});
