// The layering of scripts/layers.js, checked over the whole import graph of the non-test
// sources: every import goes down (or stays in its folder), there is no cycle between top-level
// folders, and no cycle between files. ESLint (rule kc/layers) reports the same violations per
// import while editing; this test also sees cycles, which no single import shows.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { folderOf, isTestFile, LAYERS, layerViolation, resolveImport } from "../../scripts/layers.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const sources = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], { cwd: root, encoding: "utf8" })
  .trim()
  .split("\n")
  .filter((f) => f && !isTestFile(f) && fs.existsSync(path.join(root, f)));

/** file → files it imports (relative imports only; `import type` included: it couples too). */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources) {
    const src = fs.readFileSync(path.join(root, f), "utf8");
    const out: string[] = [];
    for (const m of src.matchAll(/(?:^|[^.\w])(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      out.push(resolveImport(root, path.join(root, f), m[1])!);
    }
    g.set(f, out);
  }
  return g;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe("layers", () => {
  const graph = importGraph();

  it("every top-level folder with sources is in a layer", () => {
    const known = new Set(LAYERS.flat());
    expect([...new Set(sources.map(folderOf))].filter((f) => !known.has(f))).toEqual([]);
  });

  it("imports go down the layers, never up or sideways", () => {
    const bad = [...graph].flatMap(([f, tos]) => tos.map((t) => [f, t, layerViolation(f, t)] as const).filter(([, , v]) => v).map(([a, b, v]) => `${a} → ${b}: ${v}`));
    expect(bad).toEqual([]);
  });

  it("no cycle between top-level folders", () => {
    const folders = new Map<string, string[]>();
    for (const [f, tos] of graph) {
      const a = folderOf(f);
      const set = new Set(folders.get(a) ?? []);
      for (const t of tos) if (folderOf(t) !== a) set.add(folderOf(t));
      folders.set(a, [...set]);
    }
    expect(cycles(folders)).toEqual([]);
  });

  it("no cycle between files", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("the rule itself: up and sideways imports are refused with a reason, tests may import anything", () => {
    expect(layerViolation("checkers/index.ts", "core/history/op.ts")).toBeUndefined();
    expect(layerViolation("core/log.ts", "checkers/index.ts")).toMatch(/may not import checkers\/ \(layer 1, above it\)/);
    expect(layerViolation("nemeses/partition.ts", "deployments/docker/cluster.ts")).toMatch(/siblings/);
    expect(layerViolation("harness/run.ts", "report/index.ts")).toMatch(/above it/);
    expect(layerViolation("harness/run.test.ts", "report/index.ts")).toBeUndefined();
    expect(layerViolation("newfolder/x.ts", "core/log.ts")).toMatch(/in no layer/);
  });
});
