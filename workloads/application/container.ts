// An application under test in a container of the user's own image: started with
// testcontainers' GenericContainer on the run's Docker network, reaching the brokers by their
// names there (through their Toxiproxy proxies, so link faults reach it as they reach the
// harness's clients), and reporting its ops on stdout in the line protocol (./lines.ts).
//
// A supervisor, as a deployment would have one: when the container exits (it crashed, or the
// run killed it: `killEverySeconds`), what it had in flight becomes `info`, and a new instance
// starts a second later (backing off to 8 s while instances keep dying young, as Kubernetes'
// crash-loop back-off does, and never giving up before the run stops it), with history processes
// and output values of its own. Each instance's
// output goes to the run directory (nodes/application/container.log).
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import type { NewOp } from "../../core/history/writer.ts";
import type { HistorySink } from "../interpreter.ts";
import { ENV, InstanceOps, VALUE_SPAN } from "./lines.ts";
import type { Recorder } from "./recorder.ts";

// testcontainers' reaper (Ryuk) comes from an image registry; the run's labels do the reaping.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

/** The user's application as a container image (built beforehand: `docker build -t my-app .`). */
export interface ApplicationImage {
  image: string;
  /** More environment for the container (the harness's own, ENV in ./lines.ts, are set too). */
  env?: Record<string, string>;
  /** The command, when not the image's own. */
  command?: string[];
  /** SIGKILL the running instance every this many seconds during the main phase (the supervisor starts a new one). */
  killEverySeconds?: number;
}

/** Where the container joins the run (the cluster's ContainerNetwork). */
export interface JoinedNetwork {
  name: string;
  bootstrap: string[];
  labels: Record<string, string>;
}

/** Fails, before anything starts, when the application's image is not on this machine. */
export async function assertApplicationImage(image: string): Promise<void> {
  try {
    await new Docker().getImage(image).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    throw new KcError("KC_APP_NO_IMAGE", `the application image ${image} is not on this machine`, { hint: "build it first (docker build -t <image> .); application images are not pulled" });
  }
}

/** How long the first instance may take to print its first protocol line. */
const FIRST_LINE_MS = 60_000;
/** How long a stop waits after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/**
 * Restarts back off as Kubernetes' do for a crash loop, without giving up while the run goes on:
 * 1 s after an exit, doubled after each instance that lived less than BACKOFF_RESET_MS, at most BACKOFF_MAX_MS.
 */
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 8_000;
const BACKOFF_RESET_MS = 10_000;
/** Protocol problems logged one by one (the rest are counted). */
const LOGGED_PROBLEMS = 5;

interface Instance {
  n: number;
  id: string;
  startedAt: number;
  /** Resolves once its output has been read to the end and it has exited. */
  ended: Promise<void>;
  exited: boolean;
}

export interface ContainerStats {
  instances: number;
  kills: number;
  /** Exits the run did not cause. */
  crashes: number;
  /** Protocol lines that were not ops, and completions without an invoke (dropped, kept in the log). */
  badLines: number;
}

export interface ContainerApplicationOptions {
  image: ApplicationImage;
  network: JoinedNetwork;
  recorder: Recorder;
  history: HistorySink;
  /** The harness's part of the environment (input, output, group, partitions). */
  env: Record<string, string>;
  runDir: string;
}

export class ContainerApplication {
  private readonly docker = new Docker();
  private readonly log = component("application");
  private current?: Instance;
  private stopping = false;
  /** The stop under way (a second stop waits for the first). */
  private stopped: Promise<void> = Promise.resolve();
  private firstLine?: () => void;
  private readonly ops: InstanceOps;
  private readonly out: fs.WriteStream;
  private backoffMs = BACKOFF_FIRST_MS;
  private killTimer?: NodeJS.Timeout;
  private supervised: Promise<void> = Promise.resolve();
  readonly stats: ContainerStats = { instances: 0, kills: 0, crashes: 0, badLines: 0 };
  private readonly killed = new Set<string>();
  /** The last lines of output, for errors. */
  private readonly last: string[] = [];

  private readonly o: ContainerApplicationOptions;

  constructor(o: ContainerApplicationOptions) {
    this.o = o;
    this.ops = new InstanceOps(() => o.recorder.newProcess(), (op) => this.append(op));
    const dir = path.join(o.runDir, "nodes", "application");
    fs.mkdirSync(dir, { recursive: true });
    this.out = fs.createWriteStream(path.join(dir, "container.log"), { flags: "a" });
  }

  /** Starts the first instance and waits for its first protocol line (it connected and joined its group). */
  async start(): Promise<void> {
    const first = new Promise<void>((resolve) => (this.firstLine = resolve));
    await this.launch();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), FIRST_LINE_MS)));
    const exited = this.current!.ended.then(() => "exited" as const);
    const r = await Promise.race([first.then(() => "ok" as const), late, exited]);
    clearTimeout(timer);
    if (r === "ok") {
      this.supervise(this.current!);
      return;
    }
    const tail = this.tail();
    await this.stop();
    throw new KcError("KC_APP_START_FAILED", r === "late" ? `the application container (${this.o.image.image}) printed no "@kc " line in ${FIRST_LINE_MS / 1000} s` : `the application container (${this.o.image.image}) exited before it printed any "@kc " line`, {
      hint: `it must connect to $${ENV.bootstrap} and report its ops on stdout (recorderFromEnv() in kafka-chaos's workloads/application/lines.ts). Its last lines:\n${tail}`,
    });
  }

  /** Kills the running instance every `killEverySeconds` until `stopKills`. */
  startKills(): void {
    const every = this.o.image.killEverySeconds;
    if (!every) return;
    this.killTimer = setInterval(() => void this.kill().catch((e: Error) => this.log.warn(`killing the application failed: ${e.message}`)), every * 1000);
  }

  stopKills(): void {
    clearInterval(this.killTimer);
  }

  /** SIGKILL of the running instance (the supervisor starts the next). */
  async kill(): Promise<void> {
    const c = this.current;
    if (!c || c.exited || this.stopping) return; // between instances: nothing to kill
    this.killed.add(c.id);
    this.stats.kills++;
    try {
      await this.docker.getContainer(c.id).kill({ signal: "SIGKILL" });
      this.log.info(`killed application instance ${c.n}`);
    } catch (e) {
      // It had just exited on its own (409: not running): no kill happened.
      this.killed.delete(c.id);
      this.stats.kills--;
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
    }
  }

  /** Stops the running instance (SIGTERM, then SIGKILL after STOP_GRACE_MS); no new one starts. */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.stopped = this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    this.stopKills();
    const c = this.current;
    if (c) {
      await this.docker
        .getContainer(c.id)
        .stop({ t: STOP_GRACE_MS / 1000 })
        .catch(() => undefined);
      await c.ended;
    }
    await this.supervised;
    await new Promise<void>((r) => this.out.end(r));
  }

  private tail(): string {
    return this.last.length ? this.last.join("\n") : "(no output)";
  }

  private env(n: number): Record<string, string> {
    return {
      ...this.o.image.env,
      ...this.o.env,
      [ENV.bootstrap]: this.o.network.bootstrap.join(","),
      [ENV.valueBase]: String(n * VALUE_SPAN + 1),
    };
  }

  private async launch(): Promise<void> {
    const { GenericContainer } = await import("testcontainers");
    const n = ++this.stats.instances;
    let stream: Readable | undefined;
    let gotStream: () => void = () => undefined;
    const streamReady = new Promise<void>((r) => (gotStream = r));
    let container = new GenericContainer(this.o.image.image)
      .withNetworkMode(this.o.network.name)
      .withEnvironment(this.env(n))
      .withLabels({ ...this.o.network.labels, "io.kafka-chaos.instance": String(n) })
      .withLogConsumer((s) => {
        stream = s;
        gotStream();
      });
    if (this.o.image.command) container = container.withCommand(this.o.image.command);
    let started;
    try {
      started = await container.start();
    } catch (e) {
      throw new KcError("KC_APP_START_FAILED", `the application container (${this.o.image.image}) did not start: ${(e as Error).message.split("\n")[0]}`, {
        hint: "build the image on this machine first (docker build -t <image> .); it is not pulled from a registry",
        cause: e,
      });
    }
    const id = started.getId();
    const instance: Instance = { n, id, startedAt: Date.now(), ended: Promise.resolve(), exited: false };
    this.out.write(`--- instance ${n} (${id.slice(0, 12)}) started ${new Date().toISOString()}\n`);
    instance.ended = (async () => {
      await streamReady;
      const lines = readline.createInterface({ input: stream! });
      lines.on("line", (line) => this.onLine(instance, line));
      const closed = new Promise<void>((r) => lines.on("close", r));
      const exit = await this.docker
        .getContainer(id)
        .wait()
        .then((w: { StatusCode: number }) => w.StatusCode)
        .catch(() => -1);
      instance.exited = true;
      // Its last lines may still be on their way: wait for the end of its output, a little.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      lines.close();
      this.closeInFlight(instance, exit);
    })();
    this.current = instance;
    this.log.info(`application instance ${n} started (${this.o.image.image}, container ${id.slice(0, 12)})`);
  }

  /** Restarts the application each time an instance exits, until stop. */
  private supervise(first: Instance): void {
    this.supervised = (async () => {
      let instance = first;
      for (;;) {
        await instance.ended;
        await this.docker
          .getContainer(instance.id)
          .remove({ force: true })
          .catch(() => undefined);
        if (this.stopping) return;
        const lived = Date.now() - instance.startedAt;
        if (lived >= BACKOFF_RESET_MS) this.backoffMs = BACKOFF_FIRST_MS;
        const wait = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
        await new Promise((r) => setTimeout(r, wait));
        if (this.stopping) return;
        try {
          await this.launch();
          instance = this.current!;
        } catch (e) {
          this.log.warn(`the application could not be started again: ${(e as Error).message}`);
          this.current = undefined;
          return;
        }
      }
    })();
  }

  private onLine(instance: Instance, line: string): void {
    this.out.write(`${instance.n}| ${line}\n`);
    this.last.push(line);
    if (this.last.length > 15) this.last.shift();
    const r = this.ops.line(instance.n, line);
    if (r.problem && ++this.stats.badLines <= LOGGED_PROBLEMS) this.log.warn(`application instance ${instance.n}: a protocol line was dropped (${r.problem}); the line is kept in nodes/application/container.log`);
    if (r.op) {
      this.firstLine?.();
      this.firstLine = undefined;
    }
  }

  /** Into the history, unless the run has closed it (it failed while the application ran). */
  private append(op: NewOp): void {
    try {
      this.o.history.append(op);
    } catch (e) {
      this.log.debug(`an application op after the history closed: ${(e as Error).message}`);
    }
  }

  /** What an exited instance had in flight is indeterminate: info, with the invoke's value. */
  private closeInFlight(instance: Instance, exitCode: number): void {
    const killed = this.killed.has(instance.id);
    if (!killed && !this.stopping) this.stats.crashes++;
    const why = killed ? "killed by the run" : this.stopping ? "stopped by the run" : `exited with code ${exitCode}`;
    this.out.write(`--- instance ${instance.n} ${why} ${new Date().toISOString()}\n`);
    if (!this.stopping || killed) this.log.info(`application instance ${instance.n} ${why}`);
    this.ops.end(instance.n, `application-${killed ? "killed" : "exited"}`);
  }
}
