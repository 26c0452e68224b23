// Process control through the supervisor every node runs (products/supervisor.ts), the same on
// every deployment that can run a shell command in a node: a kill SIGKILLs the node's process
// and leaves the hold file (so the supervisor does not start it again), a start removes it and
// waits for the product's "ready" line. Kills are owned (KillHolds): a node killed by two
// families starts again only when both have let go.
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import type { BrokerProduct } from "../../products/product.ts";
import { SUPERVISOR_HOLD as HOLD, SUPERVISOR_PID as PID } from "../../products/supervisor.ts";
import type { LogFollower } from "../log-follower.ts";
import { KillHolds } from "./fault-books.ts";
import type { NodeShell } from "./segment-files.ts";

/** SIGTERM to the node's process, with the hold in place so the supervisor does not start it again. */
const TERM = `touch ${HOLD}; p=$(cat ${PID} 2>/dev/null) && kill -TERM $p; true`;

export interface SupervisedNodes {
  readonly product: BrokerProduct;
  /** Every node's name. */
  names(): string[];
  log(node: string): LogFollower;
  shell: NodeShell;
  /** Thaws a paused node (a kill of a paused node thaws it first; startAll thaws every node). */
  resume(node: string): Promise<void>;
  /** For the log: which deployment. */
  readonly component: string;
}

export class SupervisedProcesses {
  private readonly holds = new KillHolds();
  private readonly n: SupervisedNodes;
  constructor(nodes: SupervisedNodes) {
    this.n = nodes;
  }

  /** Nodes killed and not yet started again: a copy, derived from the holds. */
  get down(): Set<string> {
    return this.holds.down;
  }

  /** Waits for a node's "started" log line after `since`; fails with its last log lines. */
  async waitStarted(node: string, timeoutMs: number, since?: number): Promise<void> {
    const log = this.n.log(node);
    try {
      await log.waitFor(this.n.product.ready, timeoutMs, this.n.product.exited, since);
    } catch (err) {
      throw new KcError("KC_NODE_NOT_READY", `${node} did not become ready: ${(err as Error).message}`, {
        details: `last log lines of ${node}:\n${log.tail(25).map((l) => `  | ${l}`).join("\n")}`,
        hint: `the whole log is in nodes/${node}/container.log of the run directory`,
      });
    }
  }

  /**
   * SIGKILLs the node's process (its whole process group where it leads one, as a database's
   * postmaster does); the node's container, data and network namespace stay. It stays down
   * until every owner that killed it has started it again (or startAll).
   */
  async kill(node: string, owner = "default"): Promise<void> {
    await this.killWith(node, owner, `touch ${HOLD}; p=$(cat ${PID} 2>/dev/null) && { kill -KILL -$p 2>/dev/null || kill -KILL $p; }; true`, "KC_KILL_FAILED");
  }

  /**
   * A kill by a command of the caller's that leaves the hold and SIGKILLs the process (a power
   * cut does something first in the same command); returns the command's output once the
   * process has exited. Fails with `code` when the command does.
   */
  async killWith(node: string, owner: string, command: string, code: string): Promise<string> {
    await this.n.resume(node);
    const log = this.n.log(node);
    const mark = log.mark();
    const r = await this.n.shell(node, command);
    if (r.exitCode !== 0) throw new KcError(code, `could not kill ${node}: ${r.output.trim().slice(0, 300)}`);
    this.holds.hold(node, owner);
    await log.waitFor(this.n.product.exited, 30_000, undefined, mark).catch(() => undefined);
    return r.output;
  }

  /**
   * Starts the node's process again and waits for its "started" line (unless `waitMs` is 0).
   * A no-op when it runs, or while another owner still holds it down; returns whether it started it.
   */
  async start(node: string, opts: { waitMs?: number } = {}, owner = "default"): Promise<boolean> {
    if (!this.holds.release(node, owner)) return false;
    const log = this.n.log(node);
    const release = async () => {
      const mark = log.mark();
      const r = await this.n.shell(node, `[ -e ${HOLD} ] && rm -f ${HOLD} && echo started || echo running`);
      return { mark, started: r.output.includes("started") };
    };
    const { mark, started } = await release();
    if (!started || opts.waitMs === 0) return started;
    const waitMs = opts.waitMs ?? 120_000;
    try {
      await this.waitStarted(node, waitMs, mark);
    } catch (err) {
      // A start the product says is worth one more try, after the wait it names (a ZooKeeper-mode
      // broker that died within its session timeout finds its old registration and exits).
      const retry = this.n.product.startRetry;
      if (!retry || !log.linesSince(mark).some((l) => retry.when.test(l))) throw err;
      component(this.n.component).info(`${node} exited at start (${retry.why}); starting it again in ${retry.afterMs / 1000} s`);
      await new Promise((r) => setTimeout(r, retry.afterMs));
      const again = await release();
      await this.waitStarted(node, waitMs, again.mark);
    }
    return true;
  }

  /**
   * Stops the node as an operator does: SIGTERM (a controlled shutdown), SIGKILL if it has not
   * exited within a minute. It stays down, held by `owner`, until started.
   */
  async shutdown(node: string, owner = "default"): Promise<{ clean: boolean; stopMs: number }> {
    const t0 = Date.now();
    const stopped = this.n.log(node).mark();
    await this.killWith(node, owner, TERM, "KC_KILL_FAILED");
    return { clean: await this.cleanExit(node, stopped), stopMs: Date.now() - t0 };
  }

  /** After a SIGTERM: waits a minute for the node's exit line, else SIGKILLs it. Whether it exited by itself. */
  private async cleanExit(node: string, since: number): Promise<boolean> {
    const log = this.n.log(node);
    try {
      await log.waitFor(this.n.product.exited, 60_000, undefined, since);
      return true;
    } catch {
      await this.n.shell(node, `p=$(cat ${PID} 2>/dev/null) && kill -9 $p; true`);
      await log.waitFor(this.n.product.exited, 30_000, undefined, since).catch(() => undefined);
      return false;
    }
  }

  /** Nodes in a clean restart now (down for a while, though no fault holds them). */
  readonly restarting = new Set<string>();
  /** Clean restarts in progress, per node: families side by side (a bounce and a rolling restart) take turns on one node. */
  private readonly restarts = new Map<string, Promise<unknown>>();

  /**
   * A clean restart: with the hold in place, SIGTERM (the product's controlled shutdown) and its
   * "exited" line (SIGKILL after 60 s: then `clean` is false); then `between` (Docker writes the
   * node's files for another release there), the hold removed, and its "ready" line. With
   * `ifUp`, a node another fault holds down or has paused is refused (KC_NODE_DOWN), and so is
   * one another fault kills meanwhile: its hold stands.
   */
  restartCleanly(node: string, o: { ifUp?: boolean; paused: () => boolean; between?: () => Promise<void> }): Promise<{ clean: boolean; downMs: number }> {
    const run = (this.restarts.get(node) ?? Promise.resolve()).then(async () => {
      this.restarting.add(node);
      try {
        return await this.restartNow(node, o);
      } finally {
        this.restarting.delete(node);
      }
    });
    this.restarts.set(node, run.catch(() => undefined));
    return run;
  }

  private async restartNow(node: string, o: { ifUp?: boolean; paused: () => boolean; between?: () => Promise<void> }): Promise<{ clean: boolean; downMs: number }> {
    if (o.ifUp && (this.down.has(node) || o.paused())) {
      throw new KcError("KC_NODE_DOWN", `${node} is ${o.paused() ? "paused" : "held down"} by another fault: a clean restart would undo it`, { hint: "the fault's stop brings it back" });
    }
    await o.between?.();
    const log = this.n.log(node);
    const t0 = Date.now();
    const stopped = log.mark();
    await this.n.shell(node, TERM);
    const clean = await this.cleanExit(node, stopped);
    const interrupted = () => o.ifUp && this.down.has(node);
    const killedMeanwhile = () => new KcError("KC_NODE_DOWN", `${node} was killed by another fault during its clean restart: it stays down until that fault lets go`);
    if (interrupted()) throw killedMeanwhile();
    const starting = log.mark();
    await this.n.shell(node, `rm -f ${HOLD}`);
    try {
      await this.waitStarted(node, 120_000, starting);
    } catch (e) {
      if (interrupted()) throw killedMeanwhile();
      throw e;
    }
    return { clean, downMs: Date.now() - t0 };
  }

  /**
   * Starts every node whose process is not running — killed by a nemesis, or exited on its own
   * (e.g. a broker that gave up reaching ZooKeeper while partitioned). Returns those started.
   */
  async startAll(): Promise<string[]> {
    this.holds.clear();
    const started = new Set<string>();
    // Passes until one starts nothing: a node still starting when a pass looked at it (it had not
    // failed yet: a broker that started inside a partition, timing out on ZooKeeper just after
    // the heal) exits while the pass waits for the others, and the next pass starts it again.
    for (let pass = 0; pass < 3; pass++) {
      let any = false;
      await Promise.all(
        this.n.names().map(async (name) => {
          await this.n.resume(name);
          if (await this.start(name)) {
            started.add(name);
            any = true;
          }
        }),
      );
      if (!any) break;
    }
    return [...started].sort();
  }
}
