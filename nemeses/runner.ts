// Executes a fault schedule against the cluster during the main phase, recording each action
// as a pair of `info` ops of process "nemesis" (what is about to be done, then what was done),
// and heals every fault at the end — also when the run is interrupted. With `debugPartitions`,
// the cluster's view of the test's partitions follows each action (./observer.ts).
import type { HistoryWriter } from "../core/history/writer.ts";
import { component } from "../core/log.ts";
import type { Rng } from "../core/rng.ts";
import { observeTopicPartitions, type Observable } from "./observer.ts";
import type { PlannedAction } from "./schedule.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

/** Seconds between observations of the cluster's view during the main phase (`--debug-partitions`). */
export const OBSERVE_EVERY_S = 5;

export class NemesisRunner {
  private readonly env: NemesisEnv;
  private readonly families: Map<string, FaultFamily<any>>;
  private readonly history: HistoryWriter;
  private readonly rng: Rng;
  /** Descriptions of the faults in force now (for the progress line). */
  readonly current = new Map<string, string>();
  private readonly debugPartitions: boolean;
  /** The observations, one after another: their pairs must not interleave (they share an f). */
  private observing: Promise<void> = Promise.resolve();
  private pendingObservations = 0;

  constructor(env: NemesisEnv, families: FaultFamily<any>[], history: HistoryWriter, rng: Rng, opts: { debugPartitions?: boolean } = {}) {
    this.env = env;
    this.families = new Map(families.map((f) => [f.name, f]));
    this.history = history;
    this.rng = rng;
    this.debugPartitions = opts.debugPartitions ?? false;
  }

  /**
   * Records the cluster's view of the active keys' partitions (a `debug-topic-partitions` pair)
   * after an action or on the main phase's clock (`tick`: every OBSERVE_EVERY_S seconds, skipped
   * while one is pending), when asked for (`--debug-partitions`). Not awaited by the action it follows,
   * so the schedule keeps its pace; observations queue behind each other, and healAll waits for
   * them. Returns the queue's end.
   */
  observe(moment: { after: string } | { tick: number }): Promise<void> {
    if (!this.debugPartitions) return this.observing;
    this.pendingObservations++;
    this.observing = this.observing.then(async () => {
      const keys = [...new Set(this.env.keys())].sort();
      if (!keys.length) return;
      await this.record("debug-topic-partitions", moment, async () => {
        const view = await observeTopicPartitions(this.env.cluster as unknown as Observable, keys);
        const answered = Object.values(view.brokers).filter((v) => !("error" in v)).length;
        const what = `${answered}/${Object.keys(view.brokers).length} brokers answered for ${keys.length} keys${view.disagree.length ? `; they disagree on ${view.disagree.join(", ")}` : ""}`;
        return { ...moment, what, keys, ...view };
      });
    }).finally(() => this.pendingObservations--);
    return this.observing;
  }

  /**
   * Runs the plan, timed from `startMs` (Date.now() at main-phase start), until done or aborted.
   * Each family's actions run in order, but families do not wait for each other: a start that
   * takes a while (a rolling restart, a reassignment) does not hold back another family's
   * faults, so families scheduled together overlap. Returns when every action begun has ended.
   */
  async run(plan: PlannedAction[], startMs: number, signal: AbortSignal): Promise<void> {
    const chains = new Map<string, Promise<void>>();
    // Between the actions too: a fault's effect (an ISR that shrinks, a leader that moves) takes seconds to show.
    const ticker = this.debugPartitions ? setInterval(() => this.pendingObservations || void this.observe({ tick: OBSERVE_EVERY_S }), OBSERVE_EVERY_S * 1000) : undefined;
    try {
      for (const a of plan) {
        const wait = startMs + a.at * 1000 - Date.now();
        if (wait > 0 && !(await sleep(wait, signal))) return;
        if (signal.aborted) return;
        const fam = this.families.get(a.family)!;
        const step = async () => {
          if (signal.aborted) return;
          await (a.action === "start" ? this.start(fam, a.target!) : this.stop(fam));
          void this.observe({ after: a.action === "start" ? fam.startF : fam.stopF });
        };
        chains.set(a.family, (chains.get(a.family) ?? Promise.resolve()).then(step));
      }
    } finally {
      clearInterval(ticker);
      await Promise.all(chains.values());
    }
  }

  async start(fam: FaultFamily<any>, target: string): Promise<void> {
    await this.record(fam.startF, { target }, async () => {
      // Shown while it starts too: a rolling restart or a reassignment takes a while.
      this.current.set(fam.name, `${fam.name}: starting (${target})`);
      const done = await fam.start(this.env, target, this.rng).catch((e) => {
        this.current.delete(fam.name);
        throw e;
      });
      this.current.set(fam.name, `${fam.name}: ${String(done.what ?? target)}${Array.isArray(done.nodes) ? ` (${done.nodes.join(", ")})` : ""}`);
      return done;
    });
  }

  async stop(fam: FaultFamily<any>): Promise<void> {
    await this.record(fam.stopF, {}, async () => {
      const done = await fam.stop(this.env);
      this.current.delete(fam.name);
      return done;
    });
  }

  /** Stops every family (active or not: stop is idempotent and cheap), recording each. */
  async healAll(): Promise<void> {
    for (const fam of this.families.values()) await this.stop(fam);
    // Nodes that exited on their own while faulted (e.g. a broker that could not reach
    // ZooKeeper) are started again, so recovery and final reads see the whole cluster.
    await this.record("start-all", {}, async () => {
      const nodes = await this.env.cluster.startAll();
      return { what: nodes.length ? "started nodes that were down" : "every node was running", nodes };
    });
    // Verify from the cluster itself that nothing is left: rules, toxics, paused or down nodes.
    await this.record("check-healed", {}, async () => {
      const leaks = await this.env.cluster.leaks();
      if (leaks.length) component("nemesis").error(`faults left after healing: ${leaks.join("; ")}`);
      return { what: leaks.length ? `faults left: ${leaks.join("; ")}` : "no fault left", leaks };
    });
    await this.observe({ after: "check-healed" });
  }

  private async record(f: string, intent: Record<string, unknown>, act: () => Promise<Record<string, unknown>>): Promise<void> {
    const logger = component("nemesis");
    this.history.append({ process: "nemesis", type: "info", f, value: intent });
    try {
      const done = await act();
      this.history.append({ process: "nemesis", type: "info", f, value: done });
      logger.info(`${f}: ${describe(done)}`);
    } catch (err) {
      const msg = (err as Error).message;
      this.history.append({ process: "nemesis", type: "info", f, value: intent, error: msg });
      logger.warn(`${f} failed: ${msg}`);
    }
  }
}

function describe(v: Record<string, unknown>): string {
  const nodes = Array.isArray(v.nodes) ? ` on ${v.nodes.join(", ")}` : "";
  return `${String(v.what ?? v.target ?? "done")}${nodes}`;
}

/** Sleeps; resolves false when aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
