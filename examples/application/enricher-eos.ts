// The enricher, exactly once: each input's output and its consumed offset are written in one
// Kafka transaction, so an input's output is committed together with the input's offset or not
// at all. kafkajs does not fence by consumer group generation (KIP-447), so the service fences
// the older way: one transactional producer per input partition, its transactional id named
// after the partition. When a rebalance moves a partition to another replica, that replica's
// producer starts with the same id and fences the old owner's, whose commit then fails.
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, startReplicas } from "./enricher.ts";

export const GROUP = "enricher-eos";

async function replica(ctx: ApplicationContext, id: number): Promise<StopApplication> {
  // Retries enough for a transaction coordinator to appear: a cluster's first transactional
  // producer makes Kafka create its transaction log, which takes seconds.
  const kafka = new Kafka({ brokers: ctx.bootstrap, clientId: `enricher-eos-${id}`, logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 6 } });
  // The producer of each input partition this replica has worked on.
  const producers = new Map<number, Promise<Producer>>();
  const producerFor = (partition: number) => {
    let p = producers.get(partition);
    if (!p) {
      const producer = ctx.record.producer(kafka.producer({ transactionalId: `${GROUP}-${ctx.input}-${partition}`, idempotent: true, maxInFlightRequests: 1 }));
      p = producer.connect().then(() => producer);
      p.catch(() => producers.delete(partition));
      producers.set(partition, p);
    }
    return p;
  };
  // A consumer whose handler threw an error kafkajs will not retry starts again, as a supervisor would restart the service.
  const admin = kafka.admin();
  await admin.connect();
  /** Seeks `partition` to the group's committed offset once its producer is ready again; gives up (rethrowing `cause`) after about 30 s. */
  const rewind = async (topic: string, partition: number, cause: unknown) => {
    for (let attempt = 0; attempt < 15; attempt++) {
      try {
        await producerFor(partition);
        const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [topic] });
        const committed = t.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
        // Nothing committed yet: from the beginning (the subscription's fromBeginning).
        consumer.seek({ topic, partition, offset: Number(committed) >= 0 ? committed : "0" });
        return; // kafkajs drops the rest of the batch and fetches from there
      } catch {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    throw cause;
  };
  const consumer = ctx.record.consumer(kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000, retry: { retries: 6, restartOnFailure: async () => true } }));
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.input, fromBeginning: true });
  await consumer.run({
    autoCommit: false, // offsets go with the transactions
    eachMessage: async ({ topic, partition, message }) => {
      const value = await enrich(message.value!.toString());
      const producer = await producerFor(partition);
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: ctx.output, acks: -1, messages: [{ key: message.key, value }] });
        await txn.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
        await txn.commit();
      } catch (e) {
        await txn.abort().catch(() => undefined);
        // Fenced, or in an unknown state: this partition gets a new producer.
        producers.delete(partition);
        await producer.disconnect().catch(() => undefined);
        // The transaction may have committed after all (a commit that timed out, an abort that
        // came too late). Processing this message again from memory, as kafkajs would after a
        // throw, would then write its output twice. So start again from where the group really
        // stands: the new producer, with the same transactional id, first finishes whatever the
        // old one left pending; then the committed offset is stable, and the partition seeks to it.
        await rewind(topic, partition, e);
      }
    },
  });
  return async () => {
    await consumer.disconnect();
    await admin.disconnect();
    await Promise.all([...producers.values()].map(async (p) => (await p.catch(() => undefined))?.disconnect()));
  };
}

export const startEosEnricher = (ctx: ApplicationContext): Promise<StopApplication> => startReplicas(ctx, replica);
