// --deployment kubernetes on the local one-node cluster of scripts/k8s (started here when it is
// not running, and stopped again at the end if it was started here): the cluster deployed as
// StatefulSets, faults that really take effect (a TCP connect between pods times out under a
// grudge, a killed broker refuses, a paused JVM is stopped), the CLI's runs with a verdict, and
// nothing of a run left afterwards (namespace, data on the node, processes).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaCluster, type StartedKafkaCluster } from "../../harness/cluster-builder.ts";
import { Kubectl, kubectlBinary } from "../../deployments/kubernetes/kubectl.ts";
import { HOST_DATA_ROOT } from "../../deployments/kubernetes/manifests.ts";
import type { KubernetesCluster } from "../../deployments/kubernetes/cluster.ts";
import { chaos, eventually } from "./support.ts";
import { expectPartitionAndKillHealed, k, kubeconfig, nemesisOps, processesWith, runNamespaces, useLocalKubernetes } from "./k8s-support.ts";

useLocalKubernetes();

describe("kubernetes deployment", () => {
  let cluster: StartedKafkaCluster & KubernetesCluster;

  beforeAll(async () => {
    cluster = (await new KafkaCluster().withKubernetes({ kubeconfig }).withMode("kraft").withKafkaVersion("3.9.1").withClockLayer().start()) as StartedKafkaCluster & KubernetesCluster;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Whether `from` opens a TCP connection to `to`'s inter-broker port within 3 s. */
  const connects = async (from: string, to: string) => {
    const ip = cluster.pod(to).ip;
    const r = await cluster.shell(from, `timeout 3 bash -c '</dev/tcp/${ip}/9091' && echo open || echo closed`);
    return r.output.trim().split("\n").at(-1);
  };

  it("deploys StatefulSets in a namespace of the run's own, with pods named as the harness's nodes", async () => {
    const pods = await cluster.kubectl.json<{ items: { metadata: { name: string } }[] }>(["get", "pods", "-l", "statefulset.kubernetes.io/pod-name"], "listing pods");
    expect(pods.items.map((p) => p.metadata.name).sort()).toEqual(["broker-1", "broker-2", "broker-3", "controller-1", "controller-2", "controller-3"]);
    expect(cluster.info).toMatchObject({ serverVersion: "v1.34.4", namespace: cluster.namespace, nodes: [{ name: "kc-node" }] });
    expect(await cluster.controller()).toMatch(/^controller-\d$/);
    expect(fs.existsSync(path.join(cluster.runDir, "nodes", "broker-1", "container.log"))).toBe(true);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("a grudge applied by the fault agent cuts a pod off from a peer, and healing restores it", async () => {
    expect(await connects("broker-1", "broker-2")).toBe("open");
    await cluster.partition({ "broker-2": ["broker-1"] });
    expect(await cluster.rules("broker-2")).toHaveLength(1);
    expect(await connects("broker-1", "broker-2")).toBe("closed");
    expect(await connects("broker-3", "broker-2")).toBe("open");
    expect(await cluster.leaks()).toEqual(["broker-2 has 1 iptables DROP rule(s)"]);
    await cluster.heal();
    expect(await connects("broker-1", "broker-2")).toBe("open");
    expect(await cluster.leaks()).toEqual([]);
  });

  it("kill holds a broker's JVM down (its port refuses) until started; pause stops it", async () => {
    await cluster.kill("broker-3");
    expect(await connects("broker-1", "broker-3")).toBe("closed");
    expect(await cluster.leaks()).toEqual(["broker-3 is down"]);
    expect(await cluster.start("broker-3")).toBe(true);
    expect(await connects("broker-1", "broker-3")).toBe("open");
    await cluster.pause("broker-3");
    expect(await cluster.leaks()).toEqual(["broker-3 is paused"]);
    await cluster.resume("broker-3");
    expect(await cluster.leaks()).toEqual([]);
  });

  it("a clean restart (SIGTERM, controlled shutdown) keeps the pod and its address; a clean shutdown holds the broker down until started", async () => {
    const ip = cluster.pod("broker-1").ip;
    const step = await cluster.restartOn("broker-1", cluster.versionOf(), { ifUp: true });
    expect(step).toMatchObject({ node: "broker-1", from: "3.9.1", to: "3.9.1", clean: true });
    expect(cluster.pod("broker-1").ip).toBe(ip);
    expect(await connects("broker-2", "broker-1")).toBe("open");
    await expect(cluster.restartOn("broker-1", "3.8.1")).rejects.toThrow(/does not offer "upgrade"/);
    const stop = await cluster.shutdown("broker-3");
    expect(stop.clean).toBe(true);
    expect(await cluster.leaks()).toEqual(["broker-3 is down"]);
    // A node another fault holds down is left alone by a rolling restart.
    await expect(cluster.restartOn("broker-3", cluster.versionOf(), { ifUp: true })).rejects.toThrow(/held down by another fault/);
    expect(await cluster.start("broker-3")).toBe(true);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("a peer link routed through Toxiproxy's pod: disabled, the follower cannot reach its leader (and only that link); reset, it is direct again and nothing is left", async () => {
    const link = cluster.peerLinks.list().find((l) => l.from === "broker-2" && l.to === "broker-1" && l.kind === "replication")!;
    expect(link).toBeDefined();
    try {
      await cluster.peerLinks.setEnabled(link.from, link.to, false);
      // broker-2's new connections to broker-1's inter-broker port go to the proxy, which refuses them.
      expect(await connects("broker-2", "broker-1")).toBe("closed");
      expect(await connects("broker-3", "broker-1")).toBe("open");
      expect(await connects("broker-2", "broker-3")).toBe("open");
      expect((await cluster.leaks()).join("\n")).toMatch(/broker-2 still routes 1 link\(s\) through Toxiproxy/);
      await cluster.peerLinks.setEnabled(link.from, link.to, true);
      expect(await connects("broker-2", "broker-1")).toBe("open");
    } finally {
      await cluster.peerLinks.reset();
    }
    expect(await connects("broker-2", "broker-1")).toBe("open");
    expect(await cluster.leaks()).toEqual([]);
  });

  it("a deleted pod is replaced on the same data, and the grudges in force follow it to its new namespace", async () => {
    await cluster.createTopics([{ name: "pd", partitions: 1, replicationFactor: 3 }]);
    await cluster.partition({ "broker-2": ["broker-1"], "broker-3": ["broker-2"] });
    const r = await cluster.deletePod("broker-2");
    expect(r).toMatchObject({ node: "broker-2", host: "kc-node", ipAfter: cluster.pod("broker-2").ip });
    await cluster.awaitPod("broker-2");
    // Its own rule is in its new network namespace; broker-3's rule names its new address.
    expect(await cluster.rules("broker-2")).toHaveLength(1);
    expect((await cluster.rules("broker-3")).join(" ")).toContain(r.ipAfter);
    expect(await connects("broker-1", "broker-2")).toBe("closed");
    expect(await connects("broker-2", "broker-3")).toBe("closed");
    expect(await connects("broker-1", "broker-3")).toBe("open");
    expect((await cluster.shell("broker-2", "ls /var/lib/kc/data")).output).toContain("pd-0");
    await cluster.heal();
    expect(await connects("broker-1", "broker-2")).toBe("open");
    expect(await cluster.leaks()).toEqual([]);
  });

  it("moves a node's clock through kc-clock (library and state file mounted from the node), its replaced pod included; the leak check names a clock left moved", async () => {
    // broker-2's pod was replaced by the test before: its new pod is on the layer as well.
    const moved = ["broker-2", "controller-1"];
    try {
      for (const node of moved) {
        await cluster.setClock(node, { offsetMs: 90_000 });
        const read = await cluster.readClock(node);
        expect(Math.abs(read.offsetMs - 90_000), JSON.stringify(read)).toBeLessThanOrEqual(50 + read.errorMs);
        // The Kafka JVM has the library mapped, not only the shell that read the clock.
        expect((await cluster.shell(node, "grep -c libkc-clock /proc/$(cat /var/lib/kc/pid)/maps")).output.trim()).not.toBe("0");
      }
      expect(await cluster.leaks()).toEqual([expect.stringMatching(/^broker-2's clock is moved \(\+1m 30s; reads (89|90)\d{3} ms off\)$/), expect.stringMatching(/^controller-1's clock is moved/)]);
      expect(Math.abs((await cluster.readClock("broker-1")).offsetMs)).toBeLessThan(1000);
    } finally {
      for (const node of moved) await cluster.setClock(node, { offsetMs: 0 });
    }
    expect(await cluster.leaks()).toEqual([]);
  });

  it("reassigns a partition's replica with Kafka's tool in a broker pod and elects its preferred leader; the leak check asks for moves left", async () => {
    await cluster.createTopics([{ name: "moved", partitions: 1, replicationFactor: 2 }]);
    const before = (await cluster.partitionsVia("broker-1", "moved"))[0];
    const outside = [1, 2, 3].find((b) => !before.replicas.includes(b))!;
    const target = [outside, ...before.replicas.slice(1)];
    const started = await cluster.reassign([{ topic: "moved", partition: 0, replicas: target }]);
    expect(started.done).toEqual(["moved-0"]);
    await eventually(async () => (await cluster.reassignments()).length === 0, "the move to finish", 60_000);
    const verified = await cluster.verifyReassignment([{ topic: "moved", partition: 0, replicas: target }]);
    expect(verified.done).toEqual(["moved-0"]);
    const after = (await cluster.partitionsVia("broker-1", "moved"))[0];
    expect(after.replicas).toEqual(target);
    const elected = await cluster.electPreferred([{ topic: "moved", partition: 0 }]);
    expect([...elected.elected, ...elected.alreadyPreferred]).toEqual(["moved-0"]);
    await eventually(async () => (await cluster.partitionsVia("broker-1", "moved"))[0].leader === outside, "the preferred leader to lead", 30_000);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("stop removes the namespace and the nodes' data", async () => {
    const ns = cluster.namespace;
    await cluster.stop();
    expect(await runNamespaces()).not.toContain(`namespace/${ns}`);
    expect(fs.existsSync(path.join(HOST_DATA_ROOT, ns))).toBe(false);
  });
});

describe("npm run chaos -- --deployment kubernetes", () => {
  const store = () => fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
  const runDirOf = (s: string) => fs.realpathSync(path.join(s, "latest"));

  it("the safe preset ends VALID under partitions and kills that took effect, with its clients (confluent's librdkafka) in two pods of the cluster and their ops in the run's history; nothing of the run is left", async () => {
    const s = store();
    const { code, out } = await chaos(["--deployment", "kubernetes", "--clients-in", "pod", "--client-pods", "2", "--client", "confluent", "--preset", "safe", "--nemesis-interval", "6", "--time-limit", "30", "--seed", "7", "--store", s]);
    expect(out).toMatch(/VALID\. Report/);
    expect(code, out.split("\n").slice(-15).join("\n")).toBe(0);
    const dir = runDirOf(s);
    const { ops, nem } = nemesisOps(dir);
    expectPartitionAndKillHealed(nem);
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(test.deployment).toBe("kubernetes");
    expect(test.deploymentInfo).toMatchObject({ serverVersion: "v1.34.4", namespace: expect.stringMatching(/^kc-/) });
    expect(Object.keys(test.deploymentInfo.pods)).toContain("broker-1");
    // The clients ran in both clients pods (a host's hostname is its pod's name), not here.
    expect(test.deploymentInfo.clients.image).toMatch(/^kafka-chaos\/clients:confluent-/);
    const pods = (test.deploymentInfo.clients.pods as { pod: string }[]).map((p) => p.pod).sort();
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p).toMatch(/^kc-clients-/);
    expect([...new Set(test.deploymentInfo.clientHosts.map((h: { hostname: string }) => h.hostname))].sort()).toEqual(pods);
    expect(ops.filter((o) => o.f === "send" && o.type === "ok").length).toBeGreaterThan(20);
    expect(ops.filter((o) => o.f === "poll" && o.type === "ok").length).toBeGreaterThan(0);
    await eventually(async () => (await runNamespaces()).length === 0, "the run's namespace to be gone", 30_000);
    expect(fs.existsSync(path.join(HOST_DATA_ROOT, test.deploymentInfo.namespace))).toBe(false);
    // No harness-started kubectl (log followers, execs) outlives the run.
    expect(processesWith(kubectlBinary(), test.deploymentInfo.namespace)).toEqual([]);
  });
});

describe("npm run chaos -- --deployment kubernetes --attach", () => {
  const ns = "kc-attach-it";
  const target = () => new Kubectl(kubeconfig, ns);
  /** The cluster's own objects as they are defined (no status, no bookkeeping fields). */
  const objects = async () => {
    const list = await target().json<{ items: { kind: string; metadata: Record<string, unknown>; spec?: unknown; data?: unknown }[] }>(["get", "statefulsets,services,configmaps"], "listing the cluster's objects");
    return Object.fromEntries(list.items.map((o) => [`${o.kind}/${o.metadata.name}`, { labels: o.metadata.labels ?? {}, spec: o.spec, data: o.data }]));
  };

  beforeAll(async () => {
    await k().run(["delete", "namespace", ns, "--wait=true"], { namespaced: false });
    await k().ok(["create", "namespace", ns], "creating the cluster's namespace", { namespaced: false });
    execFileSync("bash", ["scripts/k8s/load-image.sh", "kafka-chaos/kafka:3.9.1-r1"], { stdio: ["ignore", "ignore", "inherit"] });
    await target().ok(["apply", "-f", "test/fixtures/k8s/kafka-kraft.yaml"], "deploying the cluster with plain manifests");
    await target().ok(["rollout", "status", "statefulset/kafka", "--timeout=240s"], "waiting for the cluster");
  });
  afterAll(async () => {
    await k().run(["delete", "namespace", ns, "--wait=true", "--timeout=120s"], { namespaced: false });
  });

  it("tests a cluster it did not deploy under partitions, kills and pauses, from Java clients in a pod, and leaves it as it found it", async () => {
    const before = await objects();
    const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    const { code, out } = await chaos([
      "--deployment", "kubernetes", "--attach", "--namespace", ns, "--broker-selector", "app=kafka", "--quorum-selector", "app=kafka", "--mode", "kraft",
      "--preset", "safe", "--nemesis", "partition,kill,pause", "--nemesis-interval", "6", "--time-limit", "30", "--seed", "3", "--store", s, "--clients-in", "pod", "--client", "java",
    ]);
    expect([0, 1], out.split("\n").slice(-20).join("\n")).toContain(code);
    const dir = fs.realpathSync(path.join(s, "latest"));
    const { ops, nem } = nemesisOps(dir);
    for (const f of ["start-partition", "kill", "pause"]) expect(nem.some((o) => o.f === f && !o.error && (o.value?.grudge || o.value?.nodes?.length)), `${f}: ${JSON.stringify(nem.slice(0, 10))}`).toBe(true);
    expect(nem.at(-1)!.f).toBe("check-healed");
    expect(nem.at(-1)!.value.leaks).toEqual([]);
    // The run's topics were its own, and are gone.
    const topics = [...new Set(ops.filter((o) => o.f === "send" && o.type === "ok").flatMap((o) => o.value.map((m: unknown[]) => String(m[1]).split("/")[0])))];
    expect(topics.length).toBeGreaterThan(0);
    for (const t of topics) expect(t).toMatch(/^kc-[a-z0-9]+-t\d+$/);
    const listed = await target().exec("kafka-0", "kafka", "java -Xmx128m -cp '/opt/kafka/libs/*' kafka.admin.TopicCommand --bootstrap-server localhost:9092 --list 2>/dev/null");
    for (const t of topics) expect(listed.output).not.toContain(t);
    // The cluster's objects are as they were; nothing of the run is left; every pod runs.
    expect(await objects()).toEqual(before);
    expect(await runNamespaces()).toEqual([]);
    const pods = await target().json<{ items: { status: { containerStatuses: { ready: boolean; state: { running?: unknown } }[] } }[] }>(["get", "pods"], "listing pods");
    expect(pods.items.every((p) => p.status.containerStatuses.every((c) => c.state.running))).toBe(true);
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(test.deploymentInfo.attached).toMatchObject({ namespace: ns, brokers: "app=kafka" });
    // Its clients (the Java client, its sidecar compiled into the image) ran in a pod of the run's own namespace (gone now, with it).
    expect(test.deploymentInfo.clients.pods).toHaveLength(1);
    expect(test.deploymentInfo.clients.image).toMatch(/^kafka-chaos\/clients:java-/);
    expect(test.deploymentInfo.clientHosts.map((h: { hostname: string }) => h.hostname)).toContain(test.deploymentInfo.clients.pods[0].pod);
  });

  it("says what is wrong when the selector finds no broker, and leaves nothing", async () => {
    const { code, out } = await chaos(["--deployment", "kubernetes", "--attach", "--namespace", ns, "--broker-selector", "app=nothing", "--time-limit", "5", "--store", fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"))]);
    expect(code).toBe(3);
    expect(out).toContain("KC_K8S_ATTACH: no running pod in namespace kc-attach-it matches --broker-selector app=nothing");
    expect(await runNamespaces()).toEqual([]);
  });
});
