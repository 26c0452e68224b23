// Shared pieces of the integration tests: a real cluster per test file, and polling helpers.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { expect } from "vitest";
import { Cluster } from "../../deployments/docker/cluster.ts";
import { defaultConfig } from "../../harness/config.ts";
import { ensureImages } from "../../deployments/docker/images.ts";
import type { ClusterOptions, Mode } from "../../products/kafka/topology.ts";

export interface TestClusterOptions {
  mode: Mode;
  kafkaVersion: string;
  brokers?: number;
  brokerConfig?: Record<string, string>;
  /** Anything else of the cluster's options (layers, log dirs, a combined KRaft quorum). */
  extra?: Partial<ClusterOptions>;
}

export async function startTestCluster(o: TestClusterOptions): Promise<{ cluster: Cluster; runDir: string }> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-it-"));
  const images = await ensureImages({ kafkaVersion: o.kafkaVersion });
  const d = defaultConfig().cluster;
  const cluster = await Cluster.start({
    runId: `it-${path.basename(runDir).slice(6)}-${Date.now().toString(36)}`,
    runDir,
    images,
    options: {
      mode: o.mode,
      kafkaVersion: o.kafkaVersion,
      brokers: o.brokers ?? 3,
      zookeepers: 3,
      controllers: 3,
      combined: false,
      brokerConfig: o.brokerConfig ?? {},
      javaOpts: d.javaOpts,
      ...o.extra,
    },
  });
  return { cluster, runDir };
}

/** Polls until `fn` returns a truthy value; fails with `what` after the timeout. */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** `npm run chaos -- run ...` as a user runs it: a subprocess; its exit code and its output. */
export function chaos(args: string[], opts: { interruptAfterMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve("cli/main.ts"), "run", ...args], { env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    if (opts.interruptAfterMs) setTimeout(() => child.kill("SIGINT"), opts.interruptAfterMs);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Every run directory of a store (<store>/<test>/<run>). */
export const runDirsOf = (store: string): string[] =>
  fs
    .readdirSync(store, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((t) => fs.readdirSync(path.join(store, t.name)).map((r) => path.join(store, t.name, r)));

/** A JSON file, parsed. */
export const readJson = (f: string) => JSON.parse(fs.readFileSync(f, "utf8"));

/**
 * A steady stream of acks=all idempotent writes to partition 0 of `topic`, one every 20 ms, for as
 * long as a test file runs; `readBack` stops it and reads the topic back from the beginning,
 * checking that every acknowledged value is there, in the order it was acknowledged.
 */
export async function backgroundWrites(cluster: Cluster, topic: string, value: (i: number) => string = (i) => `v-${i}`) {
  const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 30 } });
  const producer = kafka.producer({ idempotent: true });
  const acked: string[] = [];
  let writing = true;
  // Connected before the caller's faults begin (a first connection to a broker that is restarting fails).
  await producer.connect();
  const done = (async () => {
    for (let i = 0; writing; i++) {
      const v = value(i);
      await producer.send({ topic, acks: -1, messages: [{ value: v }] }).then(() => acked.push(v), () => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
    await producer.disconnect().catch(() => undefined);
  })();
  const stop = async () => {
    writing = false;
    await done.catch(() => undefined);
  };
  const readBack = async (minimum: number) => {
    await stop();
    expect(acked.length).toBeGreaterThan(minimum);
    const c = kafka.consumer({ groupId: `read-back-${Date.now()}` });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(async () => seen.length >= acked.length, "every acknowledged value read back", 60_000);
    await c.disconnect();
    // Idempotent sends in order: what was acknowledged reads back in that order, with no gaps.
    const ackedSet = new Set(acked);
    expect(seen.filter((v) => ackedSet.has(v))).toEqual(acked);
  };
  return { acked, stop, readBack };
}
