// A consume-transform-produce service, written as an application team would write it: read
// orders, enrich each one, write it to the output topic. Three replicas of it run in one process
// (one consumer group, the partitions shared out). Correct: the output is sent, and
// acknowledged, before the handler returns, so kafkajs commits an input's offset only after its
// output is safe; a send that fails throws, and kafkajs processes the message again.
// At-least-once: a retried message can come out twice, never zero times. Each replica handles one
// message at a time: kafkajs' idempotent producer must not send concurrently
// (docs/findings/2026-12-03-kafkajs-shared-idempotent-producer). And after a send fails, the
// replica makes a new producer: kafkajs 2.2.4 winds the failed batch's sequence back, so the next
// send would reuse it and be acknowledged at the failed batch's offset if that one was written
// after all, without being written itself (docs/findings/2026-12-04-kafkajs-lone-sender-rewind).
//
// The only kafka-chaos lines: `ctx.record.producer(...)` and `ctx.record.consumer(...)`.
import { Kafka, logLevel, type Message, type Producer } from "kafkajs";
import type { ApplicationContext, StopApplication } from "kafka-chaos";

export const GROUP = "enricher";
export const REPLICAS = 3;

/** The enrichment: a lookup that takes 20 to 80 ms (a pricing service, a database). */
export async function enrich(order: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
  return JSON.stringify({ order, priced: true });
}

/**
 * Sends one output at a time, acks=all, idempotent. After a send fails it closes that producer
 * and the next send makes a new one (the failure is thrown: the caller processes the message again).
 */
export function outputSender(ctx: ApplicationContext, kafka: Kafka) {
  let producer: Producer | undefined;
  return {
    async send(message: Message): Promise<void> {
      if (!producer) {
        producer = ctx.record.producer(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
        await producer.connect();
      }
      try {
        await producer.send({ topic: ctx.output, acks: -1, messages: [message] });
      } catch (e) {
        const failed = producer;
        producer = undefined; // the next message gets a new one
        await failed.disconnect().catch(() => undefined);
        throw e;
      }
    },
    close: async () => producer?.disconnect(),
  };
}

async function replica(ctx: ApplicationContext, id: number): Promise<StopApplication> {
  const kafka = new Kafka({ brokers: ctx.bootstrap, clientId: `enricher-${id}`, logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 1 } });
  const output = outputSender(ctx, kafka);
  const consumer = ctx.record.consumer(kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000 }));
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.input, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachMessage: async ({ message }) => {
      const value = await enrich(message.value!.toString());
      // Awaited: the handler returns (and the offset can be committed) only once this is written.
      // A failed send throws, and kafkajs delivers the message again.
      await output.send({ key: message.key, value });
    },
  });
  return async () => {
    await consumer.disconnect();
    await output.close();
  };
}

/** Starts REPLICAS replicas of a service in this process; the stop function stops them all. */
export async function startReplicas(ctx: ApplicationContext, replica: (ctx: ApplicationContext, id: number) => Promise<StopApplication>): Promise<StopApplication> {
  const stops = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => replica(ctx, i)));
  return async () => void (await Promise.all(stops.map((stop) => stop())));
}

export const startEnricher = (ctx: ApplicationContext): Promise<StopApplication> => startReplicas(ctx, replica);
