// The correct enricher (./enricher.ts) written with confluent's client: the KafkaJS-compatible
// API of @confluentinc/kafka-javascript (librdkafka underneath). A service imports it with
// `import { KafkaJS } from "@confluentinc/kafka-javascript"`; here it is passed in, since the
// package (a native build) lives in kafka-chaos' cache rather than in node_modules.
// The recording layer is the same two calls: ctx.record.producer(...) and ctx.record.consumer(...).
// librdkafka retries a send itself until it is delivered or message.timeout.ms passes, and
// commits the offsets of handled messages every 5 s (enable.auto.commit).
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, startReplicas } from "./enricher.ts";

export const GROUP = "enricher-confluent";

interface Client {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}
interface Producer extends Client {
  send(record: { topic: string; messages: { key?: Buffer | string | null; value: string }[] }): Promise<unknown>;
}
interface Consumer extends Client {
  subscribe(s: { topics: string[] }): Promise<void>;
  run(config: { eachMessage: (p: { message: { key: Buffer | null; value: Buffer | null } }) => Promise<void> }): Promise<void>;
}
/** The package's `KafkaJS` namespace, as much of it as this service uses. */
export interface ConfluentKafkaJS {
  Kafka: new (config: object) => { producer(config: object): Producer; consumer(config: object): Consumer };
}

export function confluentEnricher(KafkaJS: ConfluentKafkaJS): (ctx: ApplicationContext) => Promise<StopApplication> {
  const replica = async (ctx: ApplicationContext, id: number): Promise<StopApplication> => {
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: ctx.bootstrap, clientId: `enricher-confluent-${id}`, logLevel: 0 } });
    const producer = ctx.record.producer(kafka.producer({ kafkaJS: { idempotent: true, acks: -1 }, "message.timeout.ms": 30_000 }));
    await producer.connect();
    const consumer = ctx.record.consumer(kafka.consumer({ kafkaJS: { groupId: GROUP, fromBeginning: true, autoCommit: true }, "session.timeout.ms": 10_000 }));
    await consumer.connect();
    await consumer.subscribe({ topics: [ctx.input] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = await enrich(message.value!.toString());
        // Awaited: resolved once delivered; a failure throws, and the message comes again.
        await producer.send({ topic: ctx.output, messages: [{ key: message.key, value }] });
      },
    });
    return async () => {
      await consumer.disconnect();
      await producer.disconnect();
    };
  };
  return (ctx) => startReplicas(ctx, replica);
}
