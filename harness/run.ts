// The lifecycle of one test, top to bottom (docs/design.md):
//
//   config ─▶ cluster up ─▶ clients + nemesis set up ─▶ main phase (workload ∥ faults)
//          ─▶ heal all faults ─▶ recovery wait ─▶ final reads ─▶ history closed
//          ─▶ checkers ─▶ results.json ─▶ report.html ─▶ cluster down ─▶ exit code
//
// Interruption (SIGINT/SIGTERM) aborts the current phase; faults are still healed, the history
// is closed and checked, and the cluster is removed. A second signal skips to teardown.
//
// The seams: the deployment (where nodes run, deployments/), the broker product (what runs on
// them, products/), the client and workload (clients/, workloads/), the nemesis families
// (nemeses/), the checkers. The report is drawn by the layer above (report/), passed in as a hook.
import fs from "node:fs";
import path from "node:path";
import { checkHistoryFile } from "../checkers/index.ts";
import { dumpAnomalousPartitions } from "./segment-dumps.ts";
import type { Results } from "../checkers/results.ts";
import { loadClientLibrary } from "../clients/index.ts";
import type { HostInfo } from "../clients/remote/remote.ts";
import { localClientHosts } from "../clients/remote/local.ts";
import { KcError } from "../core/errors.ts";
import { exitCodeForVerdict } from "../core/exit-codes.ts";
import type { Key, Op } from "../core/history/op.ts";
import { readOpsFile } from "../core/history/ops-file.ts";
import { HistoryWriter } from "../core/history/writer.ts";
import { attachRunLog, component } from "../core/log.ts";
import { Rng } from "../core/rng.ts";
import { deploymentNamed, type StartedCluster } from "../deployments/index.ts";
import { buildFamilies, NemesisRunner, planSchedule, type NemesisEnv } from "../nemeses/index.ts";
import { brokerProduct } from "../products/index.ts";
import { checkApplication, withApplication } from "../checkers/application.ts";
import { bundledLibrary } from "../clients/index.ts";
import { ACKS } from "../clients/kafkajs/client.ts";
import { ApplicationRun, preflightApplication, validateApplication, type Application } from "../workloads/application/index.ts";
import { createWorkload, SeenOffsets } from "../workloads/index.ts";
import { runPhase } from "../workloads/interpreter.ts";
import { deploymentSettings, type TestConfig } from "./config.ts";
import { awaitCoordinators } from "./coordinators.ts";
import { Progress } from "./progress.ts";

/** What the caller adds to a run: today, the report (report/ sits above this layer). */
export interface RunHooks {
  /** Writes report.html (and the CI summaries) into the run directory and the store's index. */
  report?: (runDir: string, store: string) => Promise<void>;
  /**
   * Application mode (workloads/application/): the user's service is the client under test. The
   * harness feeds its input topic and judges its outputs as well as Kafka's behaviour.
   */
  application?: Application;
}

export interface RunOutcome {
  runDir: string;
  results?: Results;
  exitCode: number;
}

/**
 * Targets that need transactions: a queue run leaves them out of its schedules (they would only
 * fail, "no transactional id in use") and refuses them when asked for.
 */
const NO_TXN_TARGETS: Record<string, string> = {
  "txn-coordinator": "the queue workload has no transactions (use --workload txn)",
  "txn-leader-not-coordinator": "the queue workload has no transactions (use --workload txn)",
};

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

/** A run id from a test name and run directory: labels and Docker names accept only these characters. */
export const runIdOf = (...parts: string[]): string => parts.join("-").replace(/[^a-zA-Z0-9_.-]/g, "-").toLowerCase();

export async function runTest(config: TestConfig, signal: AbortSignal, hardStop: AbortSignal, hooks: RunHooks = {}): Promise<RunOutcome> {
  // The application under test: code given to runTest, or a container named in the description (--app-image).
  const application: Application | undefined = hooks.application ?? (config.application?.container ? { ...config.application } : undefined);
  if (application) {
    validateApplication(application);
    const { start: _start, ...described } = application;
    config.application = described;
  }
  const deployment = deploymentNamed(config.deployment);
  const options = { mode: config.kafka.mode, kafkaVersion: config.kafka.version, ...config.cluster };
  const product = brokerProduct(options, config.product);
  const settings = deploymentSettings(config);
  // Refuse faults the deployment cannot do, and targets the product lacks, before anything starts.
  // Links between nodes are the product's to name (tansu's brokers have none to each other).
  const offered = (deployment.capabilitiesFor?.(settings) ?? deployment.capabilities).filter((c) => c !== "peer-links" || product.peerLinks?.().length);
  const families = buildFamilies(config.nemesis.faults, config.nemesis.targets, offered, {
    upgradeTo: config.kafka.upgradeTo,
    unsupportedTargets: { ...product.unsupportedTargets, ...(config.workload.txn ? {} : NO_TXN_TARGETS) },
    product: product.description,
  });
  const runDir = createRunDir(config);
  const testFile = path.join(runDir, "test.json");
  writeJson(testFile, config);
  const detach = attachRunLog(path.join(runDir, "harness.log"));
  const logger = component("run");
  const runId = runIdOf(config.name, path.basename(runDir));
  logger.info(`run directory ${runDir}; seed ${config.seed}`);
  let cluster: StartedCluster | undefined;
  let history: HistoryWriter | undefined;
  let progress: Progress | undefined;
  let app: ApplicationRun | undefined;
  try {
    const leftovers = await deployment.preflight(settings);
    if (leftovers.length) logger.info(`removed leftovers of crashed runs: ${leftovers.join(", ")}`);
    if (application) await preflightApplication(application);

    // The client library (installed on demand), images, then the test description with the
    // client version and the images it really used.
    const library = await loadClientLibrary({ name: config.client, version: config.clientVersion });
    config.clientVersion = library.version;
    const artifacts = await deployment.prepare({
      kafkaVersion: config.kafka.version,
      images: config.images,
      upgradeTo: config.kafka.upgradeTo,
      product: config.product,
      settings,
      client: { name: library.name, version: library.version, dir: library.dir },
    });
    config.images = config.product ? { [config.product.name]: artifacts.kafka, toxiproxy: artifacts.toxiproxy } : { kafka: artifacts.kafka, toxiproxy: artifacts.toxiproxy };
    writeJson(testFile, config);

    // Cluster up, topics created with full ISR.
    logger.info(`starting ${product.description} on ${deployment.name}, ${config.cluster.brokers} brokers`);
    cluster = await deployment.start({ runId, runDir, options, product, artifacts, settings });
    if (cluster.info) {
      config.deploymentInfo = cluster.info;
      writeJson(testFile, config);
    }
    if (hardStop.aborted) throw new KcError("KC_INTERRUPTED", "interrupted while the cluster was starting", { hint: "nothing was recorded; the cluster is being removed" });
    // A cluster that outlives the run gets topics of this run's own (it removes them at its end).
    const topicPrefix = cluster.persistent ? `kc-${Date.now().toString(36)}-t` : undefined;
    // Clients run in the cluster's pods when it offers them (--clients-in pod), in a child process
    // of the harness with --clients-in process; where each host ran goes in test.json.
    const hosts: HostInfo[] = [];
    const onHost = (h: HostInfo) => {
      if (hosts.some((x) => x.hostname === h.hostname)) return;
      hosts.push(h);
      config.deploymentInfo = { ...config.deploymentInfo, clientHosts: hosts };
      writeJson(testFile, config);
      logger.info(`client host up on ${h.hostname} (Node ${h.node}, ${library.name} ${h.version})`);
    };
    // In application mode the workload only reads back (kafkajs, which reads the kc-value header).
    const appTopics = application && ApplicationRun.topics(application, config.workload.replicationFactor);
    const workload = appTopics
      ? createWorkload({ ...config, client: "kafkajs" }, cluster.bootstrap, { library: bundledLibrary("kafkajs"), topics: appTopics })
      : createWorkload(config, cluster.bootstrap, { library, topicPrefix, remote: cluster.clientHosts ?? (config.clientsIn === "process" ? localClientHosts(library.dir) : undefined), onHost });
    await cluster.createTopics(workload.topics);
    const coordinated = (processes: number[]) => (application ? { groups: [application.groupId], transactionalIds: [] } : workload.coordinated(processes));
    // The coordinators the workload will use, found now rather than in the main phase.
    const firstProcesses = Array.from({ length: config.concurrency }, (_, p) => p);
    const coordinators = await awaitCoordinators(cluster, coordinated(firstProcesses), 30_000, signal);
    if (coordinators.missing.length) logger.warn(`no coordinator after ${(coordinators.ms / 1000).toFixed(1)} s for ${coordinators.missing.join(", ")}; the main phase starts anyway`);
    else logger.info(`coordinators ready in ${(coordinators.ms / 1000).toFixed(1)} s`);
    const started = cluster;

    // Clients, nemesis and history.
    history = new HistoryWriter(path.join(runDir, "history.jsonl"));
    const recent = new RecentKeys(16);
    const live = new LiveProcesses(config.concurrency);
    const seen = new SeenOffsets();
    history.onAppend((op) => {
      recent.see(op);
      live.see(op);
      seen.see(op);
    });
    const rng = new Rng(config.seed);
    const faultsDone = new AbortController();
    const env: NemesisEnv = { cluster, mode: product.mode, keys: () => recent.keys(), coordinated: () => coordinated(live.processes()), stopping: faultsDone.signal };
    const nemesis = new NemesisRunner(env, families, history, rng.fork("nemesis"), { debugPartitions: config.nemesis.debugPartitions });
    const plan = planSchedule(
      { families, intervalSeconds: config.nemesis.intervalSeconds, quietSeconds: config.nemesis.quietSeconds, timeLimitSeconds: config.timeLimitSeconds, stableSeconds: config.nemesis.stableSeconds },
      rng.fork("schedule"),
    );
    progress = new Progress(history, () => [...nemesis.current.values()]);

    if (application) {
      app = new ApplicationRun(application, cluster, history, runDir);
      await app.start();
    }

    // Main phase: workload (or the application's feeder) and faults side by side.
    progress.phase("main", config.timeLimitSeconds);
    const mainStart = Date.now();
    const stopFaults = () => faultsDone.abort();
    signal.addEventListener("abort", stopFaults, { once: true });
    try {
      await Promise.all([
        (app
          ? app.feed(config.timeLimitSeconds * 1000, signal, { idempotent: config.producer.idempotent, acks: ACKS[config.producer.acks] })
          : runPhase({
          generator: workload.generator(),
          clients: workload.clients,
          concurrency: config.concurrency,
          history,
          rate: config.rate,
          durationMs: config.timeLimitSeconds * 1000,
          signal,
          opTimeoutMs: workload.opTimeoutMs,
        })
        ).finally(stopFaults),
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
      // With --debug-partitions: what the brokers believe once they had time to settle.
      await nemesis.observe({ after: "recovery" });
    }
    // The application catches up on a healed cluster for a stated time, then stops; what its
    // group committed tells lost inputs from pending ones.
    let committed: Record<string, number> = {};
    if (app) {
      if (!signal.aborted) {
        progress.phase("drain", app.app.drainSeconds);
        await sleep(app.app.drainSeconds * 1000, signal);
      }
      await app.stop();
      if (app.containerStats && config.application) {
        config.application.containerStats = app.containerStats;
        writeJson(testFile, config);
        logger.info(`application container: ${JSON.stringify(app.containerStats)}`);
      }
      committed = await app.committed().catch((e) => {
        logger.warn(`the application's committed offsets could not be read: ${(e as Error).message}`);
        return {};
      });
    }
    if (!hardStop.aborted) {
      progress.phase("final reads", config.finalTimeLimitSeconds);
      // Final read targets: the highest offsets the run's ok ops proved, kept as they were
      // appended (reading history.jsonl back took 51 s of a 60 s budget after a 60-minute run).
      await workload.finalReads(history, seen, {
        deadlineMs: Date.now() + config.finalTimeLimitSeconds * 1000,
        signal: hardStop,
        logEnds: (keys, isolation) => started.endOffsets(keys, isolation),
      });
    }
    progress.stop();
    history.close();

    // Check, report.
    logger.info(`checking ${history.count} ops`);
    const kafkaResults = await checkHistoryFile(history.path, { mode: { subscribe: app ? true : config.workload.subscribe, transactional: app ? false : config.workload.txn, wwDeps: config.checker?.wwDeps === true } });
    const results = app
      ? withApplication(kafkaResults, checkApplication(readOpsFile(history.path), { inputs: [app.app.input], outputs: [app.app.output], delivery: app.app.delivery, committed }))
      : kafkaResults;
    writeJson(path.join(runDir, "results.json"), results);
    // An INVALID run keeps what its anomalous partitions look like on disk, before the cluster goes.
    await dumpAnomalousPartitions(started, results, runDir).catch((e) => logger.warn(`segment dumps: ${(e as Error).message}`));
    if (hooks.report) await hooks.report(runDir, path.resolve(config.store));
    const exitCode = exitCodeForVerdict(results.valid);
    logger.info(verdictLine(results, runDir));
    return { runDir, results, exitCode };
  } catch (err) {
    progress?.stop();
    history?.close();
    logger.error(`run failed: ${(err as Error).message}`);
    throw err;
  } finally {
    await app?.stop();
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

/**
 * Keys of the most recent sends, newest first (for leader targeting): the main phase keeps these,
 * not the ops, so its memory does not grow with the history.
 */
export class RecentKeys {
  private readonly order = new Map<Key, true>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  see(op: Op): void {
    if (op.type !== "invoke" || !Array.isArray(op.value)) return;
    for (const m of op.value as unknown[][]) {
      if (m[0] !== "send") continue;
      const k = String(m[1]);
      this.order.delete(k);
      this.order.set(k, true);
      if (this.order.size > this.max) this.order.delete(this.order.keys().next().value as Key);
    }
  }
  keys(): Key[] {
    return [...this.order.keys()].reverse();
  }
}

/** The newest process of each worker slot (coordinator targets look up what they use). */
export class LiveProcesses {
  private readonly bySlot = new Map<number, number>();
  private readonly concurrency: number;
  constructor(concurrency: number) {
    this.concurrency = concurrency;
  }
  see(op: Op): void {
    if (typeof op.process !== "number") return;
    const slot = op.process % this.concurrency;
    if ((this.bySlot.get(slot) ?? -1) < op.process) this.bySlot.set(slot, op.process);
  }
  processes(): number[] {
    return [...this.bySlot.values()].sort((a, b) => a - b);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
