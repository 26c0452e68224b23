// A broker product's nodes as pods of a Kubernetes cluster, in a namespace of the run's own
// (manifests.ts has the objects). Clients reach each broker through Toxiproxy's Service, whose
// cluster IP the brokers advertise. Kills, starts and pauses go through the node's supervisor
// (kubectl exec into its container); grudges through the fault agent on the pod's Kubernetes
// node (agent.ts); who leads through the client protocol, as on Docker.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { KcError } from "../../core/errors.ts";
import { run } from "../../core/proc.ts";
import { component } from "../../core/log.ts";
import type { ClockReading, ClockSetting, ElectionResult, FailedLogDir, FileDamage, Isolation, NodeSpec, PartitionMove, PartitionState, PodReplacement, PowerCut, ReassignmentAnswer, ReassignmentInProgress, SegmentFile, UpgradeStep } from "../../core/cluster.ts";
import type { Capability, Grudge } from "../../core/faults.ts";
import type { Key } from "../../core/history/op.ts";
import { Admin, type TopicSpec } from "../../clients/kafkajs/admin.ts";
import type { BrokerProduct } from "../../products/product.ts";
import { isBroker, isController, TOXI_API_PORT, TOXI_BASE_PORT, TOXI_PEER_BASE_PORT, type ClusterOptions } from "../../products/kafka/topology.ts";
import type { StartedCluster } from "../deployment.ts";
import { Links } from "../shared/links.ts";
import { PeerLinks } from "../shared/peer-links.ts";
import { nodeLog, waitUntil, type LogFollower } from "../log-follower.ts";
import { GrudgeBook, grudgeAddress } from "../shared/fault-books.ts";
import { SupervisedProcesses } from "../shared/supervised.ts";
import { SUPERVISOR_HOLD as HOLD, SUPERVISOR_PID as PID } from "../../products/supervisor.ts";
import { ClusterLeadership } from "../shared/leadership.ts";
import { SegmentFiles } from "../shared/segment-files.ts";
import { buildLazyfs, cutPower, lazyfsMountScript, MOUNT_SCRIPT } from "../shared/lazyfs.ts";
import { ClusterOperations } from "../shared/operations.ts";
import { LogDirs } from "../shared/log-dirs.ts";
import { DISK_FULL_CHECK, fillDisk, freeDisk, type DiskFill } from "../shared/disk.ts";
import { buildClockLib, ClockFile, clockFileOf, clockLeft, parseClockReading, READ_CLOCK_COMMAND } from "../shared/clock.ts";
import { FaultAgents } from "./agent.ts";
import { Kubectl } from "./kubectl.ts";
import { CLIENTS, groups, HOST_DATA_ROOT, namespaceObject, NODE_CONTAINER, ROLE_LABEL, RUN_LABEL, runObjects, TOXIPROXY, dnsLabel } from "./manifests.ts";
import type { ClientHostLauncher } from "../../clients/remote/remote.ts";
import { startClientPods } from "./client-pods.ts";

/** Powers a Kubernetes cluster offers nemeses: no rolling upgrades and no data disk of its own yet; power cuts on the local cluster. */
export const KUBERNETES_CAPABILITIES: readonly Capability[] = ["process", "pause", "network", "links", "leadership", "files", "pods", "elections", "reassign", "power", "clock", "disk", "log-dirs", "restart", "peer-links"];


export interface KubernetesStartOptions {
  runId: string;
  runDir: string;
  options: ClusterOptions;
  product: BrokerProduct;
  kubeconfig: string;
  namespace: string;
  images: { node: string; toxiproxy: string; agent: string; clients?: string };
  /** With `images.clients`: how many clients pods. */
  clientPods?: number;
  pullPolicy: "IfNotPresent" | "Never";
  readyTimeoutSeconds?: number;
  /** The cluster is the local one: its node is this machine (files here are files there). */
  localNode?: boolean;
}

export interface PodInfo {
  pod: string;
  /** The Kubernetes node it runs on. */
  host: string;
  uid: string;
  ip: string;
  containerId: string;
}

interface LiveNode {
  spec: NodeSpec;
  log: LogFollower;
  follower?: ChildProcess;
  pod?: PodInfo;
}

/** `<hostname>-p<pid>` of the harness process that owns a run, to tell live runs from leftovers. */
export const ownerOf = (): string => `${dnsLabel(os.hostname(), 40)}-p${process.pid}`;

export class KubernetesCluster implements StartedCluster {
  readonly runId: string;
  readonly product: BrokerProduct;
  readonly nodes: NodeSpec[];
  readonly capabilities = KUBERNETES_CAPABILITIES;
  readonly namespace: string;
  readonly kubectl: Kubectl;
  readonly paused = new Set<string>();
  bootstrap: string[] = [];
  /** `--clients-in pod`: client hosts start in the run's clients pods, one per pod. */
  clientHosts?: ClientHostLauncher[];
  links!: Links;
  /**
   * Links between nodes routed through Toxiproxy's pod while a fault is on them (the peer-link
   * nemesis): the redirection rules go into the `from` pod's network namespace through the agent.
   */
  peerLinks!: PeerLinks;
  admin!: Admin;
  /** The Kubernetes version and nodes, as the API server reports them (for test.json). */
  info: Record<string, unknown> = {};

  private readonly live = new Map<string, LiveNode>();
  private readonly processes: SupervisedProcesses;
  private readonly grudges = new GrudgeBook();
  private readonly agents: FaultAgents;
  /** kc-lazyfs's binary on the node, when the data dirs are on it (power cuts). */
  private lazyfsBin?: string;
  /** kc-clock (options.clockLayer, the local cluster): each node's state file, on this machine, which is the node. */
  private readonly clocks = new Map<string, ClockFile>();
  private readonly files: SegmentFiles;
  private readonly logDirSet: LogDirs;
  private leadership!: ClusterLeadership;
  private readonly operations = new ClusterOperations({
    nodes: () => this.nodes,
    admin: () => this.admin,
    usable: (node) => !this.down.has(node) && !this.paused.has(node) && !this.processes.restarting.has(node),
    shell: (node, command) => this.shell(node, command),
    nodeOfBrokerId: (id) => this.nodeOfBrokerId(id),
  });
  private readonly options: ClusterOptions;
  /** Whether the run created the namespace (then it deletes it). */
  private ownsNamespace = false;
  private stopped = false;

  private constructor(o: KubernetesStartOptions) {
    this.runId = o.runId;
    this.product = o.product;
    this.options = o.options;
    this.nodes = o.product.nodes();
    this.namespace = o.namespace;
    this.kubectl = new Kubectl(o.kubeconfig, o.namespace);
    this.agents = new FaultAgents(this.kubectl, o.namespace);
    this.files = new SegmentFiles(this.product, (node, command) => this.shell(node, command));
    this.logDirSet = new LogDirs({ options: this.options, onLazyfs: () => !!this.lazyfsBin, shell: (node, command) => this.shell(node, command) });
    this.processes = new SupervisedProcesses({
      product: this.product,
      names: () => [...this.live.keys()],
      log: (node) => this.node(node).log,
      shell: (node, command) => this.shell(node, command),
      resume: (node) => this.resume(node),
      component: "k8s",
    });
    for (const n of this.nodes) this.live.set(n.name, { spec: n, log: nodeLog(o.runDir, n.name) });
  }

  get grudge(): Grudge {
    return this.grudges.current;
  }

  /** Deploys the cluster and waits until it is ready; on failure removes what it created. */
  static async start(o: KubernetesStartOptions): Promise<KubernetesCluster> {
    const logger = component("k8s");
    const c = new KubernetesCluster(o);
    const timeoutMs = (o.readyTimeoutSeconds ?? 240) * 1000;
    const owner = ownerOf();
    // kc-lazyfs (power cuts) and kc-clock: built here and mounted from the node, so the local cluster only.
    const local = { lazyfs: "kc-lazyfs (the power nemesis, --lazyfs) runs on the local Kubernetes only: its binary is built on this machine and mounted from the node", clockLayer: "kc-clock (the clock nemesis, --clock-layer) runs on the local Kubernetes only: its library is built on this machine, and the harness writes the nodes' clock state files where their pods map them" };
    for (const [option, message] of Object.entries(local)) {
      if (o.options[option as keyof typeof local] && !o.localNode) throw new KcError("KC_NOT_OFFERED", message, { hint: "use the local cluster (npm run k8s:up, no --kubeconfig), or --deployment docker" });
    }
    try {
      await c.describe();
      const existing = await c.kubectl.run(["get", "namespace", o.namespace, "-o", "name"], { namespaced: false });
      c.ownsNamespace = existing.code !== 0;
      if (c.ownsNamespace) await c.kubectl.apply([namespaceObject({ namespace: o.namespace, runId: o.runId, owner })], `creating namespace ${o.namespace}`);
      logger.info(`namespace ${o.namespace}${c.ownsNamespace ? " (created for this run)" : " (exists; only the run's labelled objects are created and removed)"}`);

      // Toxiproxy's Service first: the brokers advertise its cluster IP and their port on it.
      const brokers = c.nodes.filter(isBroker);
      const ports = Object.fromEntries(brokers.map((b) => [b.name, TOXI_BASE_PORT + b.id]));
      c.lazyfsBin = o.options.lazyfs ? await buildLazyfs() : undefined;
      // kc-clock (the clock nemesis): the library built here and the state files written here, both
      // mounted from the node, so the local cluster only, as kc-lazyfs.
      let clock: { lib: string; dir: string } | undefined;
      if (o.options.clockLayer) {
        clock = { lib: await buildClockLib(), dir: path.resolve(o.runDir, "nodes") };
        for (const n of c.nodes) {
          // nodes/<node>/clock/state, as with Docker.
          const file = new ClockFile(path.join(clock.dir, n.name, "clock", "state"));
          file.create();
          c.clocks.set(n.name, file);
        }
      }
      const input = { namespace: o.namespace, runId: o.runId, owner, product: o.product, images: o.images, pullPolicy: o.pullPolicy, toxiproxy: { apiPort: TOXI_API_PORT, ports }, files: {}, lazyfsBin: c.lazyfsBin, clock, dataDiskMb: o.options.dataDiskMb };
      const all = runObjects(input);
      // Toxiproxy before anything names its Service's cluster IP (the brokers advertise it).
      const proxyObjects = all.filter((x) => (x.kind === "Service" || x.kind === "Deployment") && (x.metadata as { name: string }).name === TOXIPROXY);
      const proxyIp = proxyObjects.length ? await c.startToxiproxy(proxyObjects, timeoutMs) : "";
      const clusterId = o.product.newClusterId();
      const files = Object.fromEntries(c.nodes.map((n) => [n.name, { ...o.product.files(n, { clusterId, clientPort: ports[n.name], clientHost: proxyIp }), ...(c.lazyfsBin ? { [MOUNT_SCRIPT]: lazyfsMountScript() } : {}) }]));
      for (const [node, fl] of Object.entries(files)) {
        const dir = path.join(o.runDir, "nodes", node, "conf");
        fs.mkdirSync(dir, { recursive: true });
        for (const [f, text] of Object.entries(fl)) fs.writeFileSync(path.join(dir, f), text);
      }
      const objects = runObjects({ ...input, files });
      const isSts = (x: Record<string, unknown>) => x.kind === "StatefulSet";
      await c.kubectl.apply(objects.filter((x) => !isSts(x)), "creating the run's ConfigMaps, Services, Toxiproxy and fault agent");

      // The agents, then the nodes wave by wave (ZooKeeper before brokers).
      await c.agents.waitReady(timeoutMs);
      await c.agents.removeOrphanData();
      if (proxyIp) {
        const toxiproxyPod = (await c.kubectl.ok(["get", "pods", "-l", `${ROLE_LABEL}=${TOXIPROXY}`, "-o", "jsonpath={.items[0].status.podIP}"], "reading Toxiproxy's pod address")).trim();
        c.peerLinks = new PeerLinks({
          links: new Links(`http://${proxyIp}:${TOXI_API_PORT}`),
          list: o.product.peerLinks?.() ?? [],
          ipOf: (node) => c.podOf(node).ip,
          proxyIp: toxiproxyPod,
          basePort: TOXI_PEER_BASE_PORT,
          shell: (node, script) => c.agents.inNamespace(c.podOf(node), script),
        });
        for (const b of brokers) {
          await c.links.createProxy(b.name, ports[b.name], `${b.name}:${o.product.clientPort}`);
          c.bootstrap.push(`${proxyIp}:${ports[b.name]}`);
        }
      }
      const stsOf = new Map(objects.filter(isSts).map((x) => [(x.metadata as { name: string }).name, x]));
      for (const wave of o.product.startWaves()) {
        const names = new Set(wave.map((n) => n.name));
        const sets = [...groups(c.nodes)].filter(([, ms]) => ms.some((m) => names.has(m.name))).map(([g]) => stsOf.get(g)!);
        await c.kubectl.apply(sets, `creating the StatefulSets ${sets.map((s) => (s.metadata as { name: string }).name).join(", ")}`);
        await Promise.all(wave.map((n) => c.follow(n.name, timeoutMs)));
        await Promise.all(wave.map((n) => c.waitStarted(n.name, timeoutMs, 0)));
      }
      c.admin = new Admin(c.bootstrap);
      c.leadership = new ClusterLeadership({
        product: c.product,
        nodes: c.nodes,
        bootstrap: c.bootstrap,
        admin: c.admin,
        liveController: () => c.nodes.find((n) => isController(n) && !c.down.has(n.name) && !c.paused.has(n.name)),
        shell: (node, command) => c.shell(node, command),
      });
      await c.admin.connect();
      const registered = o.product.selfOnlyMetadata ? 1 : brokers.length;
      await waitUntil(async () => (await c.admin.brokerIds().catch(() => [])).length === registered, timeoutMs, `all ${brokers.length} brokers registered`);
      if (o.images.clients) {
        const pods = await startClientPods(c.kubectl, { namespace: o.namespace, runId: o.runId, owner, pullPolicy: o.pullPolicy, image: o.images.clients, replicas: o.clientPods ?? 1, timeoutMs });
        c.clientHosts = pods.hosts;
        c.info.clients = pods.info;
      }
      c.info.pods = Object.fromEntries([...c.live.values()].map((n) => [n.spec.name, n.pod]));
      logger.info(`cluster ready in namespace ${o.namespace}: ${o.product.description}, ${c.nodes.map((n) => `${n.name}@${c.live.get(n.name)!.pod?.host}`).join(" ")}; clients via ${c.bootstrap.join(",")}`);
      return c;
    } catch (err) {
      await c.stop().catch((e) => logger.warn(`removing the failed start: ${(e as Error).message}`));
      throw err;
    }
  }

  /** The server's version and nodes, recorded in test.json. */
  private async describe(): Promise<void> {
    const v = await this.kubectl.json<{ serverVersion?: { gitVersion: string } }>(["version"], "asking the API server its version", { namespaced: false });
    const nodes = await this.kubectl.json<{ items: { metadata: { name: string }; status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string; osImage: string } } }[] }>(
      ["get", "nodes"],
      "listing the cluster's nodes",
      { namespaced: false },
    );
    this.info = {
      kubeconfig: this.kubectl.kubeconfig,
      namespace: this.namespace,
      serverVersion: v.serverVersion?.gitVersion,
      nodes: nodes.items.map((n) => ({ name: n.metadata.name, kubelet: n.status.nodeInfo.kubeletVersion, runtime: n.status.nodeInfo.containerRuntimeVersion, os: n.status.nodeInfo.osImage })),
    };
  }

  /** Waits for a node's pod to run, records where it runs, and follows its output. */
  private async follow(node: string, timeoutMs: number): Promise<void> {
    const n = this.node(node);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await this.podInfo(node);
      if (info) {
        n.pod = info;
        break;
      }
      if (Date.now() > deadline) throw await this.withPodEvents(new KcError("KC_NODE_NOT_READY", `pod ${node} did not start within ${timeoutMs / 1000} s`));
      await sleep(1000);
    }
    n.follower = this.kubectl.followLogs(node, NODE_CONTAINER, (chunk) => n.log.feed(chunk));
  }

  /** The pod's Kubernetes node, IP and container once its node container runs. */
  private async podInfo(node: string): Promise<PodInfo | undefined> {
    const r = await this.kubectl.run(["get", "pod", node, "-o", "json"]);
    if (r.code !== 0) return undefined;
    return runningPod(JSON.parse(r.stdout) as PodJson, NODE_CONTAINER);
  }

  /** An error with the namespace's recent warning events (image pulls, scheduling, mounts). */
  /**
   * Creates Toxiproxy (its Deployment and Service) and waits until its API answers through the
   * Service's cluster IP, which it returns. The pod being ready is not enough: the Service
   * answers only once kube-proxy has written its rules, and until then a connection to the
   * cluster IP leaves by this machine's default route. Each poll opens a connection of its own
   * (Links.probe), so one made too early is not reused: fetch's keep-alive pool kept such a
   * connection, answered by whatever is out there, and the Service "did not answer" for minutes
   * (three fresh-clone CIs, 2026-12-04 and 05; reproduced by delaying the Service's NAT rules).
   */
  private async startToxiproxy(objects: Record<string, unknown>[], timeoutMs: number): Promise<string> {
    await this.kubectl.apply(objects, "creating Toxiproxy and its Service");
    await this.kubectl.ok(["rollout", "status", `deployment/${TOXIPROXY}`, `--timeout=${Math.round(timeoutMs / 1000)}s`], "waiting for Toxiproxy").catch(async (e) => {
      throw await this.withPodEvents(e);
    });
    const ip = (await this.kubectl.ok(["get", "service", TOXIPROXY, "-o", "jsonpath={.spec.clusterIP}"], "reading Toxiproxy's cluster IP")).trim();
    this.links = new Links(`http://${ip}:${TOXI_API_PORT}`);
    let last = "";
    const answers = async () => (last = await this.links.probe()) === "yes";
    await waitUntil(answers, timeoutMs, `Toxiproxy's API at ${ip}:${TOXI_API_PORT} (its Service, through kube-proxy)`).catch(async (e) => {
      throw await this.withServiceDiagnosis(e as Error, ip, last);
    });
    return ip;
  }

  /**
   * Why Toxiproxy's Service does not answer, as far as can be seen from here: whether its pod
   * answers on its own IP, the Service's endpoints, and (when this machine is the node, as with
   * the local cluster) whether kube-proxy runs and has written NAT rules for the Service's IP.
   * With the last answer to a poll, which names what answered when it was not Toxiproxy.
   */
  private async withServiceDiagnosis(err: Error, ip: string, lastAnswer: string): Promise<Error> {
    const lines: string[] = [`the last poll of ${ip}: ${lastAnswer || "none"}`];
    const podIp = (await this.kubectl.run(["get", "pods", "-l", `${ROLE_LABEL}=${TOXIPROXY}`, "-o", "jsonpath={.items[*].status.podIP}"])).stdout.trim();
    const answer = podIp ? await new Links(`http://${podIp}:${TOXI_API_PORT}`).probe() : "";
    const direct = !podIp ? "has no IP" : answer === "yes" ? "answers" : `does not answer (${answer})`;
    lines.push(`Toxiproxy's pod ${podIp || "(none)"} ${direct} on its own IP`);
    const slices = await this.kubectl.run(["get", "endpointslices", "-l", `kubernetes.io/service-name=${TOXIPROXY}`, "-o", "jsonpath={range .items[*].endpoints[*]}{.addresses} ready={.conditions.ready}{'\\n'}{end}"]);
    lines.push(`its Service's endpoints: ${slices.stdout.trim().split("\n").filter(Boolean).join("; ") || "none"}`);
    const proxy = await run("pgrep", ["-x", "kube-proxy"]).catch(() => undefined);
    const nat = await run("iptables-save", ["-t", "nat"]).catch(() => undefined);
    if (proxy && nat) lines.push(`on this machine: kube-proxy ${proxy.code === 0 ? "runs" : "does not run"}; ${nat.stdout.split("\n").filter((l) => l.includes(`${ip}/32`)).length} NAT rules name ${ip}`);
    return new KcError("KC_K8S_SERVICE_UNREACHABLE", err.message, {
      details: lines.map((l) => `  | ${l}`).join("\n"),
      hint: "kube-proxy routes a Service's cluster IP to its pod: check that it runs on every node and has synced (its log), then run again",
    });
  }

  private async withPodEvents(err: unknown): Promise<Error> {
    const r = await this.kubectl.run(["get", "events", "--field-selector", "type=Warning", "-o", "custom-columns=OBJ:.involvedObject.name,REASON:.reason,MSG:.message", "--no-headers"]);
    const events = r.stdout.trim().split("\n").filter(Boolean).slice(-10);
    if (!events.length) return err as Error;
    const e = err as Error;
    return new KcError(err instanceof KcError ? err.code : "KC_NODE_NOT_READY", e.message, {
      details: `warning events in namespace ${this.namespace}:\n${events.map((l) => `  | ${l}`).join("\n")}`,
      hint: events.some((l) => /pull|image/i.test(l))
        ? "an image the node cannot pull: use images its runtime has (the local cluster side-loads them), or give --kafka-image/--toxiproxy-image from your registry"
        : `kubectl --kubeconfig ${this.kubectl.kubeconfig} -n ${this.namespace} describe pods says more`,
    });
  }

  private node(name: string): LiveNode {
    const n = this.live.get(name);
    if (!n) throw new KcError("KC_UNKNOWN_NODE", `no node named ${name}`, { hint: `nodes are ${[...this.live.keys()].join(", ")}` });
    return n;
  }

  /** Waits for a node's "started" log line after `since`; fails with its last log lines. */
  waitStarted(node: string, timeoutMs: number, since?: number): Promise<void> {
    this.node(node);
    return this.processes.waitStarted(node, timeoutMs, since);
  }

  tail(node: string, n = 30): string[] {
    return this.node(node).log.tail(n);
  }

  /** Runs a shell command in a node's container (kubectl exec). */
  shell(node: string, command: string): Promise<{ exitCode: number; output: string }> {
    this.node(node);
    return this.kubectl.exec(node, NODE_CONTAINER, command);
  }

  // --- process faults (through the node's supervisor) -------------------------------------

  get down(): Set<string> {
    return this.processes.down;
  }

  /** SIGKILLs the node's process through its supervisor; its pod (network namespace, data) stays. */
  kill(node: string, owner = "default"): Promise<void> {
    this.node(node);
    return this.processes.kill(node, owner);
  }

  /** SIGTERM (a controlled shutdown), SIGKILL after a minute; down until started. */
  shutdown(node: string, owner = "default"): Promise<{ clean: boolean; stopMs: number }> {
    this.node(node);
    return this.processes.shutdown(node, owner);
  }

  /**
   * A clean restart on the release the node runs (rolling restarts, bounces), in its pod: the
   * pod and its address stay. Another release is an upgrade, not offered here yet.
   */
  restartOn(node: string, version: string, opts: { brokerConfig?: Record<string, string>; ifUp?: boolean } = {}): Promise<UpgradeStep> {
    this.node(node);
    if (version !== this.versionOf() || opts.brokerConfig) return Promise.reject(notOffered("upgrade"));
    return this.processes.restartCleanly(node, { ifUp: opts.ifUp, paused: () => this.paused.has(node) }).then(({ clean, downMs }) => ({ node, from: version, to: version, clean, downMs }));
  }

  start(node: string, opts: { waitMs?: number } = {}, owner = "default"): Promise<boolean> {
    this.node(node);
    return this.processes.start(node, opts, owner);
  }

  startAll(): Promise<string[]> {
    return this.processes.startAll();
  }

  // --- power cuts (kc-lazyfs, the local cluster) --------------------------------------------

  /** Cuts the node's power: what its data dir never synced is lost as its process is SIGKILLed; it stays down until started. */
  async powerCut(node: string, owner = "power"): Promise<PowerCut> {
    this.node(node);
    return cutPower(node, owner, !!this.lazyfsBin, (n, o, c, code) => this.processes.killWith(n, o, c, code), async (n, c) => {
      const on = await this.shell(n, c);
      if (on.exitCode !== 0) throw new KcError("KC_POWER_FAILED", `powering ${n} on failed: ${on.output.trim().slice(0, 300)}`, { hint: "see /var/lib/kc/lazyfs.log in its pod" });
    });
  }

  /** Stops the node's process (SIGSTOP); the pod and its other processes run on. */
  async pause(node: string): Promise<void> {
    if (this.paused.has(node)) return;
    const r = await this.shell(node, `p=$(cat ${PID} 2>/dev/null) && kill -STOP $p`);
    if (r.exitCode !== 0) throw new KcError("KC_PAUSE_FAILED", `could not pause ${node} (is its process running?): ${r.output.trim()}`);
    this.paused.add(node);
  }

  async resume(node: string): Promise<void> {
    if (!this.paused.has(node)) return;
    await this.shell(node, `p=$(cat ${PID} 2>/dev/null) && kill -CONT $p; true`);
    this.paused.delete(node);
  }

  // --- pod deletes ----------------------------------------------------------------------

  /** Log marks where each replaced node's new pod began (awaitPod waits for "ready" after it). */
  private readonly replacedAt = new Map<string, number>();

  /**
   * Deletes the node's pod (1 s grace, then SIGKILL); waits for the StatefulSet's replacement to run
   * (same name and data, new address), follows its log, and re-applies every grudge in force
   * (its own rules are gone with its network namespace; its peers' rules name its old address).
   */
  async deletePod(node: string): Promise<PodReplacement> {
    const n = this.node(node);
    if (this.options.dataDiskMb && isBroker(n.spec)) {
      throw new KcError("KC_NOT_OFFERED", `${node}'s data is on a memory-backed emptyDir (--data-disk-mb), which its pod's replacement would not have: a pod delete would wipe it`, { hint: "run pod-delete without the disk nemesis and --data-disk-mb" });
    }
    const before = this.podOf(node);
    const t0 = Date.now();
    this.paused.delete(node);
    n.follower?.kill();
    // Not forced: a forced delete removes the object at once, and the replacement started while
    // the old JVM still held its log dir's lock ("Failed to acquire lock on file .lock"). With a
    // grace period of 1 s the supervisor (PID 1, which does not pass SIGTERM on) and the JVM
    // are SIGKILLed with the container, and the StatefulSet makes the new pod only after that.
    await this.kubectl.ok(["delete", "pod", node, "--grace-period=1", "--wait=false"], `deleting pod ${node}`);
    const deadline = t0 + 120_000;
    for (;;) {
      const info = await this.podInfo(node);
      if (info && info.uid !== before.uid) {
        n.pod = info;
        break;
      }
      if (Date.now() > deadline) throw await this.withPodEvents(new KcError("KC_NODE_NOT_READY", `no replacement of pod ${node} runs 120 s after its delete`));
      await sleep(500);
    }
    this.replacedAt.set(node, n.log.mark());
    n.follower = this.kubectl.followLogs(node, NODE_CONTAINER, (chunk) => n.log.feed(chunk));
    this.grudges.current = {};
    await this.applyGrudges();
    return { node, pod: node, host: n.pod.host, ipBefore: before.ip, ipAfter: n.pod.ip, replacedMs: Date.now() - t0 };
  }

  /** Waits until a replaced node's process is ready again. */
  async awaitPod(node: string): Promise<void> {
    const since = this.replacedAt.get(node);
    if (since === undefined) return;
    this.replacedAt.delete(node);
    try {
      await this.waitStarted(node, 120_000, since);
    } catch (err) {
      // A ZooKeeper-mode broker back within its old session finds its registration and exits:
      // the supervisor holds it down, and a start after the product's wait brings it up.
      const retry = this.product.startRetry;
      if (!retry || !this.node(node).log.linesSince(since).some((l) => retry.when.test(l))) throw err;
      component("k8s").info(`${node} exited at start in its new pod (${retry.why}); starting it again in ${retry.afterMs / 1000} s`);
      await sleep(retry.afterMs);
      await this.processes.start(node);
    }
  }

  // --- network faults (through the fault agent on the pod's node) --------------------------

  async partition(grudge: Grudge, owner = "default"): Promise<void> {
    for (const [node, peers] of Object.entries(grudge)) [node, ...peers].forEach((e) => this.ipOf(e));
    this.grudges.set(owner, grudge);
    await this.applyGrudges();
  }

  async heal(owner?: string): Promise<void> {
    this.grudges.drop(owner);
    if (owner === undefined) {
      await this.grudges.exclusive(async () => {
        await Promise.all([...this.live.values()].map((n) => this.agents.setDrops(this.podOf(n.spec.name), [])));
        this.grudges.current = {};
      });
      await this.peerLinks?.sync({});
      return;
    }
    await this.applyGrudges();
  }

  /** The union of every owner's grudge; a routed peer link the grudge cuts gets its black holes (PeerLinks.sync). */
  private applyGrudges(): Promise<void> {
    return this.grudges
      .apply([...this.live.keys()], (name, entries) => this.agents.setDrops(this.podOf(name), entries.map((e) => this.ipOf(e))))
      .then(() => this.peerLinks?.sync(this.grudges.current));
  }

  /** Where a node's pod runs now (its Kubernetes node, uid, address, container). */
  pod(node: string): PodInfo {
    return this.podOf(node);
  }

  private podOf(node: string): PodInfo {
    const p = this.node(node).pod;
    if (!p) throw new KcError("KC_UNKNOWN_NODE", `${node}'s pod is not running`);
    return p;
  }

  private ipOf(entry: string): string {
    return grudgeAddress(entry, (peer) => this.podOf(peer).ip);
  }

  /** The DROP rules in force in a node's pod, as its agent reads them. */
  rules(node: string): Promise<string[]> {
    return this.agents.drops(this.podOf(node));
  }

  /** Faults still in force, read from the cluster: DROP rules, stopped or held-down processes, toxics. */
  async leaks(): Promise<string[]> {
    const found: string[] = [];
    await Promise.all(
      [...this.live.values()].map(async (n) => {
        const rules = await this.rules(n.spec.name);
        if (rules.length) found.push(`${n.spec.name} has ${rules.length} iptables DROP rule(s)`);
        const r = await this.shell(n.spec.name, `[ -e ${HOLD} ] && echo down; p=$(cat ${PID} 2>/dev/null) && grep -q '^State:.*T' /proc/$p/status && echo stopped; ${DISK_FULL_CHECK}; true`);
        if (r.output.includes("down")) found.push(`${n.spec.name} is down`);
        if (r.output.includes("stopped")) found.push(`${n.spec.name} is paused`);
        if (r.output.includes("full")) found.push(`${n.spec.name}'s data disk is full`);
        const failing = await this.logDirSet.leak(n.spec.name);
        if (failing) found.push(failing);
        const moved = await clockLeft(n.spec.name, this.clocks.get(n.spec.name), (node) => this.readClock(node));
        if (moved) found.push(moved);
      }),
    );
    if (this.peerLinks) found.push(...(await this.peerLinks.leaks([...this.live.keys()])));
    if (this.links) {
      for (const [proxy, st] of Object.entries(await this.links.state())) {
        if (!st.enabled) found.push(`proxy ${proxy} is disabled`);
        if (st.toxics.length) found.push(`proxy ${proxy} has toxics ${st.toxics.join(", ")}`);
      }
    }
    found.push(...(await this.operations.leaks()));
    return found.sort();
  }

  // --- preferred-leader elections and partition reassignment (Kafka's tools, in a broker) ---

  electPreferred(partitions?: { topic: string; partition: number }[]): Promise<ElectionResult> {
    return this.operations.electPreferred(partitions);
  }
  reassign(moves: PartitionMove[], throttleBytes?: number): Promise<ReassignmentAnswer> {
    return this.operations.reassign(moves, throttleBytes);
  }
  verifyReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer> {
    return this.operations.verifyReassignment(moves);
  }
  cancelReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer> {
    return this.operations.cancelReassignment(moves);
  }
  reassignments(): Promise<ReassignmentInProgress[]> {
    return this.operations.reassignments();
  }
  liveBrokerIds(): Promise<number[]> {
    return this.operations.liveBrokerIds();
  }

  // --- file damage, who leads ------------------------------------------------------------

  segments(node: string, topic: string, partition: number): Promise<SegmentFile[]> {
    return this.files.segments(node, topic, partition);
  }
  truncate(node: string, file: string, bytes: number): Promise<FileDamage> {
    return this.files.truncate(node, file, bytes);
  }
  flipBits(node: string, file: string, flips: { offset: number; mask: number }[]): Promise<FileDamage> {
    return this.files.flipBits(node, file, flips);
  }
  nodeOfBrokerId(id: number): string | undefined {
    return this.leadership.nodeOfBrokerId(id);
  }
  leader(key: Key): Promise<string | undefined> {
    return this.leadership.leader(key);
  }
  controller(): Promise<string | undefined> {
    return this.leadership.controller();
  }
  groupCoordinator(groupId: string): Promise<string | undefined> {
    return this.leadership.groupCoordinator(groupId);
  }
  transactionCoordinator(transactionalId: string): Promise<string | undefined> {
    return this.leadership.transactionCoordinator(transactionalId);
  }
  partitionsVia(broker: string, topic: string): Promise<PartitionState[]> {
    return this.leadership.partitionsVia(broker, topic);
  }

  createTopics(topics: TopicSpec[], timeoutMs = 120_000): Promise<void> {
    return this.admin.createTopics(topics, timeoutMs);
  }
  endOffsets(keys: Key[], isolation?: Isolation): Promise<Map<Key, number>> {
    return this.admin.endOffsets(keys, isolation);
  }

  // --- clocks (kc-clock) ----------------------------------------------------------------------

  /** Moves what the node's processes read as the wall clock; a zero setting is the real clock. */
  async setClock(node: string, setting: ClockSetting): Promise<void> {
    this.node(node);
    clockFileOf(node, this.clocks).set(setting);
  }

  /** The node's wall clock as its processes read it, against the harness's. */
  readClock(node: string): Promise<ClockReading> {
    return this.shell(node, READ_CLOCK_COMMAND).then((r) => parseClockReading(node, r.output));
  }

  // --- a full disk (options.dataDiskMb: brokers' data on a memory-backed emptyDir of that size) ---

  fillDisk(node: string): Promise<DiskFill> {
    return fillDisk(node, this.options.dataDiskMb, (n, c) => this.shell(n, c));
  }

  freeDisk(node: string): Promise<boolean> {
    return freeDisk(node, (n, c) => this.shell(n, c));
  }

  // --- failed log dirs (kc-lazyfs, the local cluster) ---------------------------------------

  async logDirs(node: string): Promise<string[]> {
    this.node(node);
    return this.logDirSet.list();
  }

  logDirOf(node: string, topic: string, partition: number): Promise<string | undefined> {
    return this.logDirSet.of(node, topic, partition);
  }

  failLogDir(node: string, dir: string): Promise<FailedLogDir> {
    return this.logDirSet.fail(node, dir);
  }

  async healLogDirs(node: string): Promise<string[]> {
    this.node(node);
    return this.logDirSet.heal(node);
  }

  // --- what Kubernetes does not offer here yet -------------------------------------------

  versionOf(): string {
    return this.options.kafkaVersion;
  }
  finalizeUpgrade(): Promise<Record<string, unknown>> {
    return Promise.reject(notOffered("upgrade"));
  }

  // --- teardown -------------------------------------------------------------------------

  /**
   * Removes the run from the cluster: the StatefulSets (their pods gone), the nodes' data on
   * every Kubernetes node (through the agents), then the namespace when the run created it,
   * else every object with the run's label. Waits until it is gone. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.admin?.disconnect().catch(() => undefined);
    const selector = `${RUN_LABEL}=${dnsLabel(this.runId)}`;
    await this.kubectl.run(["delete", "statefulset", "-l", selector, "--wait=true", "--timeout=90s"]);
    await this.kubectl.run(["wait", "--for=delete", "pod", "-l", `${selector},kafka-chaos.role notin (${TOXIPROXY},kc-fault-agent,${CLIENTS})`, "--timeout=90s"]);
    await this.agents.removeData().catch((e) => component("k8s").warn(`removing the nodes' data under ${HOST_DATA_ROOT}/${this.namespace}: ${(e as Error).message}`));
    for (const n of this.live.values()) {
      n.follower?.kill();
      n.log.close();
    }
    if (this.ownsNamespace) {
      await this.kubectl.ok(["delete", "namespace", this.namespace, "--wait=true", "--timeout=180s"], `deleting namespace ${this.namespace}`, { namespaced: false });
    } else {
      await this.kubectl.ok(["delete", "all,configmap,service", "-l", selector, "--wait=true", "--timeout=120s"], `deleting the run's objects in ${this.namespace}`);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

const notOffered = (c: Capability) => new KcError("KC_NOT_OFFERED", `the kubernetes deployment does not offer "${c}" yet`, { hint: "use --deployment docker for this nemesis" });

/** A pod as `kubectl get pod -o json` prints it (the fields read here). */
export interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { name: string }[] };
  status: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; containerID?: string; restartCount?: number; ready?: boolean; state?: { running?: unknown } }[] };
}

/** Where a pod runs and its container, once that container runs (default: its first). */
export function runningPod(p: PodJson, container?: string): PodInfo | undefined {
  const name = container ?? p.spec.containers[0]?.name;
  const cs = p.status.containerStatuses?.find((s) => s.name === name);
  if (!cs?.state?.running || !cs.containerID || !p.status.podIP || !p.spec.nodeName) return undefined;
  return { pod: p.metadata.name, host: p.spec.nodeName, uid: p.metadata.uid, ip: p.status.podIP, containerId: cs.containerID.replace(/^[a-z]+:\/\//, "") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

