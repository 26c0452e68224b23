import { describe, expect, it } from "vitest";
import { clients, dnsLabel, groupOf, groups, runNamespace, runObjects, AGENT, CLIENTS, TOXIPROXY, RUN_LABEL } from "../../deployments/kubernetes/manifests.ts";
import { packageClosure } from "../../deployments/docker/clients-image.ts";
import { GrudgeBook, KillHolds } from "../../deployments/shared/fault-books.ts";
import { apacheKafka } from "../../products/kafka/index.ts";
import { nodesOf, serverProperties, type ClusterOptions } from "../../products/kafka/topology.ts";
import { deploymentSettings, parseRunFlags, validateConfig } from "../../harness/config.ts";
import { KcError } from "../../core/errors.ts";

const zk: ClusterOptions = { mode: "zookeeper", kafkaVersion: "3.9.1", brokers: 3, zookeepers: 3, controllers: 3, combined: false, brokerConfig: {}, javaOpts: "-Xmx256m" };
type Obj = { kind: string; metadata: { name: string; namespace?: string; labels: Record<string, string> }; spec?: any; data?: Record<string, string> };

function objects(o: ClusterOptions, lazyfsBin?: string, clock?: { lib: string; dir: string }, dataDiskMb?: number) {
  const product = apacheKafka(o);
  const files = Object.fromEntries(product.nodes().map((n) => [n.name, product.files(n, { clusterId: "id", clientPort: 20000 + n.id, clientHost: "10.96.0.50" })]));
  return runObjects({
    namespace: "kc-run-1",
    runId: "Queue_Partition.2026",
    owner: "host-p1",
    product,
    files,
    images: { node: "kafka-chaos/kafka:3.9.1-r1", toxiproxy: "kafka-chaos/toxiproxy:2.12.0-r1", agent: "kafka-chaos/kafka:3.9.1-r1" },
    pullPolicy: "IfNotPresent",
    toxiproxy: { apiPort: 8474, ports: { "broker-1": 20001, "broker-2": 20002, "broker-3": 20003 } },
    lazyfsBin,
    clock,
    dataDiskMb,
  }) as unknown as Obj[];
}

describe("kubernetes manifests", () => {
  it("names: namespaces and label values the API accepts, hashed when long", () => {
    expect(dnsLabel("Queue_Partition.2026")).toBe("queue-partition-2026");
    const long = dnsLabel("x".repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(dnsLabel("x".repeat(99)));
    expect(runNamespace("queue-none-20261202t1540")).toBe("kc-queue-none-20261202t1540");
    expect(groupOf("controller-12")).toEqual({ group: "controller", ordinal: 12 });
    expect(() => groupOf("broker")).toThrow(/group/);
    expect(() => groups([{ name: "broker-2", roles: ["broker"], id: 2 }])).toThrow(/numbered 1..1/);
  });

  it("ZooKeeper mode: a StatefulSet per group with pods named as the harness's nodes, a Service per node, every object labelled", () => {
    const objs = objects(zk);
    const sts = objs.filter((o) => o.kind === "StatefulSet");
    expect(sts.map((s) => [s.metadata.name, s.spec.replicas, s.spec.ordinals.start, s.spec.serviceName])).toEqual([
      ["zk", 3, 1, "zk"],
      ["broker", 3, 1, "broker"],
    ]);
    const services = objs.filter((o) => o.kind === "Service").map((s) => s.metadata.name);
    for (const n of nodesOf(zk)) expect(services).toContain(n.name);
    expect(services).toContain(TOXIPROXY);
    for (const o of objs) {
      expect(o.metadata.namespace).toBe("kc-run-1");
      expect(o.metadata.labels[RUN_LABEL]).toBe("queue-partition-2026");
    }
    // Each node's files under <node>/ in its group's ConfigMap; the pod mounts its own.
    const conf = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "broker-conf")!;
    expect(conf.data!["broker-2.server.properties"]).toContain("CLIENT://10.96.0.50:20002");
    const pod = sts[1].spec.template.spec;
    expect(pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "conf").subPathExpr).toBe("$(POD_NAME)");
    expect(pod.volumes.find((v: { name: string }) => v.name === "data").hostPath.path).toBe("/var/lib/kafka-chaos/runs/kc-run-1");
  });

  it("KRaft: controllers and brokers; the fault agent is privileged in the host's PID and network namespaces", () => {
    const objs = objects({ ...zk, mode: "kraft", kafkaVersion: "4.1.1" });
    expect(objs.filter((o) => o.kind === "StatefulSet").map((s) => s.metadata.name)).toEqual(["controller", "broker"]);
    const agent = objs.find((o) => o.kind === "DaemonSet" && o.metadata.name === AGENT)!.spec.template.spec;
    expect([agent.hostPID, agent.hostNetwork, agent.containers[0].securityContext.privileged]).toEqual([true, true, true]);
    const proxy = objs.find((o) => o.kind === "Service" && o.metadata.name === TOXIPROXY)!;
    expect(proxy.spec.ports.map((p: { port: number }) => p.port)).toEqual([8474, 20001, 20002, 20003]);
  });

  it("kc-lazyfs (power cuts): the data volume backs the layer, the binary comes from the node, the node container is privileged; without it, none of that", () => {
    const pod = (objs: Obj[]) => objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "broker")!.spec.template.spec;
    const on = pod(objects(zk, "/root/.cache/kafka-chaos/lazyfs/abc/kc-lazyfs"));
    const mounts = Object.fromEntries(on.containers[0].volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    expect(mounts).toMatchObject({ data: "/var/lib/kc/durable", lazyfs: "/opt/kc/kc-lazyfs", state: "/var/lib/kc" });
    expect(on.containers[0].securityContext).toEqual({ privileged: true });
    expect(on.volumes.find((v: { name: string }) => v.name === "lazyfs").hostPath).toEqual({ path: "/root/.cache/kafka-chaos/lazyfs/abc/kc-lazyfs", type: "File" });
    const off = pod(objects(zk));
    expect(off.containers[0].volumeMounts.find((m: { name: string }) => m.name === "data").mountPath).toBe("/var/lib/kc/data");
    expect(off.containers[0].securityContext).toBeUndefined();
    expect(off.volumes.map((v: { name: string }) => v.name)).toEqual(["conf", "state", "data"]);
  });

  it("kc-clock (the clock nemesis): every node's processes preload the library from the node and map their own nodes/<node>/clock/state; without it, none of that", () => {
    for (const group of ["zk", "broker"]) {
      const pod = objects(zk, undefined, { lib: "/root/.cache/kafka-chaos/clock/abc/libkc-clock.so", dir: "/runs/r1/nodes" }).find((o) => o.kind === "StatefulSet" && o.metadata.name === group)!.spec.template.spec;
      const c = pod.containers[0];
      expect(c.env).toEqual(expect.arrayContaining([{ name: "LD_PRELOAD", value: "/opt/kc/libkc-clock.so" }, { name: "KC_CLOCK_FILE", value: "/var/lib/kc/clock/state" }]));
      expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: "clock-lib", mountPath: "/opt/kc/libkc-clock.so", readOnly: true }, { name: "clock", mountPath: "/var/lib/kc/clock", subPathExpr: "$(POD_NAME)/clock", readOnly: true }]));
      expect(pod.volumes).toEqual(expect.arrayContaining([{ name: "clock-lib", hostPath: { path: "/root/.cache/kafka-chaos/clock/abc/libkc-clock.so", type: "File" } }, { name: "clock", hostPath: { path: "/runs/r1/nodes", type: "Directory" } }]));
      // POD_NAME comes first: the mount's subPathExpr and nothing else reads it.
      expect(c.env[0].name).toBe("POD_NAME");
    }
    const off = objects(zk).find((o) => o.kind === "StatefulSet" && o.metadata.name === "broker")!.spec.template.spec.containers[0];
    expect(off.env.map((e: { name: string }) => e.name)).toEqual(["POD_NAME", "KC_PEERS"]);
    expect(off.volumeMounts.map((m: { name: string }) => m.name)).not.toContain("clock");
  });

  it("--clients-in pod: a Deployment of the clients image with the run's labels, its replicas spread over Kubernetes nodes", () => {
    expect(objects(zk).some((o) => o.metadata.name === CLIENTS)).toBe(false);
    const d = clients({ namespace: "kc-run-1", runId: "Queue_Partition.2026", owner: "host-p1", pullPolicy: "IfNotPresent" }, "kafka-chaos/clients:kafkajs-2.2.4-abc", 3) as unknown as Obj;
    expect(d.kind).toBe("Deployment");
    expect(d.metadata.labels[RUN_LABEL]).toBe(dnsLabel("Queue_Partition.2026"));
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: "kafka-chaos/clients:kafkajs-2.2.4-abc", command: ["sleep", "infinity"] });
    expect(d.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
  });

  it("the clients image carries the npm packages a host loads, with their dependencies, nested ones travelling with their parent", () => {
    const lock = {
      packages: {
        "node_modules/pino": { dependencies: { "sonic-boom": "^4", "thread-stream": "^3" } },
        "node_modules/sonic-boom": { dependencies: { "atomic-sleep": "^1" } },
        "node_modules/atomic-sleep": {},
        "node_modules/thread-stream": { dependencies: { "real-require": "^0.2" } },
        "node_modules/thread-stream/node_modules/real-require": {},
        "node_modules/real-require": {},
        "node_modules/unrelated": {},
      },
    };
    expect(packageClosure(lock, ["pino"])).toEqual(["atomic-sleep", "pino", "sonic-boom", "thread-stream"]);
    expect(() => packageClosure(lock, ["missing"])).toThrow(/no node_modules\/missing/);
  });

  it("flags: --clients-in pod runs every client, also with --attach; --client-pods needs it", () => {
    const ok = parseRunFlags(["--deployment", "kubernetes", "--clients-in", "pod", "--client-pods", "2"]).config;
    expect([ok.clientsIn, ok.kubernetes]).toEqual(["pod", { clientPods: 2 }]);
    expect(deploymentSettings(ok)).toEqual({ clientsIn: "pod", clientPods: 2 });
    expect(() => validateConfig(ok)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--clients-in", "pod", "--client", "confluent"]).config)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--clients-in", "pod", "--client", "java"]).config)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--client-pods", "2"]).config)).toThrow(/--client-pods is for --clients-in pod/);
    expect(() => validateConfig(parseRunFlags(["--clients-in", "pod"]).config)).toThrow(/for --deployment kubernetes/);
    expect(() => parseRunFlags(["--clients-in", "node"])).toThrow(KcError);
    const attach = parseRunFlags(["--deployment", "kubernetes", "--attach", "--namespace", "kafka", "--broker-selector", "app=kafka", "--clients-in", "pod"]).config;
    expect(() => validateConfig(attach)).not.toThrow();
  });

  it("the disk nemesis: brokers' data on a memory-backed emptyDir of --data-disk-mb, ZooKeeper's on the node; not with pod-delete, not attached; peer links not with pod-delete either", () => {
    const volumes = (group: string, mb?: number) => objects(zk, undefined, undefined, mb).find((o) => o.kind === "StatefulSet" && o.metadata.name === group)!.spec.template.spec.volumes;
    expect(volumes("broker", 64).find((v: { name: string }) => v.name === "data")).toEqual({ name: "data", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } });
    expect(volumes("zk", 64).find((v: { name: string }) => v.name === "data").hostPath).toEqual({ path: "/var/lib/kafka-chaos/runs/kc-run-1", type: "DirectoryOrCreate" });
    expect(volumes("broker").find((v: { name: string }) => v.name === "data").hostPath).toBeDefined();
    const disk = parseRunFlags(["--deployment", "kubernetes", "--nemesis", "disk"]).config;
    validateConfig(disk);
    expect(disk.cluster.dataDiskMb).toBe(256);
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--nemesis", "disk,pod-delete"]).config)).toThrow(/pod-delete would then wipe a broker/);
    expect(() => validateConfig(parseRunFlags(["--nemesis", "disk,kill"]).config)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--nemesis", "peer-link,pod-delete"]).config)).toThrow(/a deleted pod.s replacement does not keep/);
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--nemesis", "peer-link,partition"]).config)).not.toThrow();
    expect(() => validateConfig(parseRunFlags(["--deployment", "kubernetes", "--attach", "--namespace", "kafka", "--broker-selector", "app=kafka", "--data-disk-mb", "64"]).config)).toThrow(/need the harness to deploy the cluster/);
  });

  it("brokers advertise the address clients reach their proxy on", () => {
    const b = nodesOf(zk)[3];
    expect(serverProperties(zk, b, 20001, "10.96.3.4")).toContain("advertised.listeners=CLIENT://10.96.3.4:20001,INTERNAL://broker-1:9091");
  });

  it("flags: --kubeconfig and --namespace need --deployment kubernetes; a bad namespace is refused", () => {
    const ok = parseRunFlags(["--deployment", "kubernetes", "--namespace", "team-a", "--kubeconfig", "/tmp/kc"]).config;
    expect(ok.kubernetes).toEqual({ namespace: "team-a", kubeconfig: "/tmp/kc" });
    expect(() => validateConfig(ok)).not.toThrow();
    const bad = parseRunFlags(["--namespace", "team-a"]).config;
    expect(() => validateConfig(bad)).toThrow(/for --deployment kubernetes/);
    expect(() => parseRunFlags(["--namespace", "Team_A"])).toThrow(KcError);
  });

  it("flags: --attach needs a broker selector and the cluster's namespace; the selectors and port are recorded", () => {
    const ok = parseRunFlags(["--deployment", "kubernetes", "--attach", "--namespace", "kafka", "--broker-selector", "app=kafka", "--quorum-selector", "app=zk", "--broker-port", "9094"]).config;
    expect(() => validateConfig(ok)).not.toThrow();
    expect(ok.kubernetes).toEqual({ namespace: "kafka", attach: { brokers: "app=kafka", quorum: "app=zk", port: 9094 } });
    const noSelector = parseRunFlags(["--deployment", "kubernetes", "--attach", "--namespace", "kafka"]).config;
    expect(() => validateConfig(noSelector)).toThrow(/--attach needs --broker-selector/);
    const noNamespace = parseRunFlags(["--deployment", "kubernetes", "--attach", "--broker-selector", "app=kafka"]).config;
    expect(() => validateConfig(noNamespace)).toThrow(/--attach needs --namespace/);
    expect(() => parseRunFlags(["--broker-port", "70000"])).toThrow(/--broker-port/);
  });

  it("capabilities: an attached cluster offers no link faults, file damage, disks or upgrades", async () => {
    const { kubernetesDeployment } = await import("../../deployments/kubernetes/index.ts");
    const { buildFamilies } = await import("../../nemeses/index.ts");
    const attached = kubernetesDeployment.capabilitiesFor!({ attach: { brokers: "app=kafka", port: 9092 } });
    expect(attached).toEqual(["process", "pause", "network", "leadership"]);
    expect(() => buildFamilies(["partition", "kill", "pause"], [], attached)).not.toThrow();
    expect(() => buildFamilies(["link"], [], attached)).toThrow(/links/);
    expect(kubernetesDeployment.capabilitiesFor!({})).toContain("links");
  });

  it("pod-delete: offered by the deployed Kubernetes cluster only; its op records each replacement", async () => {
    const { kubernetesDeployment } = await import("../../deployments/kubernetes/index.ts");
    const { dockerDeployment } = await import("../../deployments/docker/index.ts");
    const { buildFamilies } = await import("../../nemeses/index.ts");
    const { Rng } = await import("../../core/rng.ts");
    expect(() => buildFamilies(["pod-delete"], [], dockerDeployment.capabilities)).toThrow(/pod-delete nemesis needs "pods"/);
    expect(() => buildFamilies(["pod-delete"], [], kubernetesDeployment.capabilitiesFor!({ attach: { brokers: "a=b", port: 9092 } }))).toThrow(/pods/);
    const [fam] = buildFamilies(["pod-delete"], ["one"], kubernetesDeployment.capabilities);
    const calls: string[] = [];
    const cluster = {
      nodes: [1, 2, 3].map((i) => ({ name: `broker-${i}`, roles: ["broker"], id: i })),
      deletePod: async (n: string) => (calls.push(`delete ${n}`), { node: n, pod: n, host: "kc-node", ipBefore: "10.0.0.1", ipAfter: "10.0.0.9", replacedMs: 4000 }),
      awaitPod: async (n: string) => void calls.push(`await ${n}`),
    };
    const env = { cluster, mode: "zookeeper", keys: () => [] } as never;
    const started = await fam.start(env, "one", new Rng(1));
    expect(started).toMatchObject({ target: "one", done: [{ ipBefore: "10.0.0.1", ipAfter: "10.0.0.9" }] });
    expect(fam.active()).toBe(true);
    await fam.stop(env);
    expect(fam.active()).toBe(false);
    expect(calls).toEqual([`delete ${(started.nodes as string[])[0]}`, `await ${(started.nodes as string[])[0]}`]);
  });
});

describe("fault books", () => {
  it("kill holds: a node starts again when the last owner lets go", () => {
    const h = new KillHolds();
    h.hold("broker-1", "kill");
    h.hold("broker-1", "power");
    expect(h.release("broker-1", "kill")).toBe(false);
    expect([...h.down]).toEqual(["broker-1"]);
    expect(h.release("broker-1", "power")).toBe(true);
    expect(h.release("broker-2", "kill")).toBe(true);
    expect(h.down.size).toBe(0);
  });

  it("grudges: the union of the owners', and only the nodes whose rules change", () => {
    const g = new GrudgeBook();
    g.set("partition", { "broker-1": ["broker-2"] });
    g.set("lone-leader", { "broker-1": ["broker-3"], "broker-2": ["broker-1"] });
    let n = g.next(["broker-1", "broker-2", "broker-3"]);
    expect(n.merged).toEqual({ "broker-1": ["broker-2", "broker-3"], "broker-2": ["broker-1"] });
    expect(n.changed).toEqual(["broker-1", "broker-2"]);
    g.current = n.merged;
    g.drop("lone-leader");
    n = g.next(["broker-1", "broker-2", "broker-3"]);
    expect(n.merged).toEqual({ "broker-1": ["broker-2"] });
    expect(n.changed).toEqual(["broker-1", "broker-2"]);
  });
});

describe("the report of a Kubernetes run", () => {
  it("names the deployment, its Kubernetes version and nodes, the namespace and each node's pod", async () => {
    const { renderReport } = await import("../../report/render-report.ts");
    const test = {
      name: "queue-partition",
      deployment: "kubernetes",
      deploymentInfo: {
        serverVersion: "v1.34.4",
        namespace: "kc-queue-partition-1",
        nodes: [{ name: "kc-node", runtime: "containerd://1.6.20" }],
        pods: { "broker-1": { pod: "broker-1", host: "kc-node", ip: "10.244.0.7" } },
      },
    };
    const page = renderReport({ test, results: { valid: true, "anomaly-types": [], "bad-anomaly-types": [], counts: {}, anomalies: {} }, runDir: "/nonexistent", generatedAt: "2026-12-02T00:00:00Z" });
    expect(page).toContain("<dt>Deployment</dt><dd>kubernetes");
    expect(page).toContain("v1.34.4 · 1 node(s): kc-node (containerd://1.6.20)");
    expect(page).toContain("kc-queue-partition-1");
    expect(page).toContain("pod broker-1 on kc-node, 10.244.0.7");
  });
});
