// Network partitions: a grudge says, for each node, which nodes it drops traffic from. It is
// applied as iptables DROP rules on INPUT in each node's network namespace, either with nsenter
// from the host (root on Linux, milliseconds) or with a short-lived helper container that joins
// the node's namespace (works anywhere, including Docker Desktop). Since node containers live
// across kills (only the JVM dies), the rules stay in force across kill/restart until healed.
import { component } from "../../core/log.ts";
import { run, commandExists } from "../../core/proc.ts";
import { KcError } from "../../core/errors.ts";
import { docker, runLabels } from "./docker.ts";
import { iptablesScript } from "../shared/iptables.ts";

export type { Grudge } from "../../core/faults.ts";
export { grudgeEntry } from "../../core/faults.ts";
export { iptablesScript } from "../shared/iptables.ts";

export interface NetTarget {
  name: string;
  /** Host PID of the container's PID 1 (for nsenter). */
  pid: number;
  containerId: string;
}

export class Netfilter {
  private useNsenter: boolean | undefined;
  private readonly helperImage: string;
  private readonly runId: string;

  constructor(helperImage: string, runId: string) {
    this.helperImage = helperImage;
    this.runId = runId;
  }

  private async canNsenter(): Promise<boolean> {
    if (this.useNsenter === undefined) {
      const forced = process.env.KC_PARTITION_METHOD;
      this.useNsenter =
        forced === "helper" ? false : process.platform === "linux" && process.getuid?.() === 0 && (await commandExists("nsenter")) && (await commandExists("iptables"));
      component("netfilter").debug(`partitions via ${this.useNsenter ? "nsenter" : "helper container"}`);
    }
    return this.useNsenter;
  }

  /** Replaces the node's rules: it drops traffic from exactly these IPs afterwards. */
  async apply(target: NetTarget, dropFrom: string[]): Promise<void> {
    const r = await this.inNamespace(target, iptablesScript(dropFrom));
    if (r.code !== 0) throw new KcError("KC_PARTITION_FAILED", `iptables in ${target.name}'s network namespace failed (exit ${r.code})`, { details: r.output });
  }

  /** Lists the DROP rules in force in a node's namespace (for tests and leak checks). */
  async rules(target: NetTarget): Promise<string[]> {
    const r = await this.inNamespace(target, "iptables -w -S INPUT");
    return r.output.split("\n").filter((l) => l.includes("DROP"));
  }

  /** Runs a shell script in the node's network namespace (iptables is there). */
  async inNamespace(target: NetTarget, script: string): Promise<{ code: number; output: string }> {
    if (await this.canNsenter()) {
      const r = await run("nsenter", ["-t", String(target.pid), "-n", "sh", "-c", script]);
      return { code: r.code, output: r.code === 0 ? r.stdout : r.lastLines.join("\n") };
    }
    const c = await docker().createContainer({
      Image: this.helperImage,
      Cmd: ["sh", "-c", script],
      Labels: runLabels(this.runId, { role: "net-helper" }),
      HostConfig: { NetworkMode: `container:${target.containerId}`, CapAdd: ["NET_ADMIN"] },
    });
    try {
      await c.start();
      const res = (await c.wait()) as { StatusCode: number };
      const logs = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      return { code: res.StatusCode, output: logs.toString("utf8") };
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }
}
