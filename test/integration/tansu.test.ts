// tansu behind the broker-product contract, on real containers: three brokers sharing one
// PostgreSQL. Each fault takes effect (a killed, paused or cut-off storage node stops every
// broker's writes; a killed broker stops only its own), healing brings writes back, and a chaos
// run over kill, pause and partition ends with a verdict. The image is built on first use
// (cargo, about 12 minutes on 2 cores; `.ci/run` builds it in its images step).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { Cluster } from "../../deployments/docker/cluster.ts";
import { labelledRuns } from "../../deployments/docker/docker.ts";
import { ensureImages } from "../../deployments/docker/images.ts";
import { ensureTansuImage } from "../../deployments/docker/tansu-image.ts";
import { defaultConfig } from "../../harness/config.ts";
import { runIdOf } from "../../harness/run.ts";
import { tansu, TANSU_NODE_ID } from "../../products/tansu/index.ts";
import { chaos, eventually } from "./support.ts";

const TOPIC = "tansu-it";

describe("tansu 0.6.0: brokers sharing PostgreSQL", () => {
  let cluster: Cluster;
  const producers: Producer[] = [];

  /** A producer that talks to one broker only (each tansu broker answers as the whole cluster). */
  async function producerVia(i: number): Promise<Producer> {
    const kafka = new Kafka({ clientId: `it-tansu-${i}`, brokers: [cluster.bootstrap[i]], logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 3000, connectionTimeout: 2000 });
    const p = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await p.connect();
    producers.push(p);
    return p;
  }
  const send = (p: Producer, value: string) => p.send({ topic: TOPIC, acks: -1, timeout: 3000, messages: [{ value }] }).then(() => true, () => false);

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-tansu-"));
    const d = defaultConfig();
    const options = { ...d.cluster, mode: d.kafka.mode, kafkaVersion: d.kafka.version };
    const image = await ensureTansuImage("0.6.0");
    cluster = await Cluster.start({
      runId: `it-tansu-${Date.now().toString(36)}`,
      runDir: dir,
      options,
      product: tansu({ version: "0.6.0", brokers: 3, storage: "postgres" }),
      images: await ensureImages({ kafkaVersion: options.kafkaVersion, kafkaImage: image }),
    });
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3 }]);
  });

  afterAll(async () => {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    await cluster?.stop();
  });

  it("every broker answers as the only broker, and writes through one are read through another", async () => {
    for (let i = 0; i < 3; i++) {
      const parts = await cluster.partitionsVia(`broker-${i + 1}`, TOPIC);
      expect(parts).toEqual([{ partition: 0, leader: TANSU_NODE_ID, replicas: [TANSU_NODE_ID, TANSU_NODE_ID, TANSU_NODE_ID], isr: [TANSU_NODE_ID, TANSU_NODE_ID, TANSU_NODE_ID] }]);
    }
    const before = (await cluster.endOffsets([`${TOPIC}/0`])).get(`${TOPIC}/0`) ?? 0;
    expect(await send(await producerVia(0), "via broker-1")).toBe(true);
    expect(await send(await producerVia(2), "via broker-3")).toBe(true);
    expect((await cluster.endOffsets([`${TOPIC}/0`])).get(`${TOPIC}/0`)).toBe(before + 2);
  });

  it("a killed storage node stops every broker's writes until it starts again; a killed broker only its own", async () => {
    const [p1, p2] = [await producerVia(0), await producerVia(1)];
    await cluster.kill("storage-1", "it");
    expect(await send(p1, "storage down")).toBe(false);
    expect(await send(p2, "storage down")).toBe(false);
    expect(await cluster.leaks()).toContain("storage-1 is down");
    await cluster.start("storage-1", {}, "it");
    await eventually(() => send(p1, "storage back"), "a write through broker-1 after the storage restarted", 30_000);

    await cluster.kill("broker-1", "it");
    expect(await send(p1, "broker-1 down")).toBe(false);
    expect(await send(p2, "broker-2 up")).toBe(true);
    await cluster.start("broker-1", {}, "it");
    await eventually(() => send(p1, "broker-1 back"), "a write through broker-1 after it restarted", 30_000);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("a broker cut off from storage, or a paused storage node, cannot write; healing brings writes back", async () => {
    const [p2, p3] = [await producerVia(1), await producerVia(2)];
    await cluster.partition({ "broker-2": ["storage-1"], "storage-1": ["broker-2"] }, "it");
    expect(await send(p2, "cut off")).toBe(false);
    expect(await send(p3, "not cut off")).toBe(true);
    await cluster.heal("it");
    await eventually(() => send(p2, "healed"), "a write through broker-2 after healing", 60_000);

    await cluster.pause("storage-1");
    expect(await send(p3, "storage paused")).toBe(false);
    expect(await cluster.leaks()).toContain("storage-1 is paused");
    await cluster.resume("storage-1");
    await eventually(() => send(p3, "storage resumed"), "a write after the storage resumed", 30_000);
    expect(await cluster.leaks()).toEqual([]);
  });
});

describe("npm run chaos -- --product tansu", () => {
  it("runs kill, pause and partition over brokers and storage to a verdict, and removes everything", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    const { code, out } = await chaos(["--product", "tansu", "--nemesis", "kill,pause,partition", "--nemesis-interval", "6", "--quiet-time", "3", "--time-limit", "30", "--recovery-time", "5", "--seed", "2", "--store", store]);
    // Valid, invalid, or unknown because a family met no write (seed 2 cuts the storage node off
    // while it is down: every process is failing its assign then, and no send overlaps the cut).
    expect([0, 1, 2], out).toContain(code);
    const dir = fs.realpathSync(path.join(store, "latest"));
    const test = JSON.parse(fs.readFileSync(path.join(dir, "test.json"), "utf8"));
    expect(test.product).toEqual({ name: "tansu", version: "0.6.0", storage: "postgres" });
    expect(test.images.tansu).toMatch(/kafka-chaos\/tansu:0\.6\.0/);
    const ops = fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const faults = ops.filter((o) => o.process === "nemesis" && o.type === "info" && ["kill", "pause", "start-partition"].includes(o.f));
    // Seed 2 kills the storage node and cuts it off; every fault was healed and checked.
    expect(faults.some((o) => o.value?.nodes?.includes("storage-1"))).toBe(true);
    expect(ops.filter((o) => o.process === "nemesis").at(-1).value.leaks).toEqual([]);
    expect(ops.some((o) => o.f === "send" && o.type === "ok")).toBe(true);
    const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8"));
    expect(code).toBe(results.valid === true ? 0 : results.valid === false ? 1 : 2);
    if (results.valid === "unknown") for (const r of results["unknown-reasons"]) expect(r).toMatch(/^faults not exercised: /);
    expect(fs.readFileSync(path.join(dir, "report.html"), "utf8")).toContain("tansu 0.6.0 (postgres storage)");
    expect((await labelledRuns()).filter((r) => r.run === runIdOf(test.name, path.basename(dir)))).toEqual([]);
  });
});
