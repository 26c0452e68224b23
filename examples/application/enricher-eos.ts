// The enricher, exactly once: each input's output and its consumed offset are written in one
// Kafka transaction, so an input's output is committed together with the input's offset or not
// at all. kafkajs does not fence by consumer group generation (KIP-447), so the service fences
// the older way: one transactional producer per input partition, its transactional id named
// after the partition. When a rebalance moves a partition to another replica, that replica's
// producer starts with the same id and fences the old owner's, whose commit then fails. A new
// producer also settles what the old one left pending, so the service reads the group's
// committed offset only after that (see settle).
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, startReplicas } from "./enricher.ts";

export const GROUP = "enricher-eos";

async function replica(ctx: ApplicationContext, id: number): Promise<StopApplication> {
  // Retries enough for a transaction coordinator to appear: a cluster's first transactional
  // producer makes Kafka create its transaction log, which takes seconds.
  const kafka = new Kafka({ brokers: ctx.bootstrap, clientId: `enricher-eos-${id}`, logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 6 } });
  const admin = kafka.admin();
  await admin.connect();
  const consumer = ctx.record.consumer(kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000, retry: { retries: 6, restartOnFailure: async () => true } }));
  // The producer of each input partition this replica works on, once settled (below).
  const producers = new Map<number, Producer>();
  const drop = async (partition: number) => {
    const p = producers.get(partition);
    producers.delete(partition);
    await p?.disconnect().catch(() => undefined);
  };
  /**
   * Gives `partition` a new producer and returns the offset to go on from. The new producer,
   * with the partition's transactional id, first finishes whatever an earlier one left pending
   * (this replica's, or another's before a rebalance): only then is the group's committed offset
   * final. The consumer's own position may be older: kafkajs fetched it at assignment, while a
   * transaction could still commit (kafkajs cannot ask for stable offsets, KIP-447). Retries for
   * about 30 s, heartbeating so the group keeps this member; then rethrows.
   */
  const settle = async (topic: string, partition: number, heartbeat: () => Promise<void>): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      await drop(partition);
      const producer = ctx.record.producer(kafka.producer({ transactionalId: `${GROUP}-${ctx.input}-${partition}`, idempotent: true, maxInFlightRequests: 1 }));
      try {
        await producer.connect();
        const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [topic] });
        const committed = t.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
        // Settled only now: a partition without a producer here settles again first.
        producers.set(partition, producer);
        return Number(committed) >= 0 ? committed : "0"; // nothing committed yet: the subscription's fromBeginning
      } catch (e) {
        await producer.disconnect().catch(() => undefined);
        if (attempt === 15) throw e; // kafkajs restarts the consumer (restartOnFailure), as a supervisor would the service
        await heartbeat().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.input, fromBeginning: true });
  await consumer.run({
    autoCommit: false, // offsets go with the transactions
    eachMessage: async ({ topic, partition, message, heartbeat }) => {
      if (!producers.has(partition)) {
        const from = await settle(topic, partition, heartbeat);
        // kafkajs drops the rest of the batch and fetches from there.
        if (from !== message.offset) return consumer.seek({ topic, partition, offset: from });
      }
      const value = await enrich(message.value!.toString());
      const txn = await producers.get(partition)!.transaction();
      try {
        await txn.send({ topic: ctx.output, acks: -1, messages: [{ key: message.key, value }] });
        await txn.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
        await txn.commit();
      } catch {
        // Fenced, or in an unknown state: the transaction may have committed after all (a commit
        // that timed out, an abort that came too late). Processing this message again from
        // memory, as kafkajs would after a throw, would then write its output twice. So start
        // again from where the group really stands.
        await txn.abort().catch(() => undefined);
        consumer.seek({ topic, partition, offset: await settle(topic, partition, heartbeat) });
      }
    },
  });
  return async () => {
    await consumer.disconnect();
    await admin.disconnect();
    await Promise.all([...producers.keys()].map(drop));
  };
}

export const startEosEnricher = (ctx: ApplicationContext): Promise<StopApplication> => startReplicas(ctx, replica);
