// Failed log dirs (the log-dir nemesis): kc-lazyfs answers every I/O under one of a broker's log
// dirs with EIO until healed. Shared by every deployment whose nodes run on kc-lazyfs and take
// shell commands (Docker, the local Kubernetes).
import path from "node:path";
import type { FailedLogDir } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";
import { logDirPaths, type ClusterOptions } from "../../products/kafka/topology.ts";
import { failDirCommand, healDirsCommand, lazyfsStatsCommand, NODE_DATA_DIR, parseFailedDirs } from "./lazyfs.ts";

type Shell = (node: string, command: string) => Promise<{ exitCode: number; output: string }>;

export class LogDirs {
  private readonly options: ClusterOptions;
  private readonly onLazyfs: () => boolean;
  private readonly shell: Shell;

  constructor(o: { options: ClusterOptions; onLazyfs: () => boolean; shell: Shell }) {
    this.options = o.options;
    this.onLazyfs = o.onLazyfs;
    this.shell = o.shell;
  }

  /** A broker's log dirs, as its config names them. */
  list(): string[] {
    return logDirPaths(this.options);
  }

  /** The log dir that holds the node's replica of topic-partition (none: it has no replica). */
  async of(node: string, topic: string, partition: number): Promise<string | undefined> {
    const dirs = this.list();
    const r = await this.shell(node, dirs.map((d) => `[ -d '${d}/${topic}-${partition}' ] && echo '${d}'`).join("; ") + "; true");
    return r.output.split("\n").map((l) => l.trim()).find((l) => dirs.includes(l));
  }

  async fail(node: string, dir: string): Promise<FailedLogDir> {
    const dirs = this.list();
    if (!this.onLazyfs()) throw new KcError("KC_NO_LAZYFS", `${node}'s data dir is not on kc-lazyfs, which fails a log dir`, { hint: "the log-dir nemesis sets --lazyfs; give it to start the cluster on the layer" });
    if (dirs.length < 2 || !dirs.includes(dir)) {
      throw new KcError("KC_BAD_CLUSTER", `${dir} is not one of ${node}'s log dirs (${dirs.join(", ")}), or it has only one`, { hint: "the log-dir nemesis sets --log-dirs 2: a broker whose only log dir fails shuts down (the disk nemesis shows that)" });
    }
    const listed = await this.shell(node, `ls -1 '${dir}'`);
    const partitions = listed.output.split("\n").map((l) => l.trim()).filter((l) => /-\d+$/.test(l)).sort();
    parseFailedDirs(node, (await this.shell(node, failDirCommand(path.posix.relative(NODE_DATA_DIR, dir)))).output);
    return { node, dir, partitions };
  }

  /** Makes every failed log dir of the node work again; the ones that were failed. */
  async heal(node: string): Promise<string[]> {
    if (!this.onLazyfs()) return [];
    const failed = await this.failed(node);
    parseFailedDirs(node, (await this.shell(node, healDirsCommand())).output);
    return failed;
  }

  /** The node's log dirs kc-lazyfs fails now (none when the node is not on the layer). */
  async failed(node: string): Promise<string[]> {
    if (!this.onLazyfs()) return [];
    return parseFailedDirs(node, (await this.shell(node, lazyfsStatsCommand())).output).map((d) => `${NODE_DATA_DIR}/${d}`);
  }

  /** For the leak checks: the node's log dirs still failing, in a sentence (none: undefined). */
  async leak(node: string): Promise<string | undefined> {
    const failed = await this.failed(node);
    return failed.length ? `${node}'s log dir${failed.length > 1 ? "s" : ""} ${failed.join(", ")} still fail${failed.length > 1 ? "" : "s"}` : undefined;
  }
}
