// --deployment kubernetes with the workload's clients on this machine (the one-node cluster's
// fallback: pod IPs advertised) under partitions and kills: a verdict, every fault healed, nothing
// of the run left. npm test runs the same faults with clients in pods
// (test/integration/kubernetes.test.ts); this is the nightly job's. And power cuts of every broker
// on kc-lazyfs in the pods, clock faults on kc-clock in them, full data disks, failed log dirs,
// rolling restarts and bounces (clean restarts in the pods), peer links through Toxiproxy's pod,
// membership (a broker decommissioned and added back), and tansu's brokers sharing PostgreSQL.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { kubectlBinary } from "../../deployments/kubernetes/kubectl.ts";
import { HOST_DATA_ROOT } from "../../deployments/kubernetes/manifests.ts";
import { chaos } from "../integration/support.ts";
import { expectPartitionAndKillHealed, nemesisOps, processesWith, runNamespaces, useLocalKubernetes } from "../integration/k8s-support.ts";

useLocalKubernetes();

/**
 * A CLI run on the local Kubernetes that must end VALID (exit 0): its run directory and nemesis
 * ops. `healed` then checks the final heal left nothing and no namespace of the run is left.
 */
async function validRun(args: string[]): Promise<{ out: string; dir: string; nem: ReturnType<typeof nemesisOps>["nem"] }> {
  const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
  const { code, out } = await chaos(["--deployment", "kubernetes", ...args, "--store", s]);
  expect(code, out.split("\n").slice(-15).join("\n")).toBe(0);
  const dir = fs.realpathSync(path.join(s, "latest"));
  return { out, dir, nem: nemesisOps(dir).nem };
}

async function healed(nem: ReturnType<typeof nemesisOps>["nem"]): Promise<void> {
  expect(nem.at(-1)).toMatchObject({ f: "check-healed", value: { leaks: [] } });
  expect(await runNamespaces()).toEqual([]);
}

describe("npm run chaos -- --deployment kubernetes (clients on this machine)", () => {
  it("partition and kill end with a verdict; the faults were healed and nothing of the run is left", async () => {
    const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    const { code, out } = await chaos(["--deployment", "kubernetes", "--nemesis", "partition,kill", "--nemesis-interval", "6", "--time-limit", "30", "--seed", "5", "--store", s]);
    expect([0, 1], out).toContain(code);
    const dir = fs.realpathSync(path.join(s, "latest"));
    const { nem } = nemesisOps(dir);
    expectPartitionAndKillHealed(nem);
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(test.deployment).toBe("kubernetes");
    expect(await runNamespaces()).toEqual([]);
    expect(fs.existsSync(path.join(HOST_DATA_ROOT, test.deploymentInfo.namespace))).toBe(false);
    expect(processesWith(kubectlBinary(), test.deploymentInfo.namespace)).toEqual([]);
  });

  it("power cuts every broker on kc-lazyfs in its pod: unsynced bytes lost, every broker back, nothing of the run left", async () => {
    const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    // Brokers only: a cut of ZooKeeper too can leave it unable to start
    // (docs/findings/2026-12-04-zookeeper-unsynced-initial-snapshot).
    const { code, out } = await chaos(["--deployment", "kubernetes", "--nemesis", "power", "--nemesis-targets", "all", "--nemesis-interval", "8", "--time-limit", "30", "--seed", "3", "--acks", "all", "--idempotent", "--store", s]);
    // Kafka's default flush loses acknowledged writes to a cut of every broker: either verdict.
    expect([0, 1], out).toContain(code);
    const dir = fs.realpathSync(path.join(s, "latest"));
    const { nem } = nemesisOps(dir);
    const cuts = nem.filter((o) => o.f === "start-power" && o.value.cuts);
    expect(cuts.length, out).toBeGreaterThan(0);
    expect(cuts[0].value.nodes).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(cuts.flatMap((o) => o.value.cuts).reduce((a: number, c: { droppedBytes: number }) => a + c.droppedBytes, 0), "unsynced bytes lost").toBeGreaterThan(0);
    expect(nem.filter((o) => o.f === "stop-power" && o.error)).toEqual([]);
    expect(nem.at(-1)).toMatchObject({ f: "check-healed", value: { leaks: [] } });
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(await runNamespaces()).toEqual([]);
    expect(fs.existsSync(path.join(HOST_DATA_ROOT, test.deploymentInfo.namespace))).toBe(false);
  });

  it("moves the pods' clocks through kc-clock: each move read back from inside its pod, VALID on the safe preset, every clock reset", async () => {
    const { out, dir, nem } = await validRun(["--nemesis", "clock", "--preset", "safe", "--nemesis-interval", "6", "--time-limit", "30", "--recovery-time", "5", "--seed", "3"]);
    const starts = nem.filter((o) => o.f === "start-clock" && o.value?.clocks);
    expect(starts.length, out).toBeGreaterThan(0);
    // A bump or skew moves each node's clock by its offset; what the pod read right after agrees
    // (a strobe or a drift reads anywhere in between, so only offsets are compared).
    for (const o of starts) {
      for (const [node, setting] of Object.entries(o.value.clocks as Record<string, { offsetMs: number; strobe?: unknown; driftPpm?: number }>)) {
        const read = o.value.read[node] as { offsetMs: number; errorMs: number };
        if (!setting.strobe && !setting.driftPpm) expect(Math.abs(read.offsetMs - setting.offsetMs), `${node}: ${JSON.stringify({ setting, read })}`).toBeLessThanOrEqual(50 + read.errorMs);
      }
    }
    expect(fs.existsSync(path.join(dir, "nodes", "broker-1", "clock", "state"))).toBe(true);
    await healed(nem);
  });

  it("fills brokers' data disks (memory-backed emptyDirs of --data-disk-mb) to the last byte, VALID on the safe preset, every disk freed and broker back", async () => {
    const { out, nem } = await validRun(["--nemesis", "disk", "--data-disk-mb", "64", "--preset", "safe", "--nemesis-interval", "8", "--time-limit", "30", "--seed", "3"]);
    const fills = nem.filter((o) => o.f === "start-disk" && o.value?.disks).flatMap((o) => o.value.disks as { node: string; sizeBytes: number; freeBefore: number; filler: number }[]);
    expect(fills.length, out).toBeGreaterThan(0);
    for (const d of fills) {
      // The filesystem is the emptyDir's own 64 MiB tmpfs, and the filler took all that was free.
      expect(d.sizeBytes, JSON.stringify(d)).toBe(64 * 1024 * 1024);
      expect(d.filler, JSON.stringify(d)).toBeGreaterThanOrEqual(d.freeBefore - 4096);
    }
    expect(nem.filter((o) => o.f === "stop-disk" && o.error)).toEqual([]);
    await healed(nem);
  });

  it("fails a broker's log dir through kc-lazyfs in its pod (two log dirs): VALID on a safe configuration, every dir healed", async () => {
    const { out, nem } = await validRun(["--nemesis", "log-dir", "--acks", "all", "--idempotent", "--quiet-time", "5", "--nemesis-interval", "10", "--time-limit", "30", "--recovery-time", "5", "--seed", "2"]);
    const starts = nem.filter((o) => o.f === "start-log-dir" && o.value?.dirs);
    expect(starts.length, out).toBeGreaterThan(0);
    for (const d of starts.flatMap((o) => o.value.dirs as { dir: string }[])) expect(d.dir).toMatch(/^\/var\/lib\/kc\/data\/logs-[01]$/);
    expect(nem.filter((o) => o.f === "stop-log-dir" && o.error)).toEqual([]);
    await healed(nem);
  });

  it("rolling restarts and bounces restart brokers cleanly in their pods: VALID on the safe preset, every broker back in the ISR", async () => {
    const { out, nem } = await validRun(["--nemesis", "rolling-restart,bounce", "--preset", "safe", "--nemesis-interval", "8", "--time-limit", "40", "--seed", "4"]);
    const steps = nem.filter((o) => (o.f === "start-rolling-restart" || o.f === "start-bounce") && o.value?.steps).flatMap((o) => o.value.steps as { node: string; clean?: boolean; skipped?: string }[]);
    const done = steps.filter((x) => !x.skipped);
    expect(done.length, out).toBeGreaterThan(0);
    expect(done.filter((x) => !x.clean), "restarts that needed SIGKILL").toEqual([]);
    await healed(nem);
  });

  it("faults links between pods through Toxiproxy's pod (peer-link) beside partitions: VALID on the safe preset, every link direct again", async () => {
    const { out, nem } = await validRun(["--nemesis", "peer-link,partition", "--preset", "safe", "--nemesis-interval", "6", "--time-limit", "40", "--seed", "5"]);
    const starts = nem.filter((o) => o.f === "start-peer-link" && o.value?.links);
    expect(starts.length, out).toBeGreaterThan(0);
    expect(starts[0].value.links.length).toBeGreaterThan(0);
    expect(nem.filter((o) => o.f === "stop-peer-link" && o.error)).toEqual([]);
    await healed(nem);
  });

  it("decommissions a broker (its replicas moved away, a clean shutdown) and adds it back: VALID on the safe preset", async () => {
    const { out, nem } = await validRun(["--nemesis", "membership", "--brokers", "4", "--preset", "safe", "--nemesis-interval", "15", "--time-limit", "60", "--seed", "6"]);
    const starts = nem.filter((o) => o.f === "start-membership" && o.value?.partitions);
    expect(starts.length, out).toBeGreaterThan(0);
    expect(nem.filter((o) => o.f === "stop-membership" && o.error)).toEqual([]);
    await healed(nem);
  });

  it("tansu on Kubernetes (brokers sharing PostgreSQL, StatefulSets like Kafka's) under partitions, kills and pauses: VALID with idempotent java clients, coordinators found at once", async () => {
    const { out, dir, nem } = await validRun(["--product", "tansu", "--client", "java", "--acks", "all", "--idempotent", "--nemesis", "partition,kill,pause", "--time-limit", "30", "--seed", "21"]);
    expect(out).toMatch(/coordinators ready in \d+\.\d s/);
    expect(out).not.toContain("no coordinator after");
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(Object.keys(test.deploymentInfo.pods).sort()).toEqual(["broker-1", "broker-2", "broker-3", "storage-1"]);
    await healed(nem);
  });
});
