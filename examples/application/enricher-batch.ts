// The enricher written with eachBatch, as services that want to control their commits are: each
// message of the batch is enriched and its output sent and acknowledged before its offset is
// resolved; kafkajs commits what was resolved. Correct, and at-least-once, like ./enricher.ts.
// The recording layer follows which message of the batch each output came from (the one the loop
// took last); a service that collects a batch's outputs and sends them together would forward
// each input's headers on its output instead.
import { Kafka, logLevel } from "kafkajs";
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, outputSender, startReplicas } from "./enricher.ts";

export const GROUP = "enricher-batch";

async function replica(ctx: ApplicationContext, id: number): Promise<StopApplication> {
  const kafka = new Kafka({ brokers: ctx.bootstrap, clientId: `enricher-batch-${id}`, logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 1 } });
  const output = outputSender(ctx, kafka);
  const consumer = ctx.record.consumer(kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000 }));
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.input, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const value = await enrich(message.value!.toString());
        await output.send({ key: message.key, value }); // a failure throws: the batch comes again from here
        resolveOffset(message.offset);
        await heartbeat();
      }
    },
  });
  return async () => {
    await consumer.disconnect();
    await output.close();
  };
}

export const startBatchEnricher = (ctx: ApplicationContext): Promise<StopApplication> => startReplicas(ctx, replica);
