// The local Docker deployment: a broker product's nodes (../../products/) as containers on a
// network of the run's own, each broker's client listener reachable only through its own
// Toxiproxy proxy on 127.0.0.1. It offers every power nemeses ask for (nemeses/capabilities.ts):
// kill/start, pause/resume, partition/heal, link faults, leader of a key, the active controller.
import fs from "node:fs";
import path from "node:path";
import type Docker from "dockerode";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import type { ContainerNetwork, StartedCluster } from "../deployment.ts";
import { resolveKafkaJars, type ImageSet } from "./images.ts";
import { runOk } from "../../core/proc.ts";
import type { ClockReading, ClockSetting, ElectionResult, FailedLogDir, FileDamage, Isolation, PartitionMove, ReassignmentAnswer, ReassignmentInProgress, PowerCut, SegmentFile, UpgradeStep } from "../../core/cluster.ts";
import type { Key } from "../../core/history/op.ts";
import { Admin, type PartitionState, type TopicSpec } from "../../clients/kafkajs/admin.ts";
import { assertDockerRunning, runLabels, containerIp, createContainer, createNetwork, exec, followContainer, publishedPort, removeLabelled, type ExecResult } from "./docker.ts";
import { Links } from "../shared/links.ts";
import { PeerLinks } from "../shared/peer-links.ts";
import { nodeLog, waitUntil, type LogFollower } from "../log-follower.ts";
import type { Capability, Grudge } from "../../core/faults.ts";
import { GrudgeBook, grudgeAddress } from "../shared/fault-books.ts";
import { SupervisedProcesses } from "../shared/supervised.ts";
import { SUPERVISOR_HOLD as HOLD } from "../../products/supervisor.ts";
import { ClusterLeadership } from "../shared/leadership.ts";
import { SegmentFiles } from "../shared/segment-files.ts";
import { buildLazyfs, cutPower, LAZYFS_BIN, lazyfsMountScript, MOUNT_SCRIPT } from "../shared/lazyfs.ts";
import { LogDirs } from "../shared/log-dirs.ts";
import { DISK_FULL_CHECK, fillDisk, freeDisk, type DiskFill } from "../shared/disk.ts";
import { buildClockLib, CLOCK_DIR, CLOCK_LIB, ClockFile, clockEnv, clockFileOf, clockLeft, parseClockReading, READ_CLOCK_COMMAND } from "../shared/clock.ts";
import { ClusterOperations } from "../shared/operations.ts";
import { Netfilter } from "./netfilter.ts";
import { apacheKafka } from "../../products/kafka/index.ts";
import type { BrokerProduct, NodeSpec } from "../../products/product.ts";
import { isBroker, isController, TOXI_API_PORT, TOXI_BASE_PORT, TOXI_PEER_BASE_PORT, TOXI_NETWORK_BASE_PORT, NETWORK_PROXY_HOST, type ClusterOptions } from "../../products/kafka/topology.ts";

export interface ClusterStartOptions {
  runId: string;
  /** The run directory; node logs and configs go to nodes/<node>/. */
  runDir: string;
  options: ClusterOptions;
  /** What runs on the nodes; default Apache Kafka as `options` says. */
  product?: BrokerProduct;
  images: ImageSet;
  /** Seconds a node may take to become ready. */
  readyTimeoutSeconds?: number;
}

/** Where brokers keep their data (log.dirs), and the file that fills it for the disk nemesis. */
const DATA_DIR = "/var/lib/kc/data";

interface LiveNode {
  spec: NodeSpec;
  container: Docker.Container;
  log: LogFollower;
  ip: string;
  pid: number;
}


/** Every power nemeses may ask for (nemeses/capabilities.ts): local Docker offers them all. */
export const DOCKER_CAPABILITIES: readonly Capability[] = ["process", "pause", "network", "links", "leadership", "restart", "upgrade", "files", "disk", "power", "clock", "log-dirs", "elections", "reassign", "peer-links"];

export class Cluster implements StartedCluster {
  readonly runId: string;
  readonly options: ClusterOptions;
  readonly product: BrokerProduct;
  readonly nodes: NodeSpec[];
  readonly network: string;
  readonly links: Links;
  /** Links between nodes, routed through Toxiproxy while a fault is on them. */
  readonly peerLinks: PeerLinks;
  readonly admin: Admin;
  /** 127.0.0.1:<port> of each broker's proxy, in broker order. */
  readonly bootstrap: string[];
  /** <toxiproxy>:<port> of each broker's proxy for containers on `network` (products with a second client listener). */
  readonly networkBootstrap?: string[];
  get containerNetwork(): ContainerNetwork | undefined {
    return this.networkBootstrap && { name: this.network, bootstrap: this.networkBootstrap, labels: runLabels(this.runId, { role: "application" }) };
  }
  readonly capabilities = DOCKER_CAPABILITIES;
  readonly paused = new Set<string>();
  /** Kill, start and readiness through each node's supervisor; kills owned by fault families. */
  private readonly processes: SupervisedProcesses;
  /** Each owner's grudge; the rules in force are their union (`grudge`). */
  private readonly grudges = new GrudgeBook();
  get grudge(): Grudge {
    return this.grudges.current;
  }
  private readonly leadership: ClusterLeadership;
  private readonly files: SegmentFiles;
  private readonly logDirSet: LogDirs;

  private readonly live = new Map<string, LiveNode>();
  /** The release a node runs when a rolling upgrade moved it off options.kafkaVersion. */
  private readonly versions = new Map<string, string>();
  /** What a node's files are made from again (rolling upgrades): the run directory, cluster id, client ports. */
  private runDir = "";
  private clusterId = "";
  private readonly clientPorts = new Map<string, number>();
  /** kc-lazyfs on the host, bind-mounted into every node when options.lazyfs. */
  private lazyfsBin?: string;
  /** kc-clock on the host, bind-mounted into every node when options.clockLayer; each node's state file. */
  private clockLib?: string;
  private readonly clocks = new Map<string, ClockFile>();
  private readonly netfilter: Netfilter;
  private readonly toxiproxy: { container: Docker.Container; log: LogFollower; ip: string; apiUrl: string };
  private stopped = false;

  private constructor(init: {
    runId: string;
    options: ClusterOptions;
    product: BrokerProduct;
    network: string;
    links: Links;
    bootstrap: string[];
    networkBootstrap?: string[];
    netfilter: Netfilter;
    toxiproxy: { container: Docker.Container; log: LogFollower; ip: string; apiUrl: string };
  }) {
    this.runId = init.runId;
    this.options = init.options;
    this.product = init.product;
    this.nodes = init.product.nodes();
    this.network = init.network;
    this.links = init.links;
    this.bootstrap = init.bootstrap;
    this.networkBootstrap = init.networkBootstrap;
    this.netfilter = init.netfilter;
    this.toxiproxy = init.toxiproxy;
    this.peerLinks = new PeerLinks({
      links: new Links(init.toxiproxy.apiUrl),
      list: this.product.peerLinks?.() ?? [],
      ipOf: (node) => this.node(node).ip,
      proxyIp: init.toxiproxy.ip,
      basePort: TOXI_PEER_BASE_PORT,
      shell: (node, script) => {
        const n = this.node(node);
        return this.netfilter.inNamespace({ name: node, pid: n.pid, containerId: n.container.id }, script);
      },
    });
    this.admin = new Admin(init.bootstrap);
    this.leadership = new ClusterLeadership({
      product: this.product,
      nodes: this.nodes,
      bootstrap: this.bootstrap,
      admin: this.admin,
      liveController: () => [...this.live.values()].find((n) => isController(n.spec) && !this.down.has(n.spec.name) && !this.paused.has(n.spec.name))?.spec,
      shell: (node, command) => this.shell(node, command),
    });
    this.files = new SegmentFiles(this.product, (node, command) => this.shell(node, command));
    this.logDirSet = new LogDirs({ options: this.options, onLazyfs: () => !!this.lazyfsBin, shell: (node, command) => this.shell(node, command) });
    this.processes = new SupervisedProcesses({
      product: this.product,
      names: () => [...this.live.keys()],
      log: (node) => this.node(node).log,
      shell: (node, command) => this.shell(node, command),
      resume: (node) => this.resume(node),
      component: "cluster",
    });
  }

  /** Launches the whole cluster and waits until it is ready; on failure everything is removed. */
  static async start(o: ClusterStartOptions): Promise<Cluster> {
    const logger = component("cluster");
    validate(o.options);
    await assertDockerRunning();
    const network = `kc-${o.runId}`;
    const timeoutMs = (o.readyTimeoutSeconds ?? 180) * 1000;
    const product = o.product ?? apacheKafka(o.options);
    const nodes = product.nodes();
    const brokers = nodes.filter(isBroker);
    let cluster: Cluster | undefined;
    try {
      await createNetwork(network, o.runId);
      // Toxiproxy first: brokers must advertise the host ports Docker publishes for it.
      const toxiLog = nodeLog(o.runDir, "toxiproxy");
      const toxi = await createContainer({
        name: `${network}-toxiproxy`,
        image: o.images.toxiproxy,
        runId: o.runId,
        network,
        alias: NETWORK_PROXY_HOST,
        publish: [TOXI_API_PORT, ...brokers.map((b) => TOXI_BASE_PORT + b.id)],
        labels: { role: "toxiproxy", node: "toxiproxy" },
      });
      await toxi.start();
      await followContainer(toxiLog, toxi);
      const apiPort = await publishedPort(toxi, TOXI_API_PORT);
      const apiUrl = `http://127.0.0.1:${apiPort}`;
      const links = new Links(apiUrl);
      await waitUntil(async () => (await links.probe()) === "yes", 30_000, "Toxiproxy API", toxiLog);
      const bootstrap: string[] = [];
      // Each broker's second listener, where the product has one, for containers on the run's network (networkBootstrap).
      const networkBootstrap: string[] = [];
      for (const b of brokers) {
        await links.createProxy(b.name, TOXI_BASE_PORT + b.id, `${b.name}:${product.clientPort}`);
        bootstrap.push(`127.0.0.1:${await publishedPort(toxi, TOXI_BASE_PORT + b.id)}`);
        if (product.networkClientPort !== undefined) {
          await links.createProxy(`${b.name}-network`, TOXI_NETWORK_BASE_PORT + b.id, `${b.name}:${product.networkClientPort}`, b.name);
          networkBootstrap.push(`${NETWORK_PROXY_HOST}:${TOXI_NETWORK_BASE_PORT + b.id}`);
        }
      }
      cluster = new Cluster({
        runId: o.runId,
        options: o.options,
        product,
        network,
        links,
        bootstrap,
        networkBootstrap: networkBootstrap.length ? networkBootstrap : undefined,
        netfilter: new Netfilter(o.images.net, o.runId),
        toxiproxy: { container: toxi, log: toxiLog, ip: await containerIp(toxi, network), apiUrl },
      });
      const clusterId = product.newClusterId();
      if (o.options.lazyfs) cluster.lazyfsBin = await buildLazyfs();
      if (o.options.clockLayer) cluster.clockLib = await buildClockLib();
      cluster.runDir = o.runDir;
      cluster.clusterId = clusterId;
      for (const wave of product.startWaves()) {
        await Promise.all(
          wave.map((n) => {
            const port = isBroker(n) ? Number(bootstrap[brokers.findIndex((b) => b.name === n.name)].split(":")[1]) : undefined;
            if (port !== undefined) cluster!.clientPorts.set(n.name, port);
            return cluster!.launch(o, n, clusterId, port);
          }),
        );
        await Promise.all(wave.map((n) => cluster!.waitStarted(n.name, timeoutMs, 0)));
      }
      await cluster.admin.connect();
      // A product whose brokers each answer as the whole cluster (tansu) lists one broker.
      const registered = product.selfOnlyMetadata ? 1 : brokers.length;
      await waitUntil(async () => (await cluster!.admin.brokerIds().catch(() => [])).length === registered, timeoutMs, product.selfOnlyMetadata ? "a broker to answer metadata" : `all ${brokers.length} brokers registered`, toxiLog);
      logger.info(`cluster ready: ${product.description}, ${nodes.map((n) => n.name).join(" ")}; clients via ${bootstrap.join(",")}`);
      return cluster;
    } catch (err) {
      if (cluster) await cluster.stop().catch(() => undefined);
      else await removeLabelled(o.runId).catch(() => undefined);
      throw err;
    }
  }

  /** The in-network proxy port of a broker, where the product listens for containers on the network. */
  private networkPort(n: NodeSpec): number | undefined {
    return this.networkBootstrap && isBroker(n) ? TOXI_NETWORK_BASE_PORT + n.id : undefined;
  }

  private async launch(o: ClusterStartOptions, n: NodeSpec, clusterId: string, clientPort?: number): Promise<void> {
    const dir = path.join(o.runDir, "nodes", n.name);
    const conf = path.join(dir, "conf");
    fs.mkdirSync(conf, { recursive: true });
    for (const [file, text] of Object.entries(this.product.files(n, { clusterId, clientPort, networkPort: this.networkPort(n) }))) fs.writeFileSync(path.join(conf, file), text);
    // The power-loss layer: the FUSE device, the right to mount it, and the binary.
    const lazyfs = this.lazyfsBin;
    if (lazyfs) fs.writeFileSync(path.join(conf, MOUNT_SCRIPT), lazyfsMountScript());
    // The clock layer: the library, preloaded into every process, and the state file it maps (real time until set).
    const clockLib = this.clockLib;
    if (clockLib) {
      const clock = new ClockFile(path.join(path.resolve(dir), "clock", "state"));
      clock.create();
      this.clocks.set(n.name, clock);
    }
    const container = await createContainer({
      name: `${this.network}-${n.name}`,
      image: o.images.kafka,
      runId: o.runId,
      network: this.network,
      alias: n.name,
      cmd: this.product.command,
      binds: [
        `${path.resolve(conf)}:${this.product.configDir}:ro`,
        ...(lazyfs ? [`${lazyfs}:${LAZYFS_BIN}:ro`] : []),
        ...(clockLib ? [`${clockLib}:${CLOCK_LIB}:ro`, `${path.resolve(dir, "clock")}:${CLOCK_DIR}:ro`] : []),
      ],
      env: clockLib ? clockEnv() : undefined,
      ...(lazyfs ? { devices: ["/dev/fuse"], capAdd: ["SYS_ADMIN"], securityOpt: ["apparmor=unconfined"] } : {}),
      tmpfs: o.options.dataDiskMb && isBroker(n) ? { [DATA_DIR]: `size=${o.options.dataDiskMb}m` } : undefined,
      labels: { role: n.roles.join("+"), node: n.name },
    });
    const log = nodeLog(o.runDir, n.name);
    await container.start();
    await followContainer(log, container);
    const info = await container.inspect();
    this.live.set(n.name, { spec: n, container, log, ip: await containerIp(container, this.network), pid: info.State.Pid });
  }

  /** Waits for a node's "started" log line after `since`; fails with its last log lines. */
  waitStarted(node: string, timeoutMs: number, since?: number): Promise<void> {
    this.node(node);
    return this.processes.waitStarted(node, timeoutMs, since);
  }

  private node(name: string): LiveNode {
    const n = this.live.get(name);
    if (!n) throw new KcError("KC_UNKNOWN_NODE", `no node named ${name}`, { hint: `nodes are ${[...this.live.keys()].join(", ")}` });
    return n;
  }

  /** Last log lines of a node (for error messages and tests). */
  tail(node: string, n = 30): string[] {
    return this.node(node).log.tail(n);
  }

  /** Runs a shell command inside a node's container (diagnostics, admin tools, tests). */
  shell(node: string, command: string): Promise<ExecResult> {
    return exec(this.node(node).container, ["sh", "-c", command]);
  }

  // --- rolling upgrades -----------------------------------------------------------------

  versionOf(node: string): string {
    return this.versions.get(node) ?? this.options.kafkaVersion;
  }

  /**
   * Restarts a node cleanly on another release with the same data: that release's jars copied
   * beside the image's (from the cache, once per node), the node's files made again for it (same
   * cluster id, ports and data dir, plus `brokerConfig`), SIGTERM (controlled shutdown; SIGKILL
   * after 60 s), then start and wait for its "started" line.
   */
  restartOn(node: string, version: string, opts: { brokerConfig?: Record<string, string>; ifUp?: boolean } = {}): Promise<UpgradeStep> {
    const n = this.node(node);
    const from = this.versionOf(node);
    // Before the stop: that release's jars in the container (once), and the node's files for it.
    const between = async () => {
      const libsDir = version === this.options.kafkaVersion ? "/opt/kafka/libs" : `/opt/kafka-${version}/libs`;
      const have = await exec(n.container, ["sh", "-c", `[ -d ${libsDir} ] && echo present || mkdir -p ${path.posix.dirname(libsDir)}`]);
      if (!have.output.includes("present")) {
        const jars = await resolveKafkaJars(version);
        await runOk("KC_UPGRADE_FAILED", "docker", ["cp", path.join(jars, "libs"), `${n.container.id}:${libsDir}`], { what: `copying Kafka ${version}'s jars into ${node}` });
      }
      const options = { ...this.options, kafkaVersion: version, libsDir, brokerConfig: { ...this.options.brokerConfig, ...opts.brokerConfig } };
      const conf = path.join(this.runDir, "nodes", node, "conf");
      for (const [file, text] of Object.entries(apacheKafka(options).files(n.spec, { clusterId: this.clusterId, clientPort: this.clientPorts.get(node), networkPort: this.networkPort(n.spec) }))) {
        fs.writeFileSync(path.join(conf, file), text);
      }
    };
    return this.processes.restartCleanly(node, { ifUp: opts.ifUp, paused: () => this.paused.has(node), between }).then(({ clean, downMs }) => {
      this.versions.set(node, version);
      return { node, from, to: version, clean, downMs };
    });
  }

  /**
   * After every node runs `version`: ZooKeeper mode raises inter.broker.protocol.version to its
   * major.minor with another rolling restart of the brokers; KRaft raises the release version
   * (metadata.version) with FeatureCommand.
   */
  async finalizeUpgrade(version: string): Promise<Record<string, unknown>> {
    const level = version.split(".").slice(0, 2).join(".");
    const brokers = this.nodes.filter(isBroker).map((b) => b.name);
    if (this.options.mode === "zookeeper") {
      const steps: UpgradeStep[] = [];
      for (const b of brokers) steps.push(await this.restartOn(b, version, { brokerConfig: { "inter.broker.protocol.version": level } }));
      return { what: `inter.broker.protocol.version=${level} on every broker`, steps };
    }
    const libs = `/opt/kafka-${version}/libs`;
    const tool = `java -Xmx128m -XX:TieredStopAtLevel=1 -cp '${version === this.options.kafkaVersion ? "/opt/kafka/libs" : libs}/*' org.apache.kafka.tools.FeatureCommand --bootstrap-server ${brokers.map((b) => `${b}:9091`).join(",")}`;
    const r = await this.shell(brokers[0], `${tool} upgrade --release-version ${level} 2>&1 || ${tool} upgrade --metadata ${level} 2>&1; ${tool} describe 2>&1`);
    const m = /Feature: metadata\.version\s+SupportedMinVersion: \S+\s+SupportedMaxVersion: \S+\s+FinalizedVersionLevel: (\S+)/.exec(r.output);
    if (!m) throw new KcError("KC_UPGRADE_FAILED", `could not raise metadata.version to ${level}: ${r.output.split("\n").slice(-5).join(" / ")}`);
    return { what: `metadata.version raised to ${m[1]}`, metadataVersion: m[1] };
  }

  // --- process faults -------------------------------------------------------------------

  /** Nodes killed and not yet started again: a copy, derived from the holds. */
  get down(): Set<string> {
    return this.processes.down;
  }

  /** SIGKILLs the node's process through its supervisor; the container (data, namespace, rules) stays. */
  kill(node: string, owner = "default"): Promise<void> {
    this.node(node);
    return this.processes.kill(node, owner);
  }

  /** SIGTERM (a controlled shutdown), SIGKILL after a minute; down until started. */
  shutdown(node: string, owner = "default"): Promise<{ clean: boolean; stopMs: number }> {
    this.node(node);
    return this.processes.shutdown(node, owner);
  }

  start(node: string, opts: { waitMs?: number } = {}, owner = "default"): Promise<boolean> {
    this.node(node);
    return this.processes.start(node, opts, owner);
  }

  startAll(): Promise<string[]> {
    return this.processes.startAll();
  }

  /** Freezes every process of the node (cgroup freezer). */
  async pause(node: string): Promise<void> {
    if (this.paused.has(node)) return;
    await this.node(node).container.pause();
    this.paused.add(node);
  }

  async resume(node: string): Promise<void> {
    if (!this.paused.has(node)) return;
    await this.node(node).container.unpause();
    this.paused.delete(node);
  }

  // --- power cuts (kc-lazyfs) --------------------------------------------------------------

  /** Cuts the node's power: what its data dir never synced is lost as its process is SIGKILLed; it stays down until started. */
  async powerCut(node: string, owner = "power"): Promise<PowerCut> {
    this.node(node);
    return cutPower(node, owner, !!this.lazyfsBin, (n, o, c, code) => this.processes.killWith(n, o, c, code), (n, c) => this.shellOk(n, c, `powering ${n} on`, "KC_POWER_FAILED"));
  }

  // --- a full disk ----------------------------------------------------------------------

  /** Fills the broker's data filesystem (its own, with options.dataDiskMb) with a filler file to the last byte. */
  fillDisk(node: string): Promise<DiskFill> {
    return fillDisk(node, this.options.dataDiskMb, (n, c) => this.shell(n, c));
  }

  freeDisk(node: string): Promise<boolean> {
    return freeDisk(node, (n, c) => this.shell(n, c));
  }

  // --- file damage (shared with every deployment that runs commands on nodes) -----------

  segments(node: string, topic: string, partition: number): Promise<SegmentFile[]> {
    return this.files.segments(node, topic, partition);
  }
  truncate(node: string, file: string, bytes: number): Promise<FileDamage> {
    return this.files.truncate(node, file, bytes);
  }
  flipBits(node: string, file: string, flips: { offset: number; mask: number }[]): Promise<FileDamage> {
    return this.files.flipBits(node, file, flips);
  }

  private async shellOk(node: string, command: string, what: string, code = "KC_DAMAGE_FAILED"): Promise<string> {
    const r = await exec(this.node(node).container, ["sh", "-c", command]);
    if (r.exitCode !== 0) throw new KcError(code, `${what} failed: ${r.output.trim().slice(0, 300)}`);
    return r.output;
  }

  // --- network faults -------------------------------------------------------------------

  /**
   * Sets `owner`'s grudge (node → nodes it drops traffic from), replacing that owner's earlier
   * one; the rules in force become the union of every owner's grudge.
   */
  async partition(grudge: Grudge, owner = "default"): Promise<void> {
    for (const [node, peers] of Object.entries(grudge)) [node, ...peers].forEach((e) => this.ipOf(e));
    this.grudges.set(owner, grudge);
    await this.applyGrudges();
  }

  /** The address a grudge entry names (`peer` or `peer:port`); throws on an unknown peer or a bad port. */
  private ipOf(entry: string): string {
    return grudgeAddress(entry, (peer) => this.node(peer).ip);
  }

  /** Heals `owner`'s grudge (the others stay in force), or every grudge when no owner is given. */
  async heal(owner?: string): Promise<void> {
    this.grudges.drop(owner);
    if (owner === undefined) {
      await this.grudges.exclusive(async () => {
        await Promise.all(
          [...this.live.values()].map((n) => this.netfilter.apply({ name: n.spec.name, pid: n.pid, containerId: n.container.id }, [])),
        );
        this.grudges.current = {};
      });
      await this.peerLinks.sync({});
      return;
    }
    await this.applyGrudges();
  }

  /** Applies the union of every owner's grudge, touching only nodes whose rules change. */
  private applyGrudges(): Promise<void> {
    return this.grudges.apply([...this.live.keys()], (name, entries) => {
      const n = this.node(name);
      return this.netfilter.apply({ name, pid: n.pid, containerId: n.container.id }, entries.map((e) => this.ipOf(e)));
    }).then(() => this.peerLinks.sync(this.grudges.current));
  }

  /** The DROP rules in force in a node's namespace. */
  async rules(node: string): Promise<string[]> {
    const n = this.node(node);
    return this.netfilter.rules({ name: node, pid: n.pid, containerId: n.container.id });
  }

  dumpSegments(node: string, topic: string, partition: number): Promise<string> {
    this.node(node);
    return this.files.dump(node, topic, partition);
  }

  // --- preferred-leader elections and partition reassignment (Kafka's tools, in a broker) ---

  private readonly operations = new ClusterOperations({
    nodes: () => this.nodes,
    admin: () => this.admin,
    usable: (node) => !this.down.has(node) && !this.paused.has(node) && !this.processes.restarting.has(node),
    shell: (node, command) => this.shell(node, command),
    nodeOfBrokerId: (id) => this.nodeOfBrokerId(id),
  });
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

  // --- failed log dirs (kc-lazyfs) ----------------------------------------------------------

  async logDirs(node: string): Promise<string[]> {
    this.node(node);
    return this.logDirSet.list();
  }

  /** The log dir that holds the node's replica of topic-partition (none: it has no replica). */
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

  /**
   * Faults still in force, read from the cluster itself (not from our bookkeeping): iptables
   * DROP rules in any node's namespace, toxics or disabled proxies, paused containers, nodes
   * whose JVM is down, full disks, failed log dirs, moved clocks. Empty after a complete heal.
   */
  async leaks(): Promise<string[]> {
    const found: string[] = [];
    await Promise.all(
      [...this.live.values()].map(async (n) => {
        const info = await n.container.inspect();
        if (info.State.Paused) found.push(`${n.spec.name} is paused`);
        else {
          const rules = await this.rules(n.spec.name);
          if (rules.length) found.push(`${n.spec.name} has ${rules.length} iptables DROP rule(s)`);
          const r = await exec(n.container, ["sh", "-c", `[ -e ${HOLD} ] && echo down || echo up; ${DISK_FULL_CHECK}; true`]);
          if (r.output.includes("down")) found.push(`${n.spec.name} is down`);
          if (r.output.includes("full")) found.push(`${n.spec.name}'s data disk is full`);
          // Log dirs kc-lazyfs still fails.
          const failing = await this.logDirSet.leak(n.spec.name);
          if (failing) found.push(failing);
          const moved = await clockLeft(n.spec.name, this.clocks.get(n.spec.name), (node) => this.readClock(node));
          if (moved) found.push(moved);
        }
      }),
    );
    found.push(...(await this.peerLinks.leaks([...this.live.keys()])));
    for (const [proxy, st] of Object.entries(await this.links.state())) {
      if (!st.enabled) found.push(`proxy ${proxy} is disabled`);
      if (st.toxics.length) found.push(`proxy ${proxy} has toxics ${st.toxics.join(", ")}`);
    }
    found.push(...(await this.operations.leaks()));
    return found.sort();
  }

  // --- who leads (asked of the cluster through the client protocol) ---------------------

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

  async createTopics(topics: TopicSpec[], timeoutMs = 120_000): Promise<void> {
    await this.admin.createTopics(topics, timeoutMs);
  }

  /** Log end offsets of keys, as the cluster answers ListOffsets now. */
  endOffsets(keys: Key[], isolation?: Isolation): Promise<Map<Key, number>> {
    return this.admin.endOffsets(keys, isolation);
  }

  // --- teardown -------------------------------------------------------------------------

  /** Removes every container and the network of this run. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.admin.disconnect().catch(() => undefined);
    for (const n of this.live.values()) n.log.close();
    this.toxiproxy.log.close();
    await removeLabelled(this.runId);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function validate(o: ClusterOptions): void {
  const bad = (msg: string, hint: string) => new KcError("KC_BAD_CLUSTER", msg, { hint });
  if (o.lazyfs && o.dataDiskMb) throw bad("--lazyfs (the power nemesis) and --data-disk-mb (the disk nemesis) cannot be combined yet: a filler written through kc-lazyfs would sit in memory, not fill the disk", "run the power and disk nemeses in separate runs");
  if (o.brokers < 1) throw bad(`--brokers must be at least 1 (got ${o.brokers})`, "use --brokers 3");
  if (o.mode === "zookeeper") {
    if (o.zookeepers !== 1 && o.zookeepers !== 3) throw bad(`--zookeepers must be 1 or 3 (got ${o.zookeepers})`, "use --zookeepers 3");
  } else if (!o.combined && o.controllers < 1) {
    throw bad(`--controllers must be at least 1 (got ${o.controllers})`, "use --controllers 3, or --combined");
  }
}
