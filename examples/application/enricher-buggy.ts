// The same service with a common bug: auto-commit with asynchronous processing. The enrichment
// and the send are fired and not awaited ("it's faster"), so the handler returns at once and
// kafkajs commits the input's offset while its output is still on the way. When the service
// crashes, or a send fails, that work is dropped and the committed offset says it was done:
// inputs with no output (the checkers' app-lost). Outputs also come out of order (app-reorder):
// each message's work finishes when it finishes.
import { Kafka, logLevel } from "kafkajs";
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, startReplicas } from "./enricher.ts";

export const GROUP = "enricher-buggy";

async function replica(ctx: ApplicationContext, id: number): Promise<StopApplication> {
  const kafka = new Kafka({ brokers: ctx.bootstrap, clientId: `enricher-buggy-${id}`, logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 1 } });
  const producer = ctx.record.producer(kafka.producer());
  const consumer = ctx.record.consumer(kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000 }));
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.input, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachMessage: async ({ message }) => {
      // BUG: not awaited. The offset is committed before the output is written.
      void enrich(message.value!.toString())
        .then((value) => producer.send({ topic: ctx.output, acks: -1, messages: [{ key: message.key, value }] }))
        .catch(() => undefined); // "logged and dropped"
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

export const startBuggyEnricher = (ctx: ApplicationContext): Promise<StopApplication> => startReplicas(ctx, replica);
