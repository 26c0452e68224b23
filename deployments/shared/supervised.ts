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
