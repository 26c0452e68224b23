// `npm run bench:check [-- --sizes 10k,100k,1M,10M] [--txn-sizes 1M]`: how fast the checker is.
// For each size it generates a queue history (and for each --txn-sizes one a transactional one)
// from the correct-Kafka model (checkers/testing/model.ts) into a temp dir, then, each in a fresh
// child process (so start-up counts, and only one heavy process runs at a time): the parse floor
// (stream the file, JSON.parse every line, nothing else) and the full check (parse + all finders
// + stats). It prints ops/s, peak memory (max RSS of the child) and the ratio of check throughput
// to the floor's; then report.html from that history and its results.json, as `npm run report`
// builds it (seconds, peak memory, page size). Files are deleted afterwards. The children use
// Node's compile cache as the CLI does (cli/kafka-chaos.mjs), filled by a warm-up run.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeModelHistory } from "../checkers/testing/model.ts";

const SIZES: Record<string, number> = { "10k": 1e4, "100k": 1e5, "1M": 1e6, "10M": 1e7 };

interface ChildResult {
  seconds: number;
  maxRssMB: number;
  ops: number;
  valid?: unknown;
  pageMB?: number;
}

async function floor(path: string): Promise<number> {
  const fh = await open(path, "r");
  let buf = Buffer.allocUnsafe(1 << 22);
  let carry = 0;
  let n = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, carry, buf.length - carry, null);
    const end = carry + bytesRead;
    if (bytesRead === 0) {
      if (carry > 0) {
        JSON.parse(buf.toString("utf8", 0, carry));
        n++;
      }
      break;
    }
    const view = buf.subarray(0, end);
    let s = 0;
    for (;;) {
      const nl = view.indexOf(10, s);
      if (nl < 0) break;
      JSON.parse(buf.toString("utf8", s, nl));
      n++;
      s = nl + 1;
    }
    carry = end - s;
    if (s === 0 && carry === buf.length) {
      const b = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(b, 0, 0, carry);
      buf = b;
    } else buf.copy(buf, 0, s, end);
  }
  await fh.close();
  return n;
}

async function child(kind: string, path: string): Promise<void> {
  const t0 = performance.now();
  let ops: number;
  let valid: unknown;
  let pageMB: number | undefined;
  if (kind === "floor") ops = await floor(path);
  else if (kind === "report") {
    // report.html (and the CI files) of the run directory, as `npm run report` writes them.
    const { writeRunArtifacts } = await import("../report/run-dir.ts");
    const a = writeRunArtifacts(dirname(path));
    ops = 0;
    pageMB = statSync(a.report).size / 1e6;
  } else {
    const { checkHistoryFile } = await import("../checkers/index.ts");
    const r = await checkHistoryFile(path, { mode: { subscribe: false, transactional: kind === "check-txn" } });
    ops = r.history?.ops ?? 0;
    valid = r.valid;
    if (r.valid !== true) process.stderr.write(`unexpected verdict ${JSON.stringify(r.valid)}: ${JSON.stringify(r["anomaly-types"])} ${JSON.stringify(r["unknown-reasons"])}\n`);
    // The report child reads it, as a run's report step reads the run's results.json.
    writeFileSync(join(dirname(path), "results.json"), JSON.stringify(r));
  }
  const out: ChildResult = { seconds: (performance.now() - t0) / 1e3, maxRssMB: process.resourceUsage().maxRSS / 1024, ops, valid, pageMB };
  process.stdout.write(JSON.stringify(out));
}

function run(kind: string, path: string): { wall: number; r: ChildResult } {
  const t0 = performance.now();
  // Node's compile cache, in the place cli/kafka-chaos.mjs keeps it for `npm run check`.
  const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache") };
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", kind, path], { encoding: "utf8", maxBuffer: 1 << 20, env });
  const wall = (performance.now() - t0) / 1e3;
  if (p.status !== 0) throw new Error(`${kind} child failed (${p.status}): ${p.stderr}`);
  if (p.stderr) process.stderr.write(p.stderr);
  return { wall, r: JSON.parse(p.stdout) as ChildResult };
}

const USAGE = "usage: npm run bench:check [-- --sizes 10k,100k,1M,10M] [--txn-sizes 1M] (an empty list skips that workload)";

function sizeList(flag: string, v: string | undefined): string[] {
  if (v === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
  const list = v.split(",").filter((x) => x !== "");
  for (const s of list) if (!(s in SIZES)) throw new Error(`unknown size ${s} in ${flag}; choose from ${Object.keys(SIZES).join(", ")}`);
  return list;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") return child(argv[1], argv[2]);
  let sizes = Object.keys(SIZES);
  let txnSizes = ["1M"];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2) as [string, string | undefined];
    if (flag === "--sizes") sizes = sizeList(flag, inline ?? argv[++i]);
    else if (flag === "--txn-sizes") txnSizes = sizeList(flag, inline ?? argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; ${USAGE}`);
  }
  const jobs = [...sizes.map((s) => ({ s, txn: false })), ...txnSizes.map((s) => ({ s, txn: true }))];
  const dir = mkdtempSync(join(tmpdir(), "kc-bench-check-"));
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const rows: string[][] = [["workload", "size", "ops", "file MB", "check s", "check ops/s", "peak MB", "floor s", "floor ops/s", "vs floor", "report s", "report MB", "page MB"]];
  console.log("checker benchmark: queue (assign) and transactional model histories, 16 keys, 12 processes; wall time of a fresh node process (start-up included)");
  try {
    // A small check first fills the compile cache, as any earlier `npm run check` would have.
    mkdirSync(join(dir, "warm-up"));
    const warm = join(dir, "warm-up", "history.jsonl");
    writeModelHistory(warm, 1000, false);
    run("check", warm);
    run("report", warm);
    for (const { s, txn } of jobs) {
      // A run directory of its own: history.jsonl, then results.json and report.html.
      const runDir = join(dir, `${txn ? "txn" : "queue"}-${s}`);
      mkdirSync(runDir);
      const path = join(runDir, "history.jsonl");
      const g0 = performance.now();
      const ops = writeModelHistory(path, SIZES[s], txn);
      const mb = statSync(path).size / 1e6;
      process.stderr.write(`generated ${txn ? "txn" : "queue"} ${s}: ${fmt(ops)} ops, ${mb.toFixed(0)} MB in ${((performance.now() - g0) / 1e3).toFixed(1)} s\n`);
      const fl = run("floor", path);
      const ck = run(txn ? "check-txn" : "check", path);
      const rp = run("report", path);
      rmSync(runDir, { recursive: true, force: true });
      const cops = ops / ck.wall;
      const fops = ops / fl.wall;
      rows.push([txn ? "txn" : "queue", s, fmt(ops), mb.toFixed(0), ck.wall.toFixed(2), fmt(cops), fmt(ck.r.maxRssMB), fl.wall.toFixed(2), fmt(fops), `${(cops / fops).toFixed(2)}x`, rp.wall.toFixed(2), fmt(rp.r.maxRssMB), (rp.r.pageMB ?? 0).toFixed(2)]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  console.log("vs floor: check throughput over the floor's (stream the file, JSON.parse every line, one core); 1.11x or more = the check takes at most 0.9x the floor's time");
}

await main(process.argv.slice(2));
