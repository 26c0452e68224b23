// `npm run bench:soak -- --minutes N [--rate R] [--nemesis partition]`: one long safe run at a
// steady rate, printing the harness's own memory every minute (RSS and V8 heap), then the
// largest RSS from minute 5 on as a ratio of minute 5's: a flat line is what a long run needs
// (the main phase keeps per-key state and the 16 newest send keys, not the ops). Not part of the
// default tests: a 60-minute soak is the figure that counts.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runTest } from "../index.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, rate: { type: "string", default: "500" }, nemesis: { type: "string", default: "" } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes >= 1) || !(rate > 0)) throw new Error("usage: npm run bench:soak -- --minutes N [--rate R] (N >= 1, R > 0)");
const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-soak-"));
const mb = (n: number) => (n / 2 ** 20).toFixed(0);
const samples: { minute: number; rss: number; heap: number }[] = [];
const t0 = Date.now();
// With --expose-gc (the npm script passes it), each sample also has the heap right after a full
// collection: what the run really holds, apart from V8's choice of when to collect.
const gc = (globalThis as { gc?: () => void }).gc;
const timer = setInterval(() => {
  const m = process.memoryUsage();
  const minute = Math.round((Date.now() - t0) / 60_000);
  let live = "";
  if (gc) {
    gc();
    live = `  heap after a full GC ${mb(process.memoryUsage().heapUsed).padStart(5)} MB`;
  }
  samples.push({ minute, rss: m.rss, heap: m.heapUsed });
  console.log(
    `minute ${String(minute).padStart(3)}  rss ${mb(m.rss).padStart(5)} MB  heap ${mb(m.heapUsed).padStart(5)} of ${mb(m.heapTotal).padStart(5)} MB  external ${mb(m.external).padStart(5)} MB  array buffers ${mb(m.arrayBuffers).padStart(5)} MB${live}`,
  );
}, 60_000);
const r = await runTest(
  {
    name: "soak",
    store,
    producer: { acks: "all", idempotent: true },
    workload: { sendsPerKey: 1_000_000_000, activeKeys: 8 },
    concurrency: 8,
    rate,
    timeLimitSeconds: minutes * 60,
    nemesis: { faults: values.nemesis ? values.nemesis.split(",") : [] },
  },
  { report: false },
);
clearInterval(timer);
const ops = r.results?.history?.ops ?? 0;
console.log(`\nverdict ${String(r.valid)}; ${ops} ops in ${minutes} min (${(ops / 2 / (minutes * 60)).toFixed(0)} ops/s completed); run directory ${r.runDir}`);
const five = samples.find((s) => s.minute === 5);
const later = samples.filter((s) => s.minute >= 5);
if (five && later.length > 1) {
  const max = Math.max(...later.map((s) => s.rss));
  console.log(`largest RSS from minute 5 on: ${mb(max)} MB = ${(max / five.rss).toFixed(2)}x minute 5's ${mb(five.rss)} MB`);
} else console.log("(run 6 minutes or more for the minute-5 ratio)");
process.exit(0);
