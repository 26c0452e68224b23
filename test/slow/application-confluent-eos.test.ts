// Exactly-once consume-transform-produce with confluent's client (KIP-447: offsets sent with the
// consumer's group metadata, stable offset fetches) on a real cluster while brokers are killed,
// as the kafkajs one in ./application-eos.test.ts. Judged with delivery: "exactly-once".
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest } from "kafka-chaos";
import { loadClientLibrary } from "../../clients/library.ts";
import type { ConfluentKafkaJS } from "../../examples/application/enricher-confluent.ts";
import { confluentEosEnricher, GROUP } from "../../examples/application/enricher-confluent-eos.ts";
import { app, spec } from "../../examples/application/container/image.ts";

describe("testing your own application (confluent's client, transactions)", () => {
  it("the exactly-once enricher on @confluentinc/kafka-javascript under broker kills: transactions and their offsets recorded, VALID", async () => {
    const { KafkaJS } = (await loadClientLibrary({ name: "confluent" })).module as { KafkaJS: ConfluentKafkaJS };
    const r = await runTest(spec("app-confluent-eos", { timeLimitSeconds: 30 }), { application: { ...app, rate: 20, drainSeconds: 60, delivery: "exactly-once", groupId: GROUP, start: confluentEosEnricher(KafkaJS) } });
    const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const appSends = ops.filter((o) => o.f === "send" && o.type === "invoke" && o.from);
    expect(appSends.length, "the service's transactions were recorded").toBeGreaterThan(100);
    const appProcesses = new Set(appSends.map((o) => o.process));
    const commits = ops.filter((o) => o.f === "commit" && o.type === "ok" && appProcesses.has(o.process));
    expect(commits.length, "the offsets sent with the transactions were recorded").toBeGreaterThan(100);
    const res = r.results as unknown as { application: { inputs: number; processed: number; counts: Record<string, number> } };
    expect(res.application.inputs).toBeGreaterThan(100);
    expect(res.application.processed, "every input has an output").toBe(res.application.inputs);
    expect(r.valid, `see ${path.join(r.runDir, "report.html")}: ${JSON.stringify(r.results?.["bad-anomaly-types"])} ${JSON.stringify(res.application.counts)}`).toBe(true);
  }, 600_000);
});
