// `npm run check -- <run-dir | history.jsonl> [--json] [--mode M]`: re-checks a stored history
// without Docker. Given a run directory it writes results.json there and prints a summary;
// --json prints the results to stdout instead (and writes nothing). Exit codes (design.md):
// 0 valid, 1 invalid, 2 unknown, 3 harness error (bad input, unreadable or malformed history).

import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkHistoryFile, exitCodeForVerdict, resolveHistory, severity, type Mode } from "../../checkers/index.ts";
import type { Results } from "../../checkers/results.ts";
import { KcError } from "../../core/errors.ts";
import { EXIT_HARNESS_ERROR } from "../../core/exit-codes.ts";
import { rate } from "../../report/load-view.ts";

const USAGE = `usage: npm run check -- <run-dir | history.jsonl | history.edn> [--json] [--mode assign|subscribe|assign+txn|subscribe+txn] [--ww-deps]

  Checks a stored history for anomalies. A run directory gets results.json written into it.
  A Jepsen history.edn (integer keys k = topic t(k div 2), partition k mod 2) is read as well.
  --json   print results.json to stdout instead of a summary (writes nothing)
  --mode   override the mode (default: test.json's workload.subscribe/txn, else inferred)
  --ww-deps  G1c as Jepsen's :ww-deps has it: cycles of write-write and write-read edges, judged
           as G0 is (default: test.json's checker.wwDeps, else off: write-read cycles only)
Exit codes: 0 valid, 1 invalid, 2 unknown, 3 error.`;

interface Args {
  target: string;
  json: boolean;
  mode?: Mode;
  wwDeps?: boolean;
}

function parseArgs(argv: string[]): Args | "help" {
  let target: string | undefined;
  let json = false;
  let mode: Mode | undefined;
  let wwDeps: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--json") json = true;
    else if (a === "--ww-deps") wwDeps = true;
    else if (a === "--mode" || a.startsWith("--mode=")) {
      const m = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      const parts = (m ?? "").split("+");
      if (!["assign", "subscribe"].includes(parts[0]) || parts.length > 2 || (parts.length === 2 && parts[1] !== "txn"))
        throw new KcError("KC_USAGE", `--mode must be assign, subscribe, assign+txn or subscribe+txn; got ${JSON.stringify(m ?? "")}`, { hint: USAGE });
      mode = { subscribe: parts[0] === "subscribe", transactional: parts[1] === "txn" };
    } else if (a.startsWith("-")) throw new KcError("KC_USAGE", `unknown option ${a}`, { hint: USAGE });
    else if (target === undefined) target = a;
    else throw new KcError("KC_USAGE", `expected one run directory or history file, got also ${JSON.stringify(a)}`, { hint: USAGE });
  }
  if (target === undefined) throw new KcError("KC_USAGE", "missing the run directory or history.jsonl to check", { hint: USAGE });
  return { target, json, mode, wwDeps };
}

export async function checkCommand(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === "help") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const { history, runDir } = await resolveHistory(args.target);
    const results = await checkHistoryFile(history, { ...(args.mode ? { mode: args.mode, modeSource: "inferred" as const } : {}), ...(args.wwDeps ? { wwDeps: true } : {}) });
    if (args.mode) results.mode.source = "inferred";
    if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      let wrote: string | undefined;
      if (runDir !== undefined) {
        wrote = join(runDir, "results.json");
        const tmp = `${wrote}.tmp-${process.pid}`;
        await writeFile(tmp, `${JSON.stringify(results, null, 2)}\n`);
        await rename(tmp, wrote);
      }
      process.stdout.write(summarize(history, results, wrote));
    }
    return exitCodeForVerdict(results.valid);
  } catch (e) {
    if (e instanceof KcError) process.stderr.write(`${e.describe()}\n`);
    else process.stderr.write(`KC_INTERNAL: ${(e as Error).stack ?? String(e)}\n→ This is a bug in kafka-chaos's checker; please report it with the history that caused it.\n`);
    return EXIT_HARNESS_ERROR;
  }
}

const num = (n: number) => n.toLocaleString("en-US");
const pct = (x: number | null) => (x === null ? "n/a" : `${(x * 100).toFixed(1)}%`);

/** A readable multi-line summary of results. */
export function summarize(history: string, r: Results, wrote?: string): string {
  const out: string[] = [];
  const mode = r.mode;
  const h = r.history;
  out.push(`kafka-chaos check: ${history}`);
  if (h) out.push(`  ${num(h.ops)} ops · ${num(h.keys)} key${h.keys === 1 ? "" : "s"} · ${r.stats.durationSeconds.toFixed(1)} s of test · checked in ${h.checkSeconds.toFixed(2)} s`);
  out.push(`  mode: ${mode.subscribe ? "subscribe" : "assign"}${mode.transactional ? ", transactional" : ""}${mode.wwDeps ? ", ww deps" : ""} (${mode.source === "test.json" ? "from test.json" : "inferred from the ops"})`);
  out.push("");
  if (r.valid === true) out.push("VALID: no anomaly that counts in this mode.");
  else if (r.valid === false) out.push(`INVALID: ${r["bad-anomaly-types"].join(", ")}`);
  else out.push("UNKNOWN: this history cannot support a verdict.");
  for (const reason of r["unknown-reasons"] ?? []) out.push(`  - ${reason.split("\n")[0]}`);
  if (r["anomaly-types"].length > 0) {
    out.push("");
    const bad = new Set(r["bad-anomaly-types"]);
    const width = Math.max(...r["anomaly-types"].map((t) => t.length));
    for (const t of r["anomaly-types"]) {
      const mark = bad.has(t) ? "✗" : severity(t, mode) === "info" ? "·" : "?";
      const note = bad.has(t) ? "" : " (allowed in this mode)";
      out.push(`${mark} ${t.padEnd(width)}  ${num(r.counts[t] ?? 0)}${note}`);
      for (const a of (r.anomalies[t] ?? []).slice(0, 3)) out.push(`    ${a.explanation}`);
      const more = (r.counts[t] ?? 0) - Math.min(3, r.anomalies[t]?.length ?? 0);
      if (more > 0) out.push(`    … and ${num(more)} more`);
    }
  }
  const s = r.stats;
  out.push("");
  out.push("stats:");
  const fs = Object.keys(s.counts).sort();
  if (fs.length > 0) out.push(`  ok/fail/info: ${fs.map((f) => `${f} ${num(s.counts[f].ok)}/${num(s.counts[f].fail)}/${num(s.counts[f].info)}`).join(", ")}`);
  out.push(`  throughput: ${s.throughput.all.toFixed(1)} ops/s (${s.throughput.ok.toFixed(1)} ok)`);
  const lat = Object.keys(s.latency).sort();
  if (lat.length > 0) out.push(`  latency p50/p99/max ms: ${lat.map((f) => `${f} ${s.latency[f].p50}/${s.latency[f].p99}/${s.latency[f].max}`).join(", ")}`);
  if (s.faultWindows.length > 0 || s.availability.outsideFaults !== null)
    out.push(`  availability: ${pct(s.availability.outsideFaults)} ok outside faults, ${pct(s.availability.inFaults)} inside ${s.faultWindows.length} fault window(s)`);
  if (s.load && s.faultWindows.length > 0) {
    const side = (x: NonNullable<typeof s.load>["inside"]) => `${rate(x.okOpsPerSecond)} ok ops/s over ${x.seconds.toFixed(1)} s, ${num(x.ackedSends)} sends acknowledged, ${num(x.pollsWithData)} polls with data`;
    out.push(`  load outside faults: ${side(s.load.outside)}${s.load.requestedRate ? ` (${s.load.requestedRate} ops/s requested)` : ""}`);
    out.push(`  load inside faults:  ${side(s.load.inside)}`);
  }
  if (s.consumption)
    out.push(`  consumer group: ${num(s.consumption.values)} values read, ${num(s.consumption.once)} once, ${num(s.consumption.more)} more than once (${num(s.consumption.committedMore)} by a second committed transaction)`);
  if (s.worstLag) out.push(`  worst realtime lag: ${s.worstLag.seconds.toFixed(3)} s on ${s.worstLag.key} (process ${s.worstLag.process}, at ${s.worstLag.t.toFixed(1)} s)`);
  const lastUnseen = s.unseen.at(-1);
  if (lastUnseen) out.push(`  unseen at the end: ${num(lastUnseen.count)}`);
  for (const w of r.warnings ?? []) out.push(`warning: ${w}`);
  if (wrote) out.push(`\nwrote ${wrote}`);
  return `${out.join("\n")}\n`;
}
