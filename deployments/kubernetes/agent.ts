// The fault agents of a run: one privileged pod per Kubernetes node (a DaemonSet, manifests.ts)
// in the host's PID and network namespaces. The harness reaches any node's agent through the API
// server (kubectl exec), so faults work wherever the pods run, not only where the harness runs.
// An agent finds a pod's network namespace through a process of its container (the container id
// in /proc/<pid>/cgroup) and runs iptables there; it lists what is in force for the leak check;
// and it removes the run's data from its node.
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { iptablesScript } from "../shared/iptables.ts";
import type { Kubectl } from "./kubectl.ts";
import { AGENT, HOST_DATA_ROOT, ROLE_LABEL } from "./manifests.ts";

export interface PodRef {
  pod: string;
  /** The Kubernetes node it runs on. */
  host: string;
  /** The pod's uid: its processes' cgroups name it (pod<uid>, or pod<uid with _> under systemd). */
  uid: string;
  /** The container whose processes kills and pauses reach. */
  containerId: string;
}

export class FaultAgents {
  private readonly kubectl: Kubectl;
  private readonly namespace: string;
  /** Kubernetes node → the agent pod on it. */
  private byHost = new Map<string, string>();

  constructor(kubectl: Kubectl, namespace: string) {
    this.kubectl = kubectl;
    this.namespace = namespace;
  }

  /** Waits until every schedulable node runs a ready agent. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ds = await this.kubectl.json<{ status: { desiredNumberScheduled?: number; numberReady?: number } }>(["get", "daemonset", AGENT], "reading the fault agent");
      const want = ds.status.desiredNumberScheduled ?? 0;
      if (want > 0 && ds.status.numberReady === want) break;
      if (Date.now() > deadline) throw new KcError("KC_K8S_AGENT", `the fault agent is ready on ${ds.status.numberReady ?? 0} of ${want} nodes after ${timeoutMs / 1000} s`, { hint: "the agent needs privileged pods with host PID and network (a PodSecurity 'privileged' namespace); see README, Kafka on Kubernetes" });
      await new Promise((r) => setTimeout(r, 1000));
    }
    const pods = await this.kubectl.json<{ items: { metadata: { name: string }; spec: { nodeName: string } }[] }>(["get", "pods", "-l", `${ROLE_LABEL}=${AGENT}`], "listing the fault agents");
    this.byHost = new Map(pods.items.map((p) => [p.spec.nodeName, p.metadata.name]));
  }

  private agentOn(host: string): string {
    const a = this.byHost.get(host);
    if (!a) throw new KcError("KC_K8S_AGENT", `no fault agent runs on node ${host}`, { hint: "a taint the agent does not tolerate, or a node added during the run" });
    return a;
  }

  /** Runs a script in the agent on `host`; throws with its output when it fails. */
  private async run(host: string, script: string, what: string): Promise<string> {
    const r = await this.kubectl.exec(this.agentOn(host), "agent", script);
    if (r.exitCode !== 0) throw new KcError("KC_K8S_AGENT", `${what} failed on node ${host} (exit ${r.exitCode})`, { details: r.output.trim().split("\n").slice(-8).map((l) => `  | ${l}`).join("\n") });
    return r.output;
  }

  /**
   * A shell script that runs `script` in the pod's network namespace, entered through any
   * process of the pod (its containers and sandbox share the namespace; a restarted container's
   * new processes are found the same way).
   */
  private static inPod(p: PodRef, script: string): string {
    const uid = p.uid.replace(/-/g, "[-_]");
    return `pid=$(grep -lE 'pod${uid}' /proc/[0-9]*/cgroup 2>/dev/null | head -1 | cut -d/ -f3); ` +
      `[ -n "$pid" ] || { echo "no process of pod ${p.pod} on this node"; exit 3; }; ` +
      `nsenter -t "$pid" -n sh -c '${script.replace(/'/g, "'\\''")}'`;
  }

  /** The pids (host namespace) of the container's processes, into $pids. */
  private static pidsOf(p: PodRef): string {
    return `pids=$(grep -l '${p.containerId}' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); ` +
      `[ -n "$pids" ] || { echo "no process of container ${p.containerId.slice(0, 12)} (pod ${p.pod}) on this node"; exit 3; }; `;
  }

  /**
   * SIGKILLs the container's init process (pid 1 in its own namespace): the container exits and
   * the kubelet starts it again, as it would after a crash.
   */
  async killContainer(p: PodRef): Promise<void> {
    await this.run(p.host, FaultAgents.pidsOf(p) + `for q in $pids; do grep -qE '^NSpid:.*[[:space:]]1$' /proc/$q/status 2>/dev/null && kill -KILL $q && echo killed $q; done; true`, `killing ${p.pod}'s container`);
  }

  /** SIGSTOPs (or SIGCONTs) every process of the container. */
  async signalContainer(p: PodRef, signal: "STOP" | "CONT"): Promise<void> {
    await this.run(p.host, FaultAgents.pidsOf(p) + `kill -${signal} $pids`, `${signal === "STOP" ? "pausing" : "resuming"} ${p.pod}'s container`);
  }

  /** Whether any process of the container is stopped (SIGSTOP). */
  async stopped(p: PodRef): Promise<boolean> {
    const out = await this.run(p.host, `pids=$(grep -l '${p.containerId}' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); for q in $pids; do grep -q '^State:.*T' /proc/$q/status 2>/dev/null && echo stopped; done; true`, `reading ${p.pod}'s process states`);
    return out.includes("stopped");
  }

  /** Replaces the pod's rules: it drops traffic from exactly these addresses (`ip` or `ip:port`) afterwards. */
  async setDrops(p: PodRef, dropFrom: string[]): Promise<void> {
    await this.run(p.host, FaultAgents.inPod(p, iptablesScript(dropFrom)), `iptables in ${p.pod}'s network namespace`);
    component("k8s-agent").debug(`${p.host}: ${p.pod} drops ${dropFrom.length ? dropFrom.join(", ") : "nothing"}`);
  }

  /** Runs a script in the pod's network namespace (peer-link rules); its exit code and output. */
  async inNamespace(p: PodRef, script: string): Promise<{ code: number; output: string }> {
    const r = await this.kubectl.exec(this.agentOn(p.host), "agent", FaultAgents.inPod(p, script));
    return { code: r.exitCode, output: r.output };
  }

  /** The DROP rules in force in the pod's namespace. */
  async drops(p: PodRef): Promise<string[]> {
    const out = await this.run(p.host, FaultAgents.inPod(p, "iptables -w -S INPUT"), `listing ${p.pod}'s iptables rules`);
    return out.split("\n").filter((l) => l.includes("DROP"));
  }

  /** Removes the run's data (HOST_DATA_ROOT/<namespace>) from every node. */
  async removeData(): Promise<void> {
    await Promise.all([...this.byHost.keys()].map((h) => this.run(h, `rm -rf '${HOST_DATA_ROOT}/${this.namespace}'`, "removing the run's data")));
  }

  /** Removes the data of runs whose namespace is gone (a crashed run's), on every node. */
  async removeOrphanData(): Promise<string[]> {
    const live = new Set((await this.kubectl.ok(["get", "namespaces", "-o", "name"], "listing namespaces", { namespaced: false })).split("\n").map((l) => l.replace(/^namespace\//, "").trim()).filter(Boolean));
    const removed: string[] = [];
    for (const h of this.byHost.keys()) {
      const dirs = (await this.run(h, `ls -1 ${HOST_DATA_ROOT} 2>/dev/null; true`, "listing runs' data")).split("\n").map((l) => l.trim()).filter(Boolean);
      const orphans = dirs.filter((d) => !live.has(d) && /^[a-z0-9-]+$/.test(d));
      if (orphans.length) {
        await this.run(h, orphans.map((d) => `rm -rf '${HOST_DATA_ROOT}/${d}'`).join("; "), "removing crashed runs' data");
        removed.push(...orphans.map((d) => `${h}:${HOST_DATA_ROOT}/${d}`));
      }
    }
    if (removed.length) component("k8s-agent").info(`removed data of crashed runs: ${removed.join(", ")}`);
    return removed;
  }
}
