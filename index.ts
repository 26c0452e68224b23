// kafka-chaos as a library. Importing it does nothing: no listeners, no streams, no Docker
// connection; each of those starts when a function that needs it is called.
//
//   import { runTest, KafkaCluster, check } from "kafka-chaos";
//   const r = await runTest({ nemesis: { faults: ["partition"] }, timeLimitSeconds: 20 });
//   r.valid  // true, false or "unknown"; r.runDir has test.json, history.jsonl, results.json, report.html
//
// The pure checkers alone (no Docker, no Kafka client): `import { check } from "kafka-chaos/checkers"`.
import { EXIT } from "./core/exit-codes.ts";
import type { Results, Verdict } from "./checkers/index.ts";
import { runTest as runLifecycle } from "./harness/run.ts";
import { resolveSpec, type TestSpec } from "./harness/spec.ts";
import { writeReports } from "./report/index.ts";
import type { Application } from "./workloads/application/index.ts";

export interface TestResult {
  /** store/<name>/<timestamp>/ of this run. */
  runDir: string;
  valid: Verdict | undefined;
  results?: Results;
  /** 0 valid, 1 invalid, 2 unknown (EXIT). */
  exitCode: number;
}

export interface RunTestOptions {
  /** Aborting stops the workload; faults are healed and what was recorded is checked. */
  signal?: AbortSignal;
  /** Write report.html and the store's index (default true). */
  report?: boolean;
  /**
   * Test your own application instead of the built-in workload: the harness feeds
   * `application.input`, starts the application with a recorder for its kafkajs clients, and
   * judges its outputs in `application.output` as well as Kafka (README: "Testing your own application").
   */
  application?: Application;
}

/**
 * Runs one test, as `npm run chaos` does: cluster up, workload and faults, heal, final reads,
 * check, report, cluster down. Resolves with the verdict; harness errors reject with a KcError.
 */
export async function runTest(spec: TestSpec = {}, opts: RunTestOptions = {}): Promise<TestResult> {
  const config = resolveSpec(spec);
  const never = new AbortController().signal;
  const out = await runLifecycle(config, opts.signal ?? never, never, { report: opts.report === false ? undefined : writeReports, application: opts.application });
  return { runDir: out.runDir, valid: out.results?.valid, results: out.results, exitCode: out.exitCode };
}

export { KafkaCluster, type StartedKafkaCluster } from "./harness/cluster-builder.ts";
export { resolveSpec, type TestSpec } from "./harness/spec.ts";
export { defaultConfig, parseRunFlags, type TestConfig } from "./harness/config.ts";
export { check, checkHistoryFile, checkOps, type Anomaly, type CheckOptions, type Results, type Stats, type Verdict } from "./checkers/index.ts";
export { KcError } from "./core/errors.ts";
export { Recorder, type Application, type ApplicationContext, type ApplicationImage, type StopApplication } from "./workloads/application/index.ts";
export { APP_ANOMALY_TYPES, checkApplication, type AppResults, type Delivery } from "./checkers/application.ts";
export { EXIT };
export type { Op } from "./core/history/op.ts";
export { DEPLOYMENTS, type Deployment, type StartedCluster } from "./deployments/index.ts";
export { FAMILIES as NEMESES } from "./nemeses/index.ts";
export { apacheKafka } from "./products/kafka/index.ts";
export type { BrokerProduct, NodeSpec } from "./products/product.ts";
