// Client versions installed on demand, refused when they do not exist, and the known bugs of old
// releases pinned. The differential run of two releases: test/slow/differential.test.ts.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { libraryDir, loadClientLibrary } from "../../clients/library.ts";
import { chaos, readJson, runDirsOf } from "./support.ts";


describe("client versions", () => {
  it("installs a release into the cache on first use, outside the project's node_modules, and loads it from there", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "kc-cache-"));
    const before = process.env.KC_CACHE;
    process.env.KC_CACHE = cache;
    try {
      const lib = await loadClientLibrary({ name: "kafkajs", version: "1.12.0" });
      expect(lib).toMatchObject({ name: "kafkajs", version: "1.12.0", bundled: false });
      expect(lib.dir).toBe(path.join(cache, "clients", "kafkajs@1.12.0", "node_modules", "kafkajs"));
      expect(typeof (lib.module as { Kafka: unknown }).Kafka).toBe("function");
      expect(readJson("node_modules/kafkajs/package.json").version).not.toBe("1.12.0");
      // The second load finds it in the cache.
      const again = await loadClientLibrary({ name: "kafkajs", version: "1.12.0" });
      expect(again.dir).toBe(lib.dir);
    } finally {
      if (before === undefined) delete process.env.KC_CACHE;
      else process.env.KC_CACHE = before;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);

  it("builds a confluent release natively against the Node that runs it, in a directory named for that ABI, and runs a test on it", async () => {
    const lib = await loadClientLibrary({ name: "confluent", version: "1.8.2" });
    expect(lib).toMatchObject({ name: "confluent", version: "1.8.2", bundled: false });
    expect(lib.dir).toBe(path.join(libraryDir("confluent", "1.8.2"), "node_modules", "@confluentinc", "kafka-javascript"));
    expect(libraryDir("confluent", "1.8.2")).toMatch(new RegExp(`confluent@1\\.8\\.2-node${process.versions.modules}$`));
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-conf-"));
    const { code, out } = await chaos(["--client", "confluent@1.8.2", "--time-limit", "10", "--recovery-time", "2", "--seed", "5", "--store", store]);
    const [dir] = runDirsOf(store);
    expect(readJson(path.join(dir, "test.json"))).toMatchObject({ client: "confluent", clientVersion: "1.8.2", clientsIn: "process" });
    const results = readJson(path.join(dir, "results.json"));
    expect(results.stats.counts.send.ok).toBeGreaterThan(0);
    // VALID, unless 1.8.2's librdkafka (2.13.2) moved a consumer on its own
    // (docs/findings/2026-12-05-librdkafka-stale-offset-timer): then only its rewinds count.
    expect(code, out).toBe(results.valid ? 0 : 1);
    expect(["nonmonotonic-poll", "int-nonmonotonic-poll"]).toEqual(expect.arrayContaining(results["bad-anomaly-types"]));
  }, 600_000);

  it("refuses a release that does not exist, before any cluster starts, listing the releases that would work", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-nover-"));
    const { code, out } = await chaos(["--client", "kafkajs@1.99.0", "--time-limit", "5", "--store", store]);
    expect(code, out).toBe(3);
    expect(out).toContain("KC_CLIENT_VERSION: kafkajs has no release 1.99.0");
    expect(out).toMatch(/releases from 1\.5\.0 on: 1\.5\.0, .*1\.16\.0, 2\.0\.0, .*2\.2\.4/);
    expect(out).not.toContain("cluster ready");
    expect(fs.existsSync(libraryDir("kafkajs", "1.99.0"))).toBe(false);
  }, 120_000);

  it("pins kafkajs 1.5.0's read_committed crash on a keyless record beside an aborted transaction (fixed in 1.6.0)", async () => {
    type Filter = (o: { messages: unknown[]; abortedTransactions: { firstOffset: string; producerId: string }[] }) => unknown[];
    const filterOf = async (version: string) => {
      const lib = await loadClientLibrary({ name: "kafkajs", version });
      return createRequire(path.join(lib.dir, "package.json"))("./src/consumer/filterAbortedMessages.js") as Filter;
    };
    // A committed record without a key, fetched together with an aborted transaction of another producer.
    const fetch = { messages: [{ offset: "5", key: null, batchContext: { producerId: "7", inTransaction: true } }], abortedTransactions: [{ firstOffset: "2", producerId: "3" }] };
    await expect(filterOf("1.5.0").then((f) => f(fetch))).rejects.toThrow(/Received null/);
    expect(await filterOf("1.6.0").then((f) => f(fetch))).toHaveLength(1);
  }, 120_000);

  it("pins kafkajs 2.0.0-2.0.1's seek that lands on the wrong partition of a topic (fixed in 2.0.2)", async () => {
    type SeekOffsets = new () => { set(t: string, p: number, o: string): void; pop(t: string, p: number): { offset?: string } | undefined };
    const seekOffsetsOf = async (version: string) => {
      const lib = await loadClientLibrary({ name: "kafkajs", version });
      return createRequire(path.join(lib.dir, "package.json"))("./src/consumer/seekOffsets.js") as SeekOffsets;
    };
    // A consumer seeks two partitions of one topic (as one that puts its positions back does).
    for (const [version, partition0, partition1] of [["2.0.1", "7", undefined], ["2.0.2", "5", "7"]] as const) {
      const seeks = new (await seekOffsetsOf(version))();
      seeks.set("t0", 0, "5");
      seeks.set("t0", 1, "7");
      // 2.0.1 keys both by JSON.stringify(topic, partition), i.e. by topic alone: partition 0 gets
      // partition 1's offset, and partition 1 gets an entry with no offset (a TypeError in the fetch loop).
      expect([seeks.pop("t0", 0)?.offset, seeks.pop("t0", 1)?.offset], version).toEqual([partition0, partition1]);
    }
  }, 120_000);
});
