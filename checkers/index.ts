// The checkers' public surface: check a stored history (file or run directory) or in-memory
// ops, and get results.json's content. One streaming pass builds compact state (analysis.ts),
// then each finder of the registry looks for its anomaly family, stats are summarised and the
// verdict decided for the run's mode.

import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { KcError } from "../core/errors.ts";
import type { Op } from "../core/history/op.ts";
import { KeyTable, readHistoryFile, readOps, type ReadOptions } from "../core/history/reader.ts";
import { Analysis } from "./analysis.ts";
import { Cases } from "./cases.ts";
import { ANOMALY_TYPES, badAnomalyTypes, inferMode, modeOfTestJson, readTestJson, runOfTestJson, type Mode } from "./modes.ts";
import { FINDERS } from "./registry.ts";
import { unjudgedUnseen } from "./finders/unseen.ts";
import type { Results } from "./results.ts";
import { vacuityReasons } from "./vacuity.ts";
import { decideVerdict } from "./verdict.ts";

export type { Anomaly, Results, Stats, Verdict } from "./results.ts";
export { ANOMALY_TYPES, MODE_TABLE, badAnomalyTypes, inferMode, modeFromTestJson, severity, type Mode } from "./modes.ts";
export { FINDERS } from "./registry.ts";
export { exitCodeForVerdict } from "./verdict.ts";

export interface CheckOptions {
  /** The run's mode; when absent, taken from a test.json beside the history, else inferred. */
  mode?: Mode;
  /** Where `mode` came from (default "test.json"). */
  modeSource?: "test.json" | "inferred";
  /** Keep at most this many cases per type (default: per-type limits in cases.ts). */
  limit?: number;
  /** Reader options (benchmarks, tests). */
  read?: ReadOptions;
  /** Jepsen's :ww-deps (Mode.wwDeps), over whatever the mode says. */
  wwDeps?: boolean;
  /**
   * The main phase's length and the requested rate, for the load figures (stats.load); from
   * test.json's `timeLimitSeconds` and `rate` when checking a run's history.
   */
  run?: { timeLimitSeconds?: number; rate?: number };
}

/** A key table and an analysis to ingest into; the main phase ends at the run's time limit when known. */
function analysisFor(opts: CheckOptions): { keys: KeyTable; analysis: Analysis } {
  const keys = new KeyTable();
  const analysis = new Analysis(keys);
  if (opts.run?.timeLimitSeconds) analysis.stats.mainEnd = opts.run.timeLimitSeconds * 1e9;
  return { keys, analysis };
}

/** Checks in-memory ops (validated like a file). */
export function checkOps(ops: Op[], opts: CheckOptions = {}): Results {
  const t0 = performance.now();
  const { keys, analysis } = analysisFor(opts);
  const summary = readOps(ops, keys, (p) => analysis.ingest(p));
  return conclude(analysis, opts, summary.warnings, t0);
}

/**
 * Checks a history.jsonl file (or a Jepsen history.edn, see core/history/jepsen.ts). Mode: opts.mode, else `workload.subscribe`/`workload.txn` of a
 * test.json in the same directory, else inferred from the ops (design.md).
 */
export async function checkHistoryFile(path: string, opts: CheckOptions = {}): Promise<Results> {
  const t0 = performance.now();
  let o = opts;
  if (!o.mode || !o.run) {
    const testJson = await readTestJson(join(dirname(path), "test.json"));
    const m = o.mode ? undefined : modeOfTestJson(testJson);
    if (m) o = { ...o, mode: m, modeSource: "test.json" };
    if (!o.run) o = { ...o, run: runOfTestJson(testJson) };
  }
  const { keys, analysis } = analysisFor(o);
  const summary = await readHistoryFile(path, keys, (p) => analysis.ingest(p), o.read);
  return conclude(analysis, o, summary.warnings, t0);
}

/** Where the history of a run directory or history path is. */
export async function resolveHistory(target: string): Promise<{ history: string; runDir?: string }> {
  let s;
  try {
    s = await stat(target);
  } catch {
    throw new KcError("KC_HISTORY_NOT_FOUND", `no such file or directory: ${target}`, {
      hint: "Pass a run directory (e.g. store/latest) or the path of a history.jsonl (or Jepsen history.edn) file.",
    });
  }
  if (s.isDirectory()) {
    // Ours, else a Jepsen store directory's.
    for (const name of ["history.jsonl", "history.edn"]) {
      const history = join(target, name);
      if (await stat(history).then(() => true, () => false)) return { history, runDir: target };
    }
    throw new KcError("KC_HISTORY_NOT_FOUND", `${target} has no history.jsonl (nor a Jepsen history.edn)`, {
      hint: "A run directory holds history.jsonl once the run has started; pick another run (store/<test>/<timestamp>) or pass a history file.",
    });
  }
  return { history: target };
}

/** check(history, opts): a path (file or run directory) or in-memory ops. */
export async function check(history: string | Op[], opts: CheckOptions = {}): Promise<Results> {
  if (typeof history !== "string") return checkOps(history, opts);
  const r = await resolveHistory(history);
  return checkHistoryFile(r.history, opts);
}

function conclude(analysis: Analysis, opts: CheckOptions, warnings: string[], t0: number): Results {
  const unknownReasons: string[] = [];
  try {
    analysis.finish();
  } catch (e) {
    unknownReasons.push(`the analysis crashed: ${(e as Error).message}`);
  }
  const base: Mode = opts.mode ?? inferMode({ subscribeOps: analysis.subscribeOps, txnLikeOps: analysis.txnLike });
  const wwDeps = opts.wwDeps ?? base.wwDeps ?? false;
  const mode: Mode = { subscribe: base.subscribe, transactional: base.transactional, wwDeps };
  const source = opts.mode ? (opts.modeSource ?? "test.json") : "inferred";
  const cases = new Cases(opts.limit);
  if (analysis.finished && unknownReasons.length === 0) {
    for (const finder of FINDERS) {
      try {
        finder.find({ analysis, cases, mode });
      } catch (e) {
        unknownReasons.push(`checker ${finder.name} crashed: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
  if (analysis.finished) unknownReasons.push(...unjudgedUnseen(analysis));
  if (analysis.ops === 0) unknownReasons.push("the history is empty");
  else {
    if (analysis.okSends === 0) unknownReasons.push("no send was acknowledged (no ok op with sends), so nothing could be lost");
    if (analysis.okPolls === 0) unknownReasons.push("no poll completed ok: nothing was read, so nothing can be judged");
  }
  const stats = analysis.stats.finish(analysis.keys.names, (k) => analysis.keyStates[k]?.maxLag ?? 0);
  if (stats.load && opts.run?.rate) stats.load.requestedRate = opts.run.rate;
  const consumption = analysis.finished ? analysis.consumption() : undefined;
  if (consumption) stats.consumption = consumption;
  if (analysis.finished) unknownReasons.push(...vacuityReasons(stats));
  const found = cases.types();
  const { valid, bad } = decideVerdict({ badTypes: badAnomalyTypes(found, mode), unknownReasons, okPolls: analysis.okPolls });
  if (analysis.okPolls === 0 && found.includes("unseen")) warnings.push("unseen messages do not count: no poll ever completed ok");
  if (analysis.danglingOps.length > 0)
    warnings.push(`${analysis.danglingOps.length} op(s) never completed (the history ends while they are in flight): treated as info, e.g. op ${analysis.danglingOps[0]}`);
  const results: Results = {
    valid,
    "anomaly-types": found,
    "bad-anomaly-types": bad,
    anomalies: cases.condensed(),
    counts: Object.fromEntries(found.map((t) => [t, cases.counts[t]])),
    ...(unknownReasons.length > 0 ? { "unknown-reasons": unknownReasons } : {}),
    "checked-anomaly-types": [...ANOMALY_TYPES].sort(),
    mode: { subscribe: mode.subscribe, transactional: mode.transactional, ...(wwDeps ? { wwDeps } : {}), source },
    stats,
    ...(warnings.length > 0 ? { warnings } : {}),
    history: { ops: analysis.ops, keys: analysis.keys.size, checkSeconds: (performance.now() - t0) / 1e3 },
  };
  return results;
}
