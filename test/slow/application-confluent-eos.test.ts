// Exactly-once consume-transform-produce with confluent's client (KIP-447: offsets sent with the
// consumer's group metadata, stable offset fetches) on a real cluster while brokers are killed,
// as the kafkajs one in ./application-eos.test.ts. Judged with delivery: "exactly-once".
import { describe, it } from "vitest";
import { runTest } from "kafka-chaos";
import { expectExactlyOnce } from "./exactly-once.ts";
import { loadClientLibrary } from "../../clients/library.ts";
import type { ConfluentKafkaJS } from "../../examples/application/enricher-confluent.ts";
import { confluentEosEnricher, GROUP } from "../../examples/application/enricher-confluent-eos.ts";
import { app, spec } from "../../examples/application/container/image.ts";

describe("testing your own application (confluent's client, transactions)", () => {
  it("the exactly-once enricher on @confluentinc/kafka-javascript under broker kills: transactions and their offsets recorded, VALID", async () => {
    const { KafkaJS } = (await loadClientLibrary({ name: "confluent" })).module as { KafkaJS: ConfluentKafkaJS };
    const r = await runTest(spec("app-confluent-eos", { timeLimitSeconds: 30 }), { application: { ...app, rate: 20, drainSeconds: 60, delivery: "exactly-once", groupId: GROUP, start: confluentEosEnricher(KafkaJS) } });
    expectExactlyOnce(r);
  }, 600_000);
});
