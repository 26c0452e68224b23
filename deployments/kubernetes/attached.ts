// A Kafka cluster that already runs on Kubernetes (plain manifests, an operator such as
// Strimzi), found by label selectors: `--attach --namespace NS --broker-selector app=kafka`.
// The harness never creates, changes or deletes the cluster's own objects. It deploys only its
// fault agent, in a namespace of the run's own, and reaches the brokers as the workload's
// clients do (each broker pod's address and --broker-port, then the listeners they advertise).
//
// Faults differ from a cluster the harness deploys, because no supervisor of ours runs in the
// pods: a kill SIGKILLs the container's init process and the kubelet starts the container
// again (as after a crash: the node cannot be held down, and the kill lasts until it is ready
// again); a pause SIGSTOPs every process of the container; grudges are iptables rules in the
// pod's network namespace, as everywhere. No Toxiproxy sits in front of the brokers, so link
// faults and file damage are not offered.
import type { ChildProcess } from "node:child_process";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import type { Capability, Grudge } from "../../core/faults.ts";
import type { FileDamage, Isolation, NodeSpec, PartitionState, SegmentFile, UpgradeStep } from "../../core/cluster.ts";
import type { Key } from "../../core/history/op.ts";
import { Admin, type TopicSpec } from "../../clients/kafkajs/admin.ts";
import type { BrokerProduct } from "../../products/product.ts";
import type { StartedCluster } from "../deployment.ts";
import { nodeLog, waitUntil, type LogFollower } from "../log-follower.ts";
import { GrudgeBook, grudgeAddress, KillHolds } from "../shared/fault-books.ts";
import { ClusterLeadership } from "../shared/leadership.ts";
import { FaultAgents } from "./agent.ts";
import { ownerOf, runningPod, type PodInfo, type PodJson } from "./cluster.ts";
import { Kubectl } from "./kubectl.ts";
import { agent, namespaceObject } from "./manifests.ts";
import type { ClientHostLauncher } from "../../clients/remote/remote.ts";
import { startClientPods } from "./client-pods.ts";

export const ATTACHED_CAPABILITIES: readonly Capability[] = ["process", "pause", "network", "leadership"];

export interface AttachSettings {
  /** Label selector of the broker pods, e.g. `strimzi.io/kind=Kafka,strimzi.io/broker-role=true`. */
  brokers: string;
  /** Label selector of the ZooKeeper or KRaft controller pods (targets of `quorum`), if separate. */
  quorum?: string;
  /** The port clients bootstrap from on each broker pod's address. */
  port: number;
  /** The container of each pod that runs the node (default: the pod's first). */
  container?: string;
}

export interface AttachOptions {
  runId: string;
  runDir: string;
  product: BrokerProduct;
  kubeconfig: string;
  /** The namespace of the cluster under test. */
  namespace: string;
  /** The run's own namespace, for the fault agent. */
  ownNamespace: string;
  attach: AttachSettings;
  agentImage: string;
  /** `--clients-in pod`: the clients image and how many pods, in the run's own namespace. */
  clients?: { image: string; replicas: number };
  readyTimeoutSeconds?: number;
}

interface Member {
  spec: NodeSpec;
  pod: PodInfo;
  log: LogFollower;
  follower?: ChildProcess;
}

export class AttachedCluster implements StartedCluster {
  readonly runId: string;
  readonly product: BrokerProduct;
  readonly capabilities = ATTACHED_CAPABILITIES;
  readonly persistent = true;
  nodes: NodeSpec[] = [];
  bootstrap: string[] = [];
  /** `--clients-in pod`: client hosts start in the run's clients pods (in its own namespace), one per pod. */
  clientHosts?: ClientHostLauncher[];
  readonly paused = new Set<string>();
  info: Record<string, unknown> = {};
  readonly target: Kubectl;
  readonly own: Kubectl;
  admin!: Admin;
  readonly links = {
    addToxic: () => Promise.reject(notOffered("links")),
    setEnabled: () => Promise.reject(notOffered("links")),
    reset: () => Promise.resolve(),
  };

  private readonly o: AttachOptions;
  private readonly members = new Map<string, Member>();
  private readonly holds = new KillHolds();
  private readonly grudges = new GrudgeBook();
  private readonly agents: FaultAgents;
  private leadership!: ClusterLeadership;
  /** Restart counts of killed nodes' containers when they were killed. */
  private readonly restartsAtKill = new Map<string, number>();
  private stopped = false;
  /** Topics this run created, deleted when it stops. */
  private readonly created = new Set<string>();

  private constructor(o: AttachOptions) {
    this.o = o;
    this.runId = o.runId;
    // The controller is asked through the client protocol: the pods need not have our tools.
    this.product = { ...o.product, quorumStatusCommand: undefined, description: `Kafka in namespace ${o.namespace} (attached: ${o.attach.brokers})` };
    this.target = new Kubectl(o.kubeconfig, o.namespace);
    this.own = new Kubectl(o.kubeconfig, o.ownNamespace);
    this.agents = new FaultAgents(this.own, o.ownNamespace);
  }

  get grudge(): Grudge {
    return this.grudges.current;
  }

  get down(): Set<string> {
    return this.holds.down;
  }

  static async start(o: AttachOptions): Promise<AttachedCluster> {
    const logger = component("k8s-attach");
    const c = new AttachedCluster(o);
    const timeoutMs = (o.readyTimeoutSeconds ?? 180) * 1000;
    try {
      const brokers = await c.pods(o.attach.brokers);
      if (!brokers.length) throw new KcError("KC_K8S_ATTACH", `no running pod in namespace ${o.namespace} matches --broker-selector ${o.attach.brokers}`, { hint: `kubectl -n ${o.namespace} get pods --show-labels lists the pods and their labels` });
      const quorum = o.attach.quorum ? await c.pods(o.attach.quorum) : [];
      if (o.attach.quorum && !quorum.length) throw new KcError("KC_K8S_ATTACH", `no running pod in namespace ${o.namespace} matches --quorum-selector ${o.attach.quorum}`);

      // The brokers' ids: each registered broker's advertised host names its pod (an address or a DNS name).
      c.bootstrap = brokers.map((p) => `${p.ip}:${o.attach.port}`);
      c.admin = new Admin(c.bootstrap);
      await c.admin.connect();
      let registered: { nodeId: number; host: string }[] = [];
      await waitUntil(async () => (registered = await c.admin.brokers().catch(() => [])).length >= brokers.length, timeoutMs, `${brokers.length} brokers to answer metadata through ${c.bootstrap.join(",")}`);
      const idOf = (p: PodInfo) => registered.find((b) => b.host === p.ip || b.host === p.pod || b.host.startsWith(`${p.pod}.`))?.nodeId;
      const role = o.product.mode === "kraft" ? "controller" : "zookeeper";
      for (const p of brokers) {
        const id = idOf(p);
        if (id === undefined) throw new KcError("KC_K8S_ATTACH", `pod ${p.pod} (${p.ip}) is not a registered broker's advertised host (${registered.map((b) => `${b.nodeId}@${b.host}`).join(", ")})`, { hint: "the broker selector must select exactly the broker pods" });
        c.add({ name: p.pod, roles: ["broker"], id }, p);
      }
      // A pod both selectors select (KRaft nodes that are controllers and brokers) is both.
      quorum.forEach((p, i) => {
        const both = c.nodes.find((n) => n.name === p.pod);
        if (both) both.roles.push(role);
        else c.add({ name: p.pod, roles: [role], id: 1000 + i }, p);
      });

      // The fault agent, in the run's own namespace.
      const owner = ownerOf();
      await c.own.apply([namespaceObject({ namespace: o.ownNamespace, runId: o.runId, owner }), agent({ namespace: o.ownNamespace, runId: o.runId, owner, pullPolicy: "IfNotPresent", images: { agent: o.agentImage } })], `creating namespace ${o.ownNamespace} and the fault agent`);
      await c.agents.waitReady(timeoutMs);
      const clientPods = o.clients
        ? await startClientPods(c.own, { namespace: o.ownNamespace, runId: o.runId, owner, pullPolicy: "IfNotPresent", image: o.clients.image, replicas: o.clients.replicas, timeoutMs })
        : undefined;
      c.clientHosts = clientPods?.hosts;
      c.leadership = new ClusterLeadership({
        product: c.product,
        nodes: c.nodes,
        bootstrap: c.bootstrap,
        admin: c.admin,
        liveController: () => undefined,
        shell: () => Promise.reject(notOffered("process")),
      });
      c.info = await c.describe();
      if (clientPods) c.info.clients = clientPods.info;
      logger.info(`attached to ${c.nodes.map((n) => `${n.name} (${n.roles[0]}${n.roles[0] === "broker" ? ` ${n.id}` : ""})`).join(", ")} in namespace ${o.namespace}; clients via ${c.bootstrap.join(",")}; fault agent in ${o.ownNamespace}`);
      return c;
    } catch (err) {
      await c.stop().catch(() => undefined);
      throw err;
    }
  }

  private add(spec: NodeSpec, pod: PodInfo): void {
    this.nodes.push(spec);
    const m: Member = { spec, pod, log: nodeLog(this.o.runDir, spec.name) };
    this.members.set(spec.name, m);
    this.follow(m);
  }

  private follow(m: Member): void {
    m.follower?.kill();
    m.follower = this.target.followLogs(m.pod.pod, this.o.attach.container, (chunk) => m.log.feed(chunk));
  }

  /** The running pods a selector matches. */
  private async pods(selector: string): Promise<PodInfo[]> {
    const list = await this.target.json<{ items: PodJson[] }>(["get", "pods", "-l", selector], `listing pods with ${selector}`);
    return list.items.map((p) => runningPod(p, this.o.attach.container)).filter((p): p is PodInfo => !!p).sort((a, b) => a.pod.localeCompare(b.pod, undefined, { numeric: true }));
  }

  private async pod(node: string): Promise<PodJson> {
    return this.target.json<PodJson>(["get", "pod", node], `reading pod ${node}`);
  }

  private async describe(): Promise<Record<string, unknown>> {
    const v = await this.own.json<{ serverVersion?: { gitVersion: string } }>(["version"], "asking the API server its version", { namespaced: false });
    return {
      kubeconfig: this.own.kubeconfig,
      attached: { namespace: this.o.namespace, ...this.o.attach },
      namespace: this.o.ownNamespace,
      serverVersion: v.serverVersion?.gitVersion,
      pods: Object.fromEntries([...this.members.values()].map((m) => [m.spec.name, m.pod])),
    };
  }

  private member(node: string): Member {
    const m = this.members.get(node);
    if (!m) throw new KcError("KC_UNKNOWN_NODE", `no node named ${node}`, { hint: `nodes are ${[...this.members.keys()].join(", ")}` });
    return m;
  }

  tail(node: string, n = 30): string[] {
    return this.member(node).log.tail(n);
  }

  // --- process faults: a crash and Kubernetes' restart -----------------------------------

  async kill(node: string, owner = "default"): Promise<void> {
    const m = this.member(node);
    await this.resume(node);
    const before = containerStatus(await this.pod(node), this.o.attach.container);
    this.restartsAtKill.set(node, before?.restartCount ?? 0);
    await this.agents.killContainer(m.pod);
    this.holds.hold(node, owner);
  }

  /**
   * Waits until the kubelet has started a killed node's container again (its restart count went
   * up and it runs). Not until it is ready: readiness may wait on faults other families still
   * hold (a paused quorum), which are healed after this.
   */
  async start(node: string, opts: { waitMs?: number } = {}, owner = "default"): Promise<boolean> {
    const m = this.member(node);
    if (!this.holds.release(node, owner)) return false;
    const at = this.restartsAtKill.get(node);
    if (at === undefined) return false;
    this.restartsAtKill.delete(node);
    if (opts.waitMs === 0) return true;
    const waitMs = opts.waitMs ?? 120_000;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const p = await this.pod(node);
      const cs = containerStatus(p, this.o.attach.container);
      const info = runningPod(p, this.o.attach.container);
      if (cs && (cs.restartCount ?? 0) > at && info) {
        m.pod = info;
        this.follow(m);
        return true;
      }
      if (Date.now() > deadline) throw new KcError("KC_NODE_NOT_READY", `the kubelet did not start ${node}'s container again within ${waitMs / 1000} s of its kill`, { hint: `kubectl -n ${this.o.namespace} describe pod ${node}` });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async startAll(): Promise<string[]> {
    const killed = [...this.restartsAtKill.keys()];
    this.holds.clear();
    await Promise.all([...this.members.keys()].map((n) => this.resume(n)));
    const started: string[] = [];
    for (const n of killed) {
      if (await this.start(n)) started.push(n);
    }
    return started.sort();
  }

  async pause(node: string): Promise<void> {
    if (this.paused.has(node)) return;
    await this.agents.signalContainer(this.member(node).pod, "STOP");
    this.paused.add(node);
  }

  async resume(node: string): Promise<void> {
    if (!this.paused.has(node)) return;
    await this.agents.signalContainer(this.member(node).pod, "CONT");
    this.paused.delete(node);
  }

  // --- network faults ---------------------------------------------------------------------

  async partition(grudge: Grudge, owner = "default"): Promise<void> {
    for (const [node, peers] of Object.entries(grudge)) [node, ...peers].forEach((e) => this.ipOf(e));
    this.grudges.set(owner, grudge);
    await this.applyGrudges();
  }

  async heal(owner?: string): Promise<void> {
    this.grudges.drop(owner);
    if (owner === undefined) {
      await this.grudges.exclusive(async () => {
        await Promise.all([...this.members.values()].map((m) => this.agents.setDrops(m.pod, [])));
        this.grudges.current = {};
      });
      return;
    }
    await this.applyGrudges();
  }

  private applyGrudges(): Promise<void> {
    return this.grudges.apply([...this.members.keys()], (name, entries) => this.agents.setDrops(this.member(name).pod, entries.map((e) => this.ipOf(e))));
  }

  private ipOf(entry: string): string {
    return grudgeAddress(entry, (peer) => this.member(peer).pod.ip);
  }

  rules(node: string): Promise<string[]> {
    return this.agents.drops(this.member(node).pod);
  }

  /** DROP rules, stopped processes, and containers not running, read from the cluster. */
  async leaks(): Promise<string[]> {
    const found: string[] = [];
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        const rules = await this.rules(m.spec.name);
        if (rules.length) found.push(`${m.spec.name} has ${rules.length} iptables DROP rule(s)`);
        const cs = containerStatus(await this.pod(m.spec.name), this.o.attach.container);
        if (!cs?.state?.running) found.push(`${m.spec.name}'s container is not running`);
        else if (await this.agents.stopped(m.pod)) found.push(`${m.spec.name} is paused`);
      }),
    );
    return found.sort();
  }

  // --- who leads, topics ------------------------------------------------------------------

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
    for (const t of topics) this.created.add(t.name);
    return this.admin.createTopics(topics, timeoutMs);
  }
  endOffsets(keys: Key[], isolation?: Isolation): Promise<Map<Key, number>> {
    return this.admin.endOffsets(keys, isolation);
  }

  // --- not offered on an attached cluster -------------------------------------------------

  versionOf(): string {
    return "attached";
  }
  restartOn(): Promise<UpgradeStep> {
    return Promise.reject(notOffered("upgrade"));
  }
  finalizeUpgrade(): Promise<Record<string, unknown>> {
    return Promise.reject(notOffered("upgrade"));
  }
  segments(): Promise<SegmentFile[]> {
    return Promise.reject(notOffered("files"));
  }
  truncate(): Promise<FileDamage> {
    return Promise.reject(notOffered("files"));
  }
  flipBits(): Promise<FileDamage> {
    return Promise.reject(notOffered("files"));
  }
  fillDisk(): Promise<{ node: string; sizeBytes: number; freeBefore: number; filler: number }> {
    return Promise.reject(notOffered("disk"));
  }
  freeDisk(): Promise<boolean> {
    return Promise.reject(notOffered("disk"));
  }

  /** Deletes the run's topics and its own namespace (the fault agent); the attached cluster is left as it was. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.created.size) {
      await this.admin
        .deleteTopics([...this.created])
        .then(() => component("k8s-attach").info(`deleted this run's topics ${[...this.created].join(", ")}`))
        .catch((e) => component("k8s-attach").warn(`could not delete this run's topics ${[...this.created].join(", ")}: ${(e as Error).message}`));
    }
    await this.admin?.disconnect().catch(() => undefined);
    for (const m of this.members.values()) {
      m.follower?.kill();
      m.log.close();
    }
    const exists = await this.own.run(["get", "namespace", this.o.ownNamespace, "-o", "name"], { namespaced: false });
    if (exists.code === 0) await this.own.ok(["delete", "namespace", this.o.ownNamespace, "--wait=true", "--timeout=120s"], `deleting namespace ${this.o.ownNamespace}`, { namespaced: false });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function containerStatus(p: PodJson, container?: string) {
  const name = container ?? p.spec.containers[0]?.name;
  return p.status.containerStatuses?.find((s) => s.name === name);
}

const notOffered = (c: Capability) => new KcError("KC_NOT_OFFERED", `an attached cluster does not offer "${c}"`, { hint: "drop that nemesis, or let the harness deploy the cluster (no --attach)" });
