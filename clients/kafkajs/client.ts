// The kafkajs adapter: one client process = one kafkajs instance with a producer (made on the
// first send) and a polling consumer (made by the first assign/subscribe). It turns invocations
// into Kafka calls and Kafka results into completions, classifying errors with ./errors.ts.
import type { Kafka, Producer, RecordMetadata, Transaction } from "kafkajs";
import type { Acks, ConsumerSettings, ProducerSettings } from "../settings.ts";
import { kafkajsLogCreator } from "./admin.ts";
import { parseKey, type Key, type Mop, type OffsetValue } from "../../core/history/op.ts";
import { type ClientFactory, type Completion, type Invocation, type Polled } from "../types.ts";
import { byTopic, topicsOf, type KeySpace } from "../keys.ts";
import { AdapterPrecondition, classifySendError, describeKafkaError } from "./errors.ts";
import { applyKafkajsPatches } from "./patches.ts";
import { PollingConsumer } from "./polling-consumer.ts";
import { SharedSlot, SharedSlots } from "../sharing.ts";
import { AdapterClient, type SendMop } from "../adapter.ts";
import { clientIdOf, groupIdOf, producerClientIdOf, transactionalIdOf } from "../names.ts";


export interface KafkajsSettings {
  bootstrap: string[];
  producer: ProducerSettings;
  consumer: ConsumerSettings;
  /** Sends go through transactions (txn workload). */
  txn: boolean;
  keySpace: KeySpace;
  /** Makes group ids and transactional ids unique to a run. */
  tag: string;
  /** Worker slots: a process's transactional.id belongs to its slot (process mod concurrency). */
  concurrency: number;
  /** Processes per producer (../sharing.ts); 1: each process has its own. Not with `txn`. */
  processesPerClient?: number;
}

export const ACKS: Record<Acks, -1 | 0 | 1> = { all: -1, "1": 1, "0": 0 };

/** The exports of a kafkajs release (the bundled one or one from the cache, ../library.ts). */
export type KafkajsModule = typeof import("kafkajs");

export interface KafkajsLibrary {
  module: KafkajsModule;
  version: string;
  /** The package directory (its patches are applied there). */
  dir: string;
}

/**
 * Opens kafkajs clients for processes, on any release from 1.5.0 (library.ts). What differs
 * between releases: 1.x subscribes to one topic per call; 2.x has per-broker fetchers (patched);
 * `isStale` and `restartOnFailure` came in 1.9 and 1.16 (older releases restart a crashed consumer
 * themselves, which assign mode survives by seeking back to its own positions after every join).
 */
export function kafkajsClients(s: KafkajsSettings, lib: KafkajsLibrary): ClientFactory {
  // Process-wide, so applied when a test first uses kafkajs clients, never at import.
  applyKafkajsPatches(lib);
  const producers = new SharedSlots<Producer>(s.concurrency, s.txn ? 1 : (s.processesPerClient ?? 1));
  return { open: async (process) => new KafkajsClient(s, process, lib, producers) };
}

const majorOf = (version: string) => Number(version.split(".")[0]);


export class KafkajsClient extends AdapterClient<Producer> {
  readonly process: number;
  private readonly s: KafkajsSettings;
  private readonly kafka: Kafka;
  private readonly lib: KafkajsLibrary;
  protected readonly producer: SharedSlot<Producer>;
  protected readonly transactional: boolean;
  private consumer: PollingConsumer | undefined;

  constructor(s: KafkajsSettings, process: number, lib: KafkajsLibrary, producers: SharedSlots<Producer>) {
    super();
    this.s = s;
    this.transactional = s.txn;
    this.process = process;
    this.lib = lib;
    this.kafka = this.newKafka(clientIdOf(s, process));
    const producerId = producerClientIdOf(s, process);
    const producerKafka = producerId !== clientIdOf(s, process) ? () => this.newKafka(producerId) : () => this.kafka;
    this.producer = producers.forProcess(process, () => this.makeProducer(producerKafka()), (p) => p.disconnect());
  }

  private newKafka(clientId: string): Kafka {
    const { Kafka, logLevel } = this.lib.module;
    return new Kafka({
      clientId,
      brokers: this.s.bootstrap,
      connectionTimeout: 3000,
      // The broker's own produce timeout (below) should normally answer first.
      requestTimeout: this.s.producer.requestTimeoutMs + 2000,
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogCreator,
    });
  }

  // --- producing ------------------------------------------------------------------------------

  private async makeProducer(kafka: Kafka): Promise<Producer> {
    const p = this.s.producer;
    const idempotent = this.s.txn || p.idempotent;
    const producer = kafka.producer({
      idempotent,
      // kafkajs refuses an idempotent producer without retries.
      // 100 ms first backoff, like the Java client's retry.backoff.ms (kafkajs: 300 ms), so that a
      // transaction right after a commit does not wait long on CONCURRENT_TRANSACTIONS.
      retry: { retries: idempotent ? Math.max(1, p.retries) : p.retries, initialRetryTime: 100 },
      maxInFlightRequests: this.s.txn ? 1 : p.maxInFlight,
      transactionalId: this.s.txn ? transactionalIdOf(this.s, this.process) : undefined,
      transactionTimeout: 15_000,
      allowAutoTopicCreation: false,
      // Every record names its partition; set only so that 2.x does not warn about its default.
      createPartitioner: this.lib.module.Partitioners?.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      throw new AdapterPrecondition(`producer could not connect: ${describeKafkaError(e)}`);
    }
    return producer;
  }

  protected produceOne(producer: Producer, mop: SendMop): Promise<Mop> {
    return this.produce(producer, mop, ACKS[this.s.producer.acks]);
  }

  protected classifySend(e: unknown): { type: "fail" | "info"; error: string } {
    return classifySendError(e);
  }

  private async produce(sender: Producer | Transaction, [, key, value]: SendMop, acks: -1 | 0 | 1): Promise<Mop> {
    const { topic, partition } = parseKey(key);
    const r: RecordMetadata[] = await sender.send({
      topic,
      acks,
      timeout: this.s.producer.requestTimeoutMs,
      messages: [{ partition, value: String(value) }],
    });
    const offset = Number(r[0]?.baseOffset ?? -1);
    return offset >= 0 ? ["send", key, [offset, value] as OffsetValue] : ["send", key, value];
  }

  /**
   * txn: begin; the micro-ops in order (a poll takes from the consumer); the polled positions
   * committed to the consumer's group inside the transaction (sendOffsets); then commit, or abort
   * when the invocation says `abort`. A transaction we aborted ourselves, successfully, is `fail`:
   * read_committed consumers never see it. A commit that throws leaves the outcome unknown.
   */
  protected transaction(inv: Invocation): Promise<Completion> {
    return this.runTransaction<Transaction>(inv, {
      begin: async () => (await this.producer.get()).transaction(),
      poll: () => this.requireConsumer().poll(),
      produce: (tx, m) => this.produce(tx, m, -1),
      offsets: (tx, next) => tx.sendOffsets({ consumerGroupId: this.requireConsumer().groupId, topics: offsetsByTopic(next) }),
      abort: async (tx, polled, why, value) => {
        const c = await this.abort(tx, polled, why, value);
        // A crashed consumer is gone: this process ends (as after a plain poll), and the next one
        // starts with a fresh consumer. `info` is the weaker claim, so it stays sound.
        return this.consumer?.crashed && c.type === "fail" ? { ...c, type: "info", error: `${c.error}; the consumer crashed` } : c;
      },
      commit: async (tx, _polled, done) => {
        try {
          await tx.commit();
          return { type: "ok", value: done };
        } catch (e) {
          return { type: "info", value: done, error: `commit: ${describeKafkaError(e)}` };
        }
      },
      describe: describeKafkaError,
    });
  }

  private async abort(tx: Transaction, polled: Polled | undefined, why: string, value: Mop[]): Promise<Completion> {
    try {
      await tx.abort();
    } catch (e) {
      return { type: "info", value, error: `${why}; abort failed: ${describeKafkaError(e)}` };
    }
    // The aborted transaction's reads did not happen either: rewind, so the next poll reads them.
    if (polled?.from.size) this.consumer?.seek(polled.from);
    return { type: "fail", value, error: why };
  }

  // --- consuming ------------------------------------------------------------------------------

  private requireConsumer(): PollingConsumer {
    if (!this.consumer) throw new AdapterPrecondition("no consumer: this process has had no successful assign or subscribe");
    return this.consumer;
  }

  /**
   * A poll that took no records changed nothing, so its errors are `fail` — except a crashed
   * consumer: it is gone, and this process must end (`info`) so that the next one starts over
   * with a fresh consumer instead of one whose position restarted behind the checker's back.
   */
  protected async poll(inv: Invocation): Promise<Completion> {
    const consumer = this.consumer;
    if (!consumer) return { type: "fail", value: inv.value, error: "AdapterPrecondition: poll before any assign or subscribe" };
    let polled: Polled;
    try {
      polled = await consumer.poll();
    } catch (e) {
      return { type: consumer.crashed ? "info" : "fail", value: inv.value, error: `consumer: ${describeKafkaError(e)}` };
    }
    const c: Completion = { type: "ok", value: [["poll", polled.records]], ...this.rebalanceLog.take() };
    // Records once taken are consumed: whatever the commit does, the read happened.
    if (consumer.mode === "subscribe" && !this.s.consumer.autoCommit) {
      try {
        await consumer.commit(polled.next);
      } catch (e) {
        c["commit-error"] = describeKafkaError(e);
      }
    }
    return c;
  }

  /**
   * assign: keep one consumer in a group of its own and change which partitions it consumes.
   * subscribe: replace the consumer with a new member of the shared group, subscribed to the
   * keys' topics (kafkajs cannot change a running consumer's subscription).
   * Errors are `info`: the consumer's state is then unknown, and a new process starts clean.
   */
  protected async resubscribe(inv: Invocation): Promise<Completion> {
    const keys = inv.value as Key[];
    const mode = inv.f as "assign" | "subscribe";
    try {
      let consumer = this.consumer;
      // A crashed consumer is replaced here too: after an assign, any position is legitimate.
      if (mode === "subscribe" || !consumer || consumer.mode !== "assign" || consumer.crashed) {
        await consumer?.close();
        const c = this.s.consumer;
        // Held before it starts, so that close() stops a start that hangs.
        this.consumer = consumer = new PollingConsumer({
          kafka: this.kafka,
          groupId: groupIdOf(this.s, mode, this.process),
          mode,
          topics: mode === "assign" ? this.s.keySpace.topics.map((t) => t.name) : topicsOf(keys),
          partitionsOf: this.s.keySpace.partitionsOf,
          readCommitted: c.isolation === "read_committed",
          autoCommit: c.autoCommit,
          pollMs: c.pollMs,
          onJoin: mode === "subscribe" ? (assigned) => this.rebalanceLog.add(assigned) : undefined,
          subscribeEachTopic: majorOf(this.lib.version) < 2,
        });
        await consumer.start();
      }
      if (mode === "assign") {
        consumer.assign(keys);
        if (inv["seek-to-beginning"] === true) consumer.seek(new Map(keys.map((k) => [k, 0])));
      }
      return { type: "ok", value: keys };
    } catch (e) {
      this.consumer = undefined;
      return { type: "info", value: keys, error: describeKafkaError(e) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.consumer?.close(), this.producer.leave()]);
  }
}

function offsetsByTopic(next: Map<Key, number>): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  return byTopic(next.keys()).map(({ topic, partitions }) => ({
    topic,
    partitions: partitions.map((partition) => ({ partition, offset: String(next.get(`${topic}/${partition}`)) })),
  }));
}
