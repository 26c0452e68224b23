// kafka-chaos from a vitest test: copy this file into your project (with kafka-chaos and vitest
// installed) and run it with `npx vitest run`. Each test starts a real cluster in Docker, so give
// them minutes, not seconds.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { KafkaCluster, runTest } from "kafka-chaos";

describe("kafka-chaos as a library", () => {
  it("the queue workload under partitions for 20 s keeps every acknowledged write (a valid verdict)", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-example-"));
    const result = await runTest({
      name: "example-partition",
      store,
      cluster: { brokers: 3 },
      producer: { acks: "all", idempotent: true },
      nemesis: { faults: ["partition"], intervalSeconds: 6 },
      timeLimitSeconds: 20,
    });
    // On failure, the report says what went wrong and where: open it in a browser.
    expect(result.valid, `see ${path.join(result.runDir, "report.html")}`).toBe(true);
    expect(result.results!.stats).toBeDefined();
    expect(fs.existsSync(path.join(result.runDir, "report.html"))).toBe(true);
  }, 600_000);

  it("a cluster of your own: start it, use it with any client, and it is removed at the end of the block", async () => {
    let bootstrap: string[];
    {
      await using cluster = await new KafkaCluster().withBrokers(3).withMode("kraft").withKafkaVersion("3.9.1").start();
      bootstrap = cluster.bootstrap;
      const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
      await cluster.createTopics([{ name: "example", partitions: 1, replicationFactor: 3 }]);
      const producer = kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({ topic: "example", acks: -1, messages: [{ value: "hello" }] });
      await producer.disconnect();
      expect(sent.errorCode).toBe(0);
      // Faults are there too, for your own scenarios: here a kill and a restart of one broker.
      await cluster.kill("broker-2");
      expect(await cluster.start("broker-2")).toBe(true);
      expect(await cluster.leaks()).toEqual([]);
    }
    // Disposed: the proxies are gone with the cluster.
    const kafka = new Kafka({ brokers: bootstrap, logLevel: logLevel.NOTHING, connectionTimeout: 500, retry: { retries: 0 } });
    await expect(kafka.admin().connect()).rejects.toThrow();
  }, 600_000);
});
