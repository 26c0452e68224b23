// `npm run bench:workload [-- --seconds 10] [-- --rounds 2] [-- --workload queue|txn]
// [-- --concurrency 4] [-- --processes-per-client 1] [-- --poll-ms 100] [-- --warmup 5]`: ops/s
// and acknowledged sends/s sustained by the kafkajs clients with full
// history recording (HistoryWriter: every op serialised and appended to history.jsonl) against
// the same clients driving the same cluster without recording (a sink that drops ops), as a
// ratio, measured in one run on one cluster. Rate unlimited; an unmeasured warm-up first (it
// pays for __consumer_offsets and JIT warm-up); rounds alternate the order (recorded first, then
// unrecorded first) to cancel drift; each phase uses fresh topics.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Cluster } from "../deployments/docker/cluster.ts";
import { defaultConfig, type WorkloadName } from "../harness/config.ts";
import type { Op } from "../core/history/op.ts";
import { HistoryWriter, type NewOp } from "../core/history/writer.ts";
import { ensureImages } from "../deployments/docker/images.ts";
import { runPhase, type HistorySink, type PhaseSummary } from "../workloads/interpreter.ts";
import { createWorkload } from "../workloads/index.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    workload: { type: "string", default: "queue" },
    concurrency: { type: "string", default: "4" },
    "processes-per-client": { type: "string", default: "1" },
    "poll-ms": { type: "string", default: "100" },
    warmup: { type: "string", default: "5" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

/** Drops every op: the clients and the interpreter do all their work, nothing is recorded. */
class NullHistory implements HistorySink {
  private n = 0;
  private readonly t0 = process.hrtime.bigint();
  now(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }
  append(op: NewOp): Op {
    return { ...op, index: this.n++, time: op.time ?? this.now() } as Op;
  }
}

const config = defaultConfig();
config.workload.name = values.workload as WorkloadName;
config.workload.txn = config.workload.name === "txn";
config.concurrency = Number(values.concurrency);
config.processesPerClient = Number(values["processes-per-client"]);
config.consumer.pollMs = Number(values["poll-ms"]);
config.rate = 0;

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-bench-workload-"));
const cluster = await Cluster.start({
  runId: `bench-wl-${Date.now().toString(36)}`,
  runDir,
  images: await ensureImages({ kafkaVersion: config.kafka.version }),
  options: { ...config.cluster, mode: config.kafka.mode, kafkaVersion: config.kafka.version },
});

/** Counts the acknowledged sends (ok completions of send ops, one per micro-op) on the way to a sink. */
class CountingSink implements HistorySink {
  sendsOk = 0;
  private readonly inner: HistorySink;
  constructor(inner: HistorySink) {
    this.inner = inner;
  }
  now(): number {
    return this.inner.now();
  }
  append(op: NewOp): Op {
    if (op.type === "ok" && Array.isArray(op.value)) for (const m of op.value) if (Array.isArray(m) && m[0] === "send") this.sendsOk++;
    return this.inner.append(op);
  }
}

type Measured = PhaseSummary & { bytes: number; sendsOk: number };

let phases = 0;
async function phase(recorded: boolean, phaseSeconds = seconds): Promise<Measured> {
  const prefix = `b${phases++}t`;
  const w = createWorkload(config, cluster.bootstrap, { topicPrefix: prefix, tag: prefix });
  await cluster.createTopics(w.topics);
  const file = path.join(runDir, `${prefix}.jsonl`);
  const history = recorded ? new HistoryWriter(file) : new NullHistory();
  const counted = new CountingSink(history);
  try {
    const s = await runPhase({
      generator: w.generator(),
      clients: w.clients,
      concurrency: config.concurrency,
      history: counted,
      rate: 0,
      durationMs: phaseSeconds * 1000,
      opTimeoutMs: w.opTimeoutMs,
    });
    if (history instanceof HistoryWriter) history.close();
    return { ...s, bytes: recorded ? fs.statSync(file).size : 0, sendsOk: counted.sendsOk };
  } finally {
    if (history instanceof HistoryWriter) history.close();
  }
}

const rec: Measured[] = [];
const bare: Measured[] = [];
try {
  if (Number(values.warmup) > 0) await phase(false, Number(values.warmup));
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      rec.push(await phase(true));
      bare.push(await phase(false));
    } else {
      bare.push(await phase(false));
      rec.push(await phase(true));
    }
  }
} finally {
  await cluster.stop();
  fs.rmSync(runDir, { recursive: true, force: true });
}

const total = (xs: PhaseSummary[]) => xs.reduce((a, s) => a + s.ok + s.fail + s.info, 0);
const time = (xs: PhaseSummary[]) => xs.reduce((a, s) => a + s.elapsedMs, 0) / 1000;
const rate = (xs: PhaseSummary[]) => total(xs) / time(xs);
const sendRate = (xs: Measured[]) => xs.reduce((a, s) => a + s.sendsOk, 0) / time(xs);
const fmt = (s: Measured) => `${s.opsPerSecond.toFixed(0)} ops/s, ${((s.sendsOk * 1000) / s.elapsedMs).toFixed(0)} acknowledged sends/s (ok ${s.ok}, fail ${s.fail}, info ${s.info})`;
console.log(
  `bench:workload — ${config.workload.name}, kafkajs, ${config.kafka.mode} ${config.kafka.version}, ${config.cluster.brokers} brokers, concurrency ${config.concurrency}, ${config.processesPerClient} process(es) per producer, rate unlimited, poll ${config.consumer.pollMs} ms, ${rounds} × ${seconds} s per mode`,
);
rec.forEach((s, i) => console.log(`  round ${i + 1} recorded:     ${fmt(s)}, ${(s.bytes / 1024).toFixed(0)} KiB of history`));
bare.forEach((s, i) => console.log(`  round ${i + 1} not recorded: ${fmt(s)}`));
console.log(`  recorded:     ${rate(rec).toFixed(1)} ops/s`);
console.log(`  not recorded: ${rate(bare).toFixed(1)} ops/s`);
console.log(`  ratio recorded / not recorded: ${(rate(rec) / rate(bare)).toFixed(3)}`);
console.log(`  acknowledged sends/s: recorded ${sendRate(rec).toFixed(0)}, not recorded ${sendRate(bare).toFixed(0)} (ratio ${(sendRate(rec) / sendRate(bare)).toFixed(3)})`);
