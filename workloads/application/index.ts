// Application mode: the user's own service is the client under test. The harness feeds its
// input topic (unique integers, recorded sends through the same recording layer), starts the
// application with a Recorder for its clients, keeps it running through the faults, the heal
// and a drain period, stops it, and asks the application's group what it committed. The run's
// final reads then read both topics and the checkers judge Kafka's behaviour and the
// application's (checkers/application.ts).
import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import type { TopicSpec } from "../../clients/kafkajs/admin.ts";
import { KcError } from "../../core/errors.ts";
import { formatKey, type Key } from "../../core/history/op.ts";
import { component } from "../../core/log.ts";
import { TIMED_OUT, within } from "../../core/within.ts";
import type { Delivery } from "../../checkers/application.ts";
import type { HistorySink } from "../interpreter.ts";
import { Recorder } from "./recorder.ts";
import { assertApplicationImage, ContainerApplication, type ApplicationImage, type ContainerStats, type JoinedNetwork } from "./container.ts";
import { ENV } from "./lines.ts";

export { Recorder, recordValue, VALUE_HEADER } from "./recorder.ts";
export { lineSink, recorderFromEnv, parseLine, LINE_PREFIX, ENV as APPLICATION_ENV } from "./lines.ts";
export type { ApplicationImage, ContainerStats } from "./container.ts";

export interface ApplicationContext {
  /** The cluster's bootstrap addresses (through its proxies). */
  bootstrap: string[];
  /** Wrap the clients the application constructs: `record.producer(p)`, `record.consumer(c)`. */
  record: Recorder;
  input: string;
  output: string;
}

/** A running application: stopping it is abrupt or clean, as the application decides. */
export type StopApplication = () => Promise<void>;

export interface Application {
  /** The topic the harness feeds and the application reads (created by the run). */
  input: string;
  /** The topic the application writes (created by the run). */
  output: string;
  /** The application's consumer group: its committed offsets tell lost inputs from pending ones. */
  groupId: string;
  /** exactly-once makes a second output of one input an anomaly that counts; at-least-once (default) only counts it. */
  delivery?: Delivery;
  /** Partitions of the input topic (default 3). */
  partitions?: number;
  /** Partitions of the output topic (default: as many as the input's). */
  outputPartitions?: number;
  /** Message keys the feeder cycles through (default 8); each key's inputs must come out in order. */
  keys?: number;
  /** Inputs fed per second during the main phase (default 20). */
  rate?: number;
  /** Seconds the application keeps running after the heal and recovery wait, to catch up (default 20). */
  drainSeconds?: number;
  /** In process: starts the application; resolves once it runs, with the function that stops it. Give this or `container`. */
  start?(ctx: ApplicationContext): Promise<StopApplication>;
  /** As a container of the user's own image, on the run's network (local Docker, Apache Kafka). Give this or `start`. */
  container?: ApplicationImage;
}

/** How long the application's start and stop may take. */
const START_MS = 60_000;
const STOP_MS = 15_000;

/** Feeder producers, one send in flight each. */
const FEEDERS = 8;

interface Feeder {
  producer: Producer;
  connected: boolean;
}

export const APP_DEFAULTS = { delivery: "at-least-once" as Delivery, partitions: 3, keys: 8, rate: 20, drainSeconds: 20 };

const quiet = (bootstrap: string[]) => new Kafka({ brokers: bootstrap, clientId: "kc-app-harness", logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 10_000 });

/** Checks the application description before anything starts. */
export function validateApplication(app: Application): void {
  const bad = (what: string, hint: string) => new KcError("KC_BAD_APPLICATION", what, { hint });
  for (const t of ["input", "output"] as const) {
    if (typeof app[t] !== "string" || !/^[a-zA-Z0-9._-]{1,200}$/.test(app[t])) throw bad(`application.${t} is ${JSON.stringify(app[t])}, not a topic name`, "letters, digits, '.', '_' and '-' only");
  }
  if (app.input === app.output) throw bad(`application.input and application.output are both ${app.input}`, "the application must write to a topic other than the one it reads");
  if (typeof app.groupId !== "string" || !app.groupId) throw bad("application.groupId is missing", "give the consumer group the application uses, so committed offsets can be read");
  if ((app.start === undefined) === (app.container === undefined)) throw bad(app.start ? "application has both start and container" : "application has neither start nor container", "give start(ctx), to run it in this process, or container: { image }, to run an image of yours");
  if (app.start !== undefined && typeof app.start !== "function") throw bad("application.start is not a function", "start(ctx) starts the application and resolves with a stop function");
  const c = app.container;
  if (c !== undefined) {
    if (typeof c !== "object" || c === null || typeof c.image !== "string" || !c.image) throw bad(`application.container.image is ${JSON.stringify((c as ApplicationImage | null)?.image)}`, "the name of an image built on this machine, e.g. my-app:test");
    if (c.env !== undefined && (typeof c.env !== "object" || c.env === null || !Object.values(c.env).every((v) => typeof v === "string"))) throw bad("application.container.env is not a map of strings", 'e.g. { LOG_LEVEL: "info" }');
    if (c.command !== undefined && !(Array.isArray(c.command) && c.command.every((v) => typeof v === "string"))) throw bad("application.container.command is not a list of strings", 'e.g. ["node", "app.js"]');
    if (c.killEverySeconds !== undefined && !(Number.isFinite(c.killEverySeconds) && c.killEverySeconds >= 2)) throw bad(`application.container.killEverySeconds is ${JSON.stringify(c.killEverySeconds)}`, "a number of seconds ≥ 2");
  }
  if (app.delivery !== undefined && app.delivery !== "exactly-once" && app.delivery !== "at-least-once") throw bad(`application.delivery is ${JSON.stringify(app.delivery)}`, "exactly-once or at-least-once");
  for (const k of ["partitions", "outputPartitions", "keys", "rate", "drainSeconds"] as const) {
    const v = app[k];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw bad(`application.${k} is ${JSON.stringify(v)}`, "a positive number");
  }
}

/** What can be checked of the application before the cluster starts: a container's image is here. */
export async function preflightApplication(app: Application): Promise<void> {
  if (app.container) await assertApplicationImage(app.container.image);
}

export class ApplicationRun {
  readonly app: Application & typeof APP_DEFAULTS & { outputPartitions: number };
  readonly recorder: Recorder;
  private readonly bootstrap: string[];
  private readonly network?: JoinedNetwork;
  private readonly runDir: string;
  private readonly history: HistorySink;
  /** Partition counts of the application's two topics. */
  private readonly partitions: Record<string, number>;
  private stopApp?: StopApplication;
  private container?: ContainerApplication;
  private readonly log = component("application");

  /** `app` has passed validateApplication (the run checks it before anything starts). */
  constructor(app: Application, cluster: { bootstrap: string[]; containerNetwork?: JoinedNetwork }, history: HistorySink, runDir: string) {
    this.app = { ...APP_DEFAULTS, ...app, outputPartitions: app.outputPartitions ?? app.partitions ?? APP_DEFAULTS.partitions };
    this.bootstrap = cluster.bootstrap;
    this.network = cluster.containerNetwork;
    this.runDir = runDir;
    this.history = history;
    this.partitions = { [app.input]: this.app.partitions, [app.output]: this.app.outputPartitions };
    this.recorder = new Recorder(history, { partitions: this.partitions });
  }

  static topics(app: Application, replicationFactor: number): TopicSpec[] {
    const partitions = app.partitions ?? APP_DEFAULTS.partitions;
    return [
      { name: app.input, partitions, replicationFactor },
      { name: app.output, partitions: app.outputPartitions ?? partitions, replicationFactor },
    ];
  }

  /**
   * Starts the application as a supervisor would: a start that throws (a broker down, a
   * leadership election) is tried again after a second, its clients crashed first, for up to
   * START_MS in all.
   */
  async start(): Promise<void> {
    if (this.app.container) return this.startContainer(this.app.container);
    const start = this.app.start!;
    const deadline = Date.now() + START_MS;
    let failed = 0;
    for (;;) {
      const left = deadline - Date.now();
      let error: string;
      try {
        const t = await within(start({ bootstrap: this.bootstrap, record: this.recorder, input: this.app.input, output: this.app.output }), left);
        if (t === TIMED_OUT) error = `start(ctx) did not resolve within ${START_MS / 1000} s`;
        else if (typeof t !== "function") throw new KcError("KC_BAD_APPLICATION", "application.start resolved without a stop function", { hint: "resolve with async () => { await consumer.disconnect(); ... }" });
        else {
          this.stopApp = t;
          return;
        }
      } catch (e) {
        if (e instanceof KcError && e.code === "KC_BAD_APPLICATION") throw e;
        error = (e as Error).message;
      }
      failed++;
      this.recorder.crash(); // what the failed attempt wrapped is dead, as its process would be
      if (Date.now() + 1000 >= deadline) {
        throw new KcError("KC_APP_START_FAILED", `the application did not start in ${START_MS / 1000} s (${failed} attempts): ${error}`, { hint: "start(ctx) must connect its clients to ctx.bootstrap and resolve with a stop function" });
      }
      this.log.warn(`the application's start failed (${error}); trying again in 1 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private async startContainer(image: ApplicationImage): Promise<void> {
    if (!this.network) {
      throw new KcError("KC_APP_NO_NETWORK", "this cluster offers no network for an application container", {
        hint: "run it with --deployment docker and Apache Kafka (other products and deployments: start the application in process, with start(ctx))",
      });
    }
    this.container = new ContainerApplication({
      image,
      network: this.network,
      recorder: this.recorder,
      history: this.history,
      runDir: this.runDir,
      env: {
        [ENV.input]: this.app.input,
        [ENV.output]: this.app.output,
        [ENV.group]: this.app.groupId,
        [ENV.partitions]: JSON.stringify(this.partitions),
      },
    });
    await this.container.start();
  }

  /** The container's instances, kills and crashes (container applications only). */
  get containerStats(): ContainerStats | undefined {
    return this.container?.stats;
  }

  /**
   * Feeds the input topic at the application's rate until the duration ends or the signal aborts.
   * Open loop over FEEDERS producers, each with one send in flight (kafkajs' idempotent producer
   * must not send concurrently: docs/findings/2026-12-03-kafkajs-shared-idempotent-producer), and
   * over the keys, one send in flight each: a send that hangs (its partition's leader is down or
   * cut off) holds back neither the other feeders nor the other keys, and a tick when every
   * feeder or every key is busy is skipped, not queued. A feeder whose send failed is replaced by a
   * new producer, connected when next used: kafkajs 2.2.4 gives a failed batch's sequence to the
   * next send of the same producer, which is then acknowledged at the failed batch's offset
   * without being written if that batch was written after all
   * (docs/findings/2026-12-04-kafkajs-lone-sender-rewind; this feeder ran into it before).
   */
  async feed(durationMs: number, signal: AbortSignal, producerConfig: { idempotent: boolean; acks: -1 | 0 | 1 }): Promise<void> {
    const kafka = quiet(this.bootstrap);
    const make = (): Feeder => ({
      producer: this.recorder.producer(kafka.producer({ idempotent: producerConfig.idempotent, maxInFlightRequests: producerConfig.idempotent ? 1 : undefined, retry: { retries: 3 } })),
      connected: false,
    });
    const idle: Feeder[] = Array.from({ length: FEEDERS }, make);
    const all = new Set(idle);
    await Promise.all(idle.map(async (f) => {
      await f.producer.connect();
      f.connected = true;
    }));
    this.container?.startKills();
    const end = Date.now() + durationMs;
    const every = 1000 / this.app.rate;
    const inFlight = new Set<Promise<unknown>>();
    // The keys in turn, skipping a key whose send is still in flight: a key on a partition whose
    // leader is cut off holds one feeder, not, tick by tick, every one of them.
    const busy = new Set<string>();
    let n = 0;
    const nextKey = (): string | undefined => {
      for (let i = 0; i < this.app.keys; i++, n++) {
        const key = `k${n % this.app.keys}`;
        if (!busy.has(key)) {
          n++;
          return key;
        }
      }
      return undefined;
    };
    try {
      for (let next = Date.now(); Date.now() < end && !signal.aborted; next += every) {
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const key = nextKey();
        const feeder = key === undefined ? undefined : idle.pop();
        if (!feeder || key === undefined) continue;
        busy.add(key);
        const value = this.recorder.value();
        // Recorded as fail/info when it fails; the feeder is replaced and the feed goes on.
        const attempt = async () => {
          try {
            if (!feeder.connected) {
              await feeder.producer.connect();
              feeder.connected = true;
            }
            await feeder.producer.send({ topic: this.app.input, acks: producerConfig.acks, messages: [{ key, value: String(value) }] });
            idle.push(feeder);
          } catch {
            all.delete(feeder);
            void feeder.producer.disconnect().catch(() => undefined);
            const fresh = make();
            all.add(fresh);
            idle.push(fresh);
          }
        };
        const sent: Promise<unknown> = attempt().finally(() => {
          inFlight.delete(sent);
          busy.delete(key);
        });
        inFlight.add(sent);
      }
      await Promise.all(inFlight);
    } finally {
      this.container?.stopKills();
      await Promise.all([...all].map((f) => f.producer.disconnect().catch(() => undefined)));
    }
  }

  /**
   * Stops the application (its own stop function). A stop that throws, or does not return
   * within STOP_MS, is logged, not fatal: the run goes on without waiting for it.
   */
  async stop(): Promise<void> {
    // A container's stop is idempotent (a second one waits for the first); its stats stay readable.
    if (this.container) return this.container.stop().catch((e: Error) => this.log.warn(`the application container's stop failed: ${e.message}`));
    const stop = this.stopApp;
    this.stopApp = undefined;
    if (!stop) return;
    try {
      if ((await within(stop(), STOP_MS)) === TIMED_OUT) this.log.warn(`the application's stop did not return within ${STOP_MS / 1000} s; going on without it`);
    } catch (e) {
      this.log.warn(`the application's stop failed: ${(e as Error).message}`);
    }
  }

  /** The application's committed offsets per input key (the next offset it would consume). */
  async committed(): Promise<Record<Key, number>> {
    const admin: Admin = quiet(this.bootstrap).admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: this.app.groupId, topics: [this.app.input] });
      const out: Record<Key, number> = {};
      for (const p of t?.partitions ?? []) if (Number(p.offset) >= 0) out[formatKey(this.app.input, p.partition)] = Number(p.offset);
      return out;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
