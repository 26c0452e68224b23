// The exactly-once enricher (./enricher-eos.ts) written with confluent's client, which has what
// kafkajs lacks (KIP-447): the offsets go into the transaction with the consumer's group
// metadata, so the group coordinator rejects them from a replica that lost the partition in a
// rebalance, and the consumer asks for stable offsets, so a new owner waits for a transaction
// still committing instead of reading the offset before it. One transactional producer per
// replica is then enough.
// On an error the transaction is aborted if it can be; a producer in a state it cannot leave
// (fenced, or an abort that failed) is replaced by a new one with the same transactional id,
// which first finishes what the old one left. Then the partition goes back to the group's
// committed offset, whatever the transaction's fate was.
import type { ApplicationContext, StopApplication } from "kafka-chaos";
import { enrich, startReplicas } from "./enricher.ts";
import type { ConfluentKafkaJS } from "./enricher-confluent.ts";

export const GROUP = "enricher-confluent-eos";

interface Offsets {
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}
interface Producer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<Transaction>;
}
interface Transaction {
  send(record: { topic: string; messages: { key?: Buffer | string | null; value: string }[] }): Promise<unknown>;
  sendOffsets(o: Offsets & { consumer: unknown }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface Consumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(s: { topics: string[] }): Promise<void>;
  run(config: { eachMessage: (p: { topic: string; partition: number; message: { key: Buffer | null; value: Buffer | null; offset: string } }) => Promise<void> }): Promise<void>;
  committed(partitions: { topic: string; partition: number }[]): Promise<{ topic: string; partition: number; offset: string }[]>;
  seek(to: { topic: string; partition: number; offset: string }): void;
}
interface Client {
  producer(config: object): Producer;
  consumer(config: object): Consumer;
}

export function confluentEosEnricher(KafkaJS: ConfluentKafkaJS): (ctx: ApplicationContext) => Promise<StopApplication> {
  const replica = async (ctx: ApplicationContext, id: number): Promise<StopApplication> => {
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: ctx.bootstrap, clientId: `enricher-confluent-eos-${id}`, logLevel: 0 } }) as unknown as Client;
    // A send in a transaction waits for its delivery until message.timeout.ms, 300 s by default:
    // when a leader was killed, the first run of this example held its transactions (and its
    // partitions) past the end of the run. 20 s, inside the transaction's own timeout.
    const newProducer = async () => {
      const p = ctx.record.producer(kafka.producer({ kafkaJS: { transactionalId: `${GROUP}-${id}`, idempotent: true, maxInFlightRequests: 1 }, "transaction.timeout.ms": 30_000, "message.timeout.ms": 20_000 }));
      await p.connect(); // initTransactions: an earlier producer's pending transaction ends first
      return p;
    };
    let producer: Producer | undefined = await newProducer();
    // read_committed (librdkafka's default) also makes the group's offsets be fetched stable.
    const consumer = ctx.record.consumer(kafka.consumer({ kafkaJS: { groupId: GROUP, fromBeginning: true, autoCommit: false }, "session.timeout.ms": 10_000 }));
    await consumer.connect();
    await consumer.subscribe({ topics: [ctx.input] });
    /** Back to the group's committed offset of `partition`, tried for about 30 s (then the error goes to the client, which retries the message). */
    const rewind = async (topic: string, partition: number, cause: unknown) => {
      for (let attempt = 1; attempt <= 15; attempt++) {
        try {
          const [c] = await consumer.committed([{ topic, partition }]);
          return consumer.seek({ topic, partition, offset: Number(c.offset) >= 0 ? c.offset : "0" });
        } catch {
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      throw cause;
    };
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = await enrich(message.value!.toString());
        const p = (producer ??= await newProducer()); // after one was given up (below); a throw here brings the message again
        const txn = await p.transaction();
        try {
          await txn.send({ topic: ctx.output, messages: [{ key: message.key, value }] });
          await txn.sendOffsets({ consumer, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
          await txn.commit();
        } catch (e) {
          const fatal = (e as { fatal?: boolean }).fatal || !(await txn.abort().then(() => true, () => false));
          if (fatal) {
            producer = undefined;
            await p.disconnect().catch(() => undefined);
          }
          await rewind(topic, partition, e);
        }
      },
    });
    return async () => {
      await consumer.disconnect();
      await producer?.disconnect();
    };
  };
  return (ctx) => startReplicas(ctx, replica);
}
