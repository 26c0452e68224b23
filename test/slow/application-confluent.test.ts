// The recording layer over confluent's client (its KafkaJS-compatible API) on a real cluster
// while brokers are killed: the service's sends, its messages as polls, its group's assignments
// and librdkafka's commits recorded; the correct service stays VALID.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest } from "kafka-chaos";
import { loadClientLibrary } from "../../clients/library.ts";
import { confluentEnricher, GROUP, type ConfluentKafkaJS } from "../../examples/application/enricher-confluent.ts";
import { app, spec } from "../../examples/application/container/image.ts";

describe("testing your own application (confluent's client)", () => {
  it("the enricher on @confluentinc/kafka-javascript under broker kills: sends, polls, assignments and commits recorded, VALID", async () => {
    const { KafkaJS } = (await loadClientLibrary({ name: "confluent" })).module as { KafkaJS: ConfluentKafkaJS };
    const r = await runTest(spec("app-confluent", { timeLimitSeconds: 30 }), { application: { ...app, groupId: GROUP, drainSeconds: 30, start: confluentEnricher(KafkaJS) } });
    const ops = fs.readFileSync(path.join(r.runDir, "history.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(ops.filter((o) => o.f === "send" && o.type === "invoke" && o.from).length, "the service's sends recorded").toBeGreaterThan(100);
    expect(ops.filter((o) => o.f === "subscribe" && o.type === "ok" && o.value.some((k: string) => k.startsWith(`${app.input}/`))).length, "assignments recorded").toBeGreaterThan(0);
    expect(ops.filter((o) => o.f === "commit" && o.type === "ok").length, "librdkafka's commits recorded").toBeGreaterThan(2);
    const res = r.results as unknown as { application: { inputs: number; processed: number; unattributed: number; counts: Record<string, number> } };
    expect(res.application.inputs).toBeGreaterThan(100);
    expect(res.application.processed, "every input has an output").toBe(res.application.inputs);
    expect(res.application.unattributed).toBe(0);
    expect(r.valid, `see ${path.join(r.runDir, "report.html")}: ${JSON.stringify(r.results?.["bad-anomaly-types"])} ${JSON.stringify(res.application.counts)}`).toBe(true);
  }, 600_000);
});
