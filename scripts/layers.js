// The layers of the code base, lowest first, and the one rule they follow: a module may import
// modules of its own folder and of lower layers, never of a higher layer or of a sibling folder
// on the same layer. ESLint enforces it per import (eslint.config.js, rule kc/layers); the unit
// test test/unit/layers.test.ts also checks the whole graph for folder-level cycles.
import path from "node:path";

/** Layer → top-level folders on it. Each folder's line says what it owns. */
export const LAYERS = [
  // ground: errors and exit codes, logging, rng, processes, the history format (op, reader, writer)
  ["core"],
  // pure analysis: history in, results out; no Docker, no Kafka client
  ["checkers"],
  // what runs on the nodes (Apache Kafka: configs, start command, readiness) and how ops reach it
  ["products", "clients"],
  // where nodes run (local Docker), what clients do (queue, txn), faults (families, schedule)
  ["deployments", "workloads", "nemeses"],
  // the run lifecycle: the test description, one test from config to exit code
  ["harness"],
  // the HTML report, the run directory's index, CI summaries
  ["report"],
  // the public library entry (index.ts at the top level)
  ["."],
  // the command line; examples, benchmarks and scripts use anything below
  ["cli", "examples", "benchmarks", "scripts"],
];

const rankOf = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank])));

/** Top-level folder of a path relative to the repo root ("." for files at the top). */
export function folderOf(rel) {
  const parts = rel.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : ".";
}

export const isTestFile = (rel) => /\.test\.ts$/.test(rel) || /^test[\\/]/.test(rel) || /[\\/]testing[\\/]/.test(rel);

/** eslint.config.js, vitest.config.ts, ...: tooling, outside the layers. */
export const isToolConfig = (rel) => /^[^\\/]+\.config\.[cm]?[jt]s$/.test(rel);

/**
 * Why `from` (repo-relative) may not import `to` (repo-relative), or undefined when it may.
 * Tests and test helpers may import anything.
 */
export function layerViolation(from, to) {
  if (isTestFile(from) || isToolConfig(from)) return undefined;
  const a = folderOf(from);
  const b = folderOf(to);
  if (a === b) return undefined;
  const ra = rankOf.get(a);
  const rb = rankOf.get(b);
  if (ra === undefined) return `${a}/ is in no layer: add it to LAYERS in scripts/layers.js`;
  if (rb === undefined) return `${b}/ is in no layer: add it to LAYERS in scripts/layers.js`;
  // Benchmarks generate their inputs with the checkers' test-history builders.
  if (isTestFile(to) && a !== "benchmarks") return `${to} is test code: non-test modules may not import it`;
  if (rb > ra) return `${a}/ (layer ${ra}) may not import ${b}/ (layer ${rb}, above it): move the shared part down, or pass it in`;
  if (rb === ra) return `${a}/ and ${b}/ are siblings on layer ${ra} and may not import each other: move the shared part down a layer`;
  return undefined;
}

/** Repo-relative path of a relative import specifier, or undefined for packages. */
export function resolveImport(root, fromAbs, spec) {
  if (!spec.startsWith(".")) return undefined;
  return path.relative(root, path.resolve(path.dirname(fromAbs), spec));
}
