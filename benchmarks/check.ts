// `npm run bench:check [-- --sizes 10k,100k,1M,10M]`: how fast the checker is. For each size it
// generates a history from the correct-Kafka model (checkers/testing/model.ts) into a temp dir,
// then, each in a fresh child process (so start-up counts, and only one heavy process runs at a
// time): the parse floor (stream the file, JSON.parse every line, nothing else) and the full
// check (parse + all finders + stats). It prints ops/s, peak memory (max RSS of the child) and
// the ratio of check throughput to the floor's. Files are deleted afterwards.

import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkHistoryFile } from "../checkers/index.ts";
import { seededChoose, simulate } from "../checkers/testing/model.ts";

const SIZES: Record<string, number> = { "10k": 1e4, "100k": 1e5, "1M": 1e6, "10M": 1e7 };

interface ChildResult {
  seconds: number;
  maxRssMB: number;
  ops: number;
  valid?: unknown;
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
  if (kind === "floor") ops = await floor(path);
  else {
    const r = await checkHistoryFile(path, { mode: { subscribe: false, transactional: kind === "check-txn" } });
    ops = r.history?.ops ?? 0;
    valid = r.valid;
    if (r.valid !== true) process.stderr.write(`unexpected verdict ${JSON.stringify(r.valid)}: ${JSON.stringify(r["anomaly-types"])} ${JSON.stringify(r["unknown-reasons"])}\n`);
  }
  const out: ChildResult = { seconds: (performance.now() - t0) / 1e3, maxRssMB: process.resourceUsage().maxRSS / 1024, ops, valid };
  process.stdout.write(JSON.stringify(out));
}

function generate(path: string, lines: number, txn: boolean): number {
  const fd = openSync(path, "w");
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    writeSync(fd, chunk.join(""));
    chunk = [];
    size = 0;
  };
  const { ops } = simulate(
    { keys: 16, processes: 12, ops: Math.round(lines / 2), txn, maxPoll: 8, infoPerMille: 5, failPerMille: 5, nemesisEvery: 5000, choose: seededChoose(lines) },
    (op) => {
      const s = `${JSON.stringify(op)}\n`;
      chunk.push(s);
      size += s.length;
      if (size > 1 << 23) flush();
    },
  );
  flush();
  closeSync(fd);
  return ops;
}

function run(kind: string, path: string): { wall: number; r: ChildResult } {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", kind, path], { encoding: "utf8", maxBuffer: 1 << 20 });
  const wall = (performance.now() - t0) / 1e3;
  if (p.status !== 0) throw new Error(`${kind} child failed (${p.status}): ${p.stderr}`);
  if (p.stderr) process.stderr.write(p.stderr);
  return { wall, r: JSON.parse(p.stdout) as ChildResult };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") return child(argv[1], argv[2]);
  let sizes = Object.keys(SIZES);
  let txn = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--sizes") sizes = argv[++i].split(",");
    else if (argv[i].startsWith("--sizes=")) sizes = argv[i].slice(8).split(",");
    else if (argv[i] === "--txn") txn = true;
  }
  for (const s of sizes) if (!(s in SIZES)) throw new Error(`unknown size ${s}; choose from ${Object.keys(SIZES).join(", ")}`);
  const dir = mkdtempSync(join(tmpdir(), "kc-bench-check-"));
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const rows: string[][] = [["size", "ops", "file MB", "check s", "check ops/s", "peak MB", "floor s", "floor ops/s", "vs floor"]];
  console.log(`checker benchmark: ${txn ? "transactional" : "queue (assign)"} workload, 16 keys, 12 processes; wall time of a fresh node process (start-up included)`);
  try {
    for (const s of sizes) {
      const path = join(dir, `history-${s}.jsonl`);
      const g0 = performance.now();
      const ops = generate(path, SIZES[s], txn);
      const mb = statSync(path).size / 1e6;
      process.stderr.write(`generated ${s}: ${fmt(ops)} ops, ${mb.toFixed(0)} MB in ${((performance.now() - g0) / 1e3).toFixed(1)} s\n`);
      const fl = run("floor", path);
      const ck = run(txn ? "check-txn" : "check", path);
      rmSync(path, { force: true });
      const cops = ops / ck.wall;
      const fops = ops / fl.wall;
      rows.push([s, fmt(ops), mb.toFixed(0), ck.wall.toFixed(2), fmt(cops), fmt(ck.r.maxRssMB), fl.wall.toFixed(2), fmt(fops), `${(cops / fops).toFixed(2)}x`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
}

await main(process.argv.slice(2));
