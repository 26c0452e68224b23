// The lifecycle of one test, top to bottom (../shared/design.md):
//
//   config ─▶ cluster up ─▶ clients + nemesis set up ─▶ main phase (workload ∥ faults)
//          ─▶ heal all faults ─▶ recovery wait ─▶ final reads ─▶ history closed
//          ─▶ checkers ─▶ results.json ─▶ report.html ─▶ cluster down ─▶ exit code
//
// Interruption (SIGINT/SIGTERM) aborts the current phase; faults are still healed, the history
// is closed and checked, and the cluster is removed. A second signal skips to teardown.
import fs from "node:fs";
import path from "node:path";
import { checkHistoryFile } from "../checkers/index.ts";
import type { Results } from "../checkers/results.ts";
import { buildFamilies, NemesisRunner, planSchedule, type NemesisEnv } from "../nemeses/index.ts";
import { assertClientAvailable, createWorkload } from "../workloads/index.ts";
import { Cluster } from "./cluster/cluster.ts";
import { assertDockerRunning, removeLeftovers } from "./cluster/docker.ts";
import type { TestConfig } from "./config.ts";
import { KcError } from "./errors.ts";
import type { Op } from "./history/op.ts";
import { HistoryWriter } from "./history/writer.ts";
import { ensureImages } from "./images.ts";
import { runPhase } from "./interpreter.ts";
import { attachRunLog, component } from "./log.ts";
import { Progress } from "./progress.ts";
import { updateStoreIndex, writeRunArtifacts } from "./report/index.ts";
import { Rng } from "./rng.ts";

export interface RunOutcome {
  runDir: string;
  results?: Results;
  exitCode: number;
}

/** Creates store/<name>/<timestamp>/ and points store/latest at it. */
export function createRunDir(config: TestConfig): string {
  const stamp = config.startedAt.replace(/[:.]/g, "").replace(/Z$/, "");
  const dir = path.resolve(config.store, config.name, stamp);
  fs.mkdirSync(path.join(dir, "nodes"), { recursive: true });
  const latest = path.resolve(config.store, "latest");
  fs.rmSync(latest, { force: true });
  fs.symlinkSync(path.relative(path.dirname(latest), dir), latest);
  return dir;
}

const writeJson = (file: string, v: unknown) => fs.writeFileSync(file, JSON.stringify(v, null, 2) + "\n");

export async function runTest(config: TestConfig, signal: AbortSignal, hardStop: AbortSignal): Promise<RunOutcome> {
  const runDir = createRunDir(config);
  const testFile = path.join(runDir, "test.json");
  writeJson(testFile, config);
  const detach = attachRunLog(path.join(runDir, "harness.log"));
  const logger = component("run");
  const runId = `${config.name}-${path.basename(runDir)}`.replace(/[^a-zA-Z0-9_.-]/g, "-").toLowerCase();
  logger.info(`run directory ${runDir}; seed ${config.seed}`);
  let cluster: Cluster | undefined;
  let history: HistoryWriter | undefined;
  let progress: Progress | undefined;
  try {
    await assertDockerRunning();
    await assertClientAvailable(config.client);
    const leftovers = await removeLeftovers();
    if (leftovers.length) logger.info(`removed leftovers of crashed runs: ${leftovers.join(", ")}`);

    // Images, then the test description with the images it really used.
    const images = await ensureImages({ kafkaVersion: config.kafka.version, kafkaImage: config.images.kafka, toxiproxyImage: config.images.toxiproxy });
    config.images = { kafka: images.kafka, toxiproxy: images.toxiproxy };
    writeJson(testFile, config);

    // Cluster up, topics created with full ISR.
    logger.info(`starting ${config.kafka.mode} cluster, Kafka ${config.kafka.version}, ${config.cluster.brokers} brokers`);
    cluster = await Cluster.start({ runId, runDir, images, options: { mode: config.kafka.mode, kafkaVersion: config.kafka.version, ...config.cluster } });
    if (hardStop.aborted) throw new KcError("KC_INTERRUPTED", "interrupted while the cluster was starting", { hint: "nothing was recorded; the cluster is being removed" });
    const workload = createWorkload(config, cluster.bootstrap);
    await cluster.createTopics(workload.topics);
    const admin = cluster.admin;

    // Clients, nemesis and history.
    history = new HistoryWriter(path.join(runDir, "history.jsonl"));
    const ops: Op[] = [];
    history.onAppend((op) => ops.push(op));
    const rng = new Rng(config.seed);
    const families = buildFamilies(config.nemesis.faults, config.nemesis.targets);
    const faultsDone = new AbortController();
    const env: NemesisEnv = { cluster, mode: config.kafka.mode, keys: () => activeKeys(ops), stopping: faultsDone.signal };
    const nemesis = new NemesisRunner(env, families, history, rng.fork("nemesis"));
    const plan = planSchedule(
      { families, intervalSeconds: config.nemesis.intervalSeconds, quietSeconds: config.nemesis.quietSeconds, timeLimitSeconds: config.timeLimitSeconds },
      rng.fork("schedule"),
    );
    progress = new Progress(history, () => [...nemesis.current.values()]);

    // Main phase: workload and faults side by side.
    progress.phase("main", config.timeLimitSeconds);
    const mainStart = Date.now();
    const stopFaults = () => faultsDone.abort();
    signal.addEventListener("abort", stopFaults, { once: true });
    try {
      await Promise.all([
        runPhase({
          generator: workload.generator(),
          clients: workload.clients,
          concurrency: config.concurrency,
          history,
          rate: config.rate,
          durationMs: config.timeLimitSeconds * 1000,
          signal,
          opTimeoutMs: workload.opTimeoutMs,
        }).finally(stopFaults),
        nemesis.run(plan, mainStart, faultsDone.signal),
      ]);
    } finally {
      // Heal every fault, whatever happened above.
      progress.phase("heal");
      await nemesis.healAll();
    }

    if (!signal.aborted) {
      progress.phase("recovery", config.recoverySeconds);
      await sleep(config.recoverySeconds * 1000, signal);
    }
    if (!hardStop.aborted) {
      progress.phase("final reads", config.finalTimeLimitSeconds);
      await workload.finalReads(history, ops, {
        deadlineMs: Date.now() + config.finalTimeLimitSeconds * 1000,
        signal: hardStop,
        logEnds: (keys) => admin.endOffsets(keys),
      });
    }
    progress.stop();
    history.close();

    // Check, report.
    logger.info(`checking ${history.count} ops`);
    const results = await checkHistoryFile(history.path, { mode: { subscribe: config.workload.subscribe, transactional: config.workload.txn } });
    writeJson(path.join(runDir, "results.json"), results);
    await writeRunArtifacts(runDir);
    await updateStoreIndex(path.resolve(config.store));
    const exitCode = results.valid === true ? 0 : results.valid === false ? 1 : 2;
    logger.info(verdictLine(results, runDir));
    return { runDir, results, exitCode };
  } catch (err) {
    progress?.stop();
    history?.close();
    logger.error(`run failed: ${(err as Error).message}`);
    throw err;
  } finally {
    await cluster?.stop().catch((e) => logger.warn(`teardown: ${(e as Error).message}`));
    detach();
  }
}

export function verdictLine(r: Results, runDir: string): string {
  const v = r.valid === true ? "VALID" : r.valid === false ? "INVALID" : "UNKNOWN";
  const bad = r["bad-anomaly-types"].map((t) => `${t} ×${r.counts[t]}`).join(", ");
  const why = r.valid === "unknown" && r["unknown-reasons"]?.length ? ` (${r["unknown-reasons"].join("; ")})` : "";
  return `${v}${bad ? `: ${bad}` : ""}${why}. Report: ${path.join(runDir, "report.html")}`;
}

/** Keys of the most recent sends (for leader targeting). */
function activeKeys(ops: readonly Op[]): string[] {
  const keys = new Set<string>();
  for (let i = ops.length - 1; i >= 0 && keys.size < 16 && i > ops.length - 2000; i--) {
    const op = ops[i];
    if (op.type === "invoke" && Array.isArray(op.value)) for (const m of op.value as unknown[][]) if (m[0] === "send") keys.add(String(m[1]));
  }
  return [...keys];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
