// The recording layer for a user's own kafkajs clients: wrap the producer and consumer the
// application constructs, and each send and each delivered message becomes ops in the history.
//
//   const producer = record.producer(kafka.producer());     // send() recorded as send ops
//   const consumer = record.consumer(kafka.consumer({ groupId }));
//   await consumer.run({ eachMessage: async ({ message }) => { ... await producer.send(...) } });
//
// - Each wrapped consumer is a history process of its own; a wrapped producer is one process per
//   send in flight (a process has at most one op in flight: concurrent sends take more).
// - A send (or a sendBatch): `invoke` with one micro-op per message, then `ok` with the offsets the broker gave,
//   or `fail`/`info` sorted by the kafkajs error table (clients/kafkajs/errors.ts). The partition
//   is chosen here (the message's own, else Kafka's default partitioner over its key, as the
//   Java client and kafkajs 2 do) and pinned on the message, so the op names the real key.
// - Values: every record sent gets a `kc-value` header, an integer unique in the run (replacing
//   one it carries, e.g. forwarded from its input); the history follows those, so the payload
//   stays the application's own.
// - A delivered message (eachMessage) is a poll op; the handler runs with that message as its
//   source, and every send made while it runs, awaited or not, records it (`from`): that is how
//   the checkers tie outputs to inputs (checkers/application.ts).
// - A delivered batch (eachBatch) is one poll op with its messages. A send's source is the
//   message last taken from `batch.messages` where the send was made (a loop over the batch,
//   awaited or with a callback per message: each callback keeps its own message). A handler that
//   takes several messages and then sends their outputs together must say which output came from
//   which input: forward each input's headers (its kc-value) on its output.
// - Either way, an output that carries the kc-value header of an input this recorder delivered
//   (headers forwarded) names that input as its source, whatever handler sent it.
// - A send in a transaction is invoked when made and completed when the transaction ends: `ok`
//   committed, `fail` aborted, `info` when the commit or abort threw; the offsets it sent to the
//   group (exactly-once consume-transform-produce) follow a committed one as a `commit` op.
// - A group join is a `subscribe` op with the partitions assigned.
// - A commit of the group's offsets (auto-commit or the application's own) is a `commit` op:
//   {key: next offset to consume}, recorded when the coordinator acknowledged it.
// - crash() is what kill -9 does to the application's process: the clients wrapped so far go
//   dead at once. Their sends throw before they reach the network (and are not recorded: a dead
//   process sends nothing), and their message handlers throw instead of running or finishing,
//   so kafkajs resolves no further offset for them. Work in flight is gone; clients wrapped after
//   the crash (the application started again) are alive.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Consumer, ConsumerRunConfig, EachBatchPayload, EachMessagePayload, IHeaders, KafkaMessage, Message, Offsets, Producer, ProducerBatch, ProducerRecord, RecordMetadata, TopicMessages, Transaction } from "kafkajs";
import { Partitioners } from "kafkajs";
import { flavourOf, overlay, type ClientFlavour, type ConsumerEvents } from "./flavours.ts";
import { KcError } from "../../core/errors.ts";
import { formatKey, type Key } from "../../core/history/op.ts";
import type { HistorySink } from "../interpreter.ts";

export const VALUE_HEADER = "kc-value";

interface Source {
  key: Key;
  value: number;
}

export interface RecorderOptions {
  /** Partition counts of the topics the application may write (the harness created them). */
  partitions: Record<string, number>;
  /** First history process number for the wrapped clients. */
  firstProcess?: number;
  /** The first value it gives a record (default 1): recorders whose records meet in one history draw from disjoint ranges. */
  firstValue?: number;
}

/** The integer a record carries in its kc-value header, or (a plain integer payload) in its value. */
export function recordValue(m: { headers?: IHeaders; value: Buffer | string | null }): number | undefined {
  const h = m.headers?.[VALUE_HEADER];
  const text = h === undefined ? m.value?.toString() : String(Array.isArray(h) ? h[0] : h);
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isSafeInteger(n) ? n : undefined;
}

type SendMop = ["send", Key, number];

/** The micro-ops completed with the offsets the broker gave: each partition's base offset, then one up per record of that partition, in order. */
function withOffsets(mops: SendMop[], meta: RecordMetadata[]): unknown[] {
  const next = new Map(meta.map((r) => [formatKey(r.topicName, r.partition), Number(r.baseOffset ?? -1)]));
  return mops.map(([, key, value]) => {
    const offset = next.get(key);
    if (offset === undefined || offset < 0) return ["send", key, value];
    next.set(key, offset + 1);
    return ["send", key, [offset, value]];
  });
}

export class Recorder {
  private readonly source = new AsyncLocalStorage<Source | null>();
  /** Each input value delivered so far, and its key: an output that forwards its kc-value names it. */
  private readonly delivered = new Map<number, Key>();
  private generation = 0;
  private nextProcess: number;
  private nextValue: number;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly history: HistorySink;
  private readonly o: RecorderOptions;

  constructor(history: HistorySink, o: RecorderOptions) {
    this.history = history;
    this.o = o;
    this.nextProcess = o.firstProcess ?? 0;
    this.nextValue = o.firstValue ?? 1;
  }

  /** A history process number no client of this recorder has (for ops recorded elsewhere, e.g. an application container's). */
  newProcess(): number {
    return this.nextProcess++;
  }

  /** Every client wrapped so far is dead from now on (see the header). */
  crash(): void {
    this.generation++;
  }

  /** A test for "wrapped before the last crash", and the error a dead client throws. */
  private lifeOf(what: string): () => void {
    const generation = this.generation;
    return () => {
      if (generation !== this.generation) throw new KcError("KC_APP_CRASHED", `this ${what} belongs to an application instance the harness crashed`, { hint: "expected during a crash test: a crashed process does nothing more" });
    };
  }

  /** A fresh value, unique in the run (the feeder's inputs and the outputs draw from one counter). */
  value(): number {
    return this.nextValue++;
  }

  /** The partition a message goes to: its own, else the default partitioner's over this topic's partition count. */
  private partitionOf(topic: string, m: Message): number {
    if (m.partition !== undefined) return m.partition;
    const n = this.o.partitions[topic];
    if (!n) {
      throw new KcError("KC_APP_UNKNOWN_TOPIC", `the application sent to topic ${topic}, which this run did not create`, {
        hint: `name it as the application's output topic (known: ${Object.keys(this.o.partitions).join(", ")})`,
      });
    }
    const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
    return this.partitioner({ topic, partitionMetadata, message: m });
  }

  /**
   * The producer, with send(), sendBatch() and transactions recorded; other methods pass through.
   * A plain send is one op of a process of its own while it is in flight. A send in a
   * transaction is invoked when it is made and stays in flight, on its process, until the
   * transaction ends: `ok` with its offsets once the commit returns, `fail` once an abort returns
   * (read_committed readers never see it), `info` when the commit or the abort throws. Offsets
   * the transaction sent to the group (sendOffsets) follow a committed one as a `commit` op of a
   * process the transaction holds from transaction() to its end.
   */
  producer<P extends object>(client: P): P {
    const p = client as unknown as Producer;
    const free: number[] = [];
    const take = () => free.pop() ?? this.nextProcess++;
    const alive = this.lifeOf("producer");
    const withProcess = async <T>(fn: (process: number) => Promise<T>): Promise<T> => {
      alive();
      const process = take();
      try {
        return await fn(process);
      } finally {
        free.push(process);
      }
    };
    const flavour = flavourOf(p);
    const send = (record: ProducerRecord) => withProcess((process) => this.recordSend(flavour, process, [record], async ([r]) => p.send(r)));
    const sendBatch = (batch: ProducerBatch) => withProcess((process) => this.recordSend(flavour, process, batch.topicMessages ?? [], async (topicMessages) => p.sendBatch({ ...batch, topicMessages })));
    const transaction = async (): Promise<Transaction> => {
      alive();
      const txn = await p.transaction();
      return this.recordTransaction(flavour, txn, take(), take, (process) => free.push(process), alive);
    };
    return overlay(client, { send, sendBatch, transaction });
  }

  /** Records ready to send (partition pinned, a fresh kc-value), their micro-ops, and the input each came from. */
  private prepare(records: TopicMessages[]): { records: TopicMessages[]; mops: SendMop[]; sources: (Source | undefined)[] } {
    const current = this.source.getStore() ?? undefined;
    const mops: SendMop[] = [];
    const sources: (Source | undefined)[] = [];
    const prepared = records.map((record) => ({
      ...record,
      messages: record.messages.map((m) => {
        const forwarded = m.headers ? recordValue({ headers: m.headers, value: null }) : undefined;
        const key = forwarded === undefined ? undefined : this.delivered.get(forwarded);
        sources.push(key === undefined ? current : { key, value: forwarded! });
        const partition = this.partitionOf(record.topic, m);
        // Always a fresh one: a service that forwards its input's headers would otherwise give a
        // reprocessed input's two outputs one value, and the history would call that a Kafka duplicate.
        const value = this.value();
        mops.push(["send", formatKey(record.topic, partition), value]);
        return { ...m, partition, headers: { ...m.headers, [VALUE_HEADER]: String(value) } };
      }),
    }));
    return { records: prepared, mops, sources };
  }

  private invoke(process: number, mops: SendMop[], sources: (Source | undefined)[]): void {
    const from = sources.some(Boolean) ? sources.map((src) => (src ? [src.key, src.value] : null)) : undefined;
    this.history.append({ process, type: "invoke", f: "send", value: mops, ...(from ? { from } : {}) });
  }

  private async recordSend(flavour: ClientFlavour, process: number, records: TopicMessages[], send: (records: TopicMessages[]) => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> {
    const prepared = this.prepare(records);
    this.invoke(process, prepared.mops, prepared.sources);
    try {
      const meta = await send(prepared.records);
      this.history.append({ process, type: "ok", f: "send", value: withOffsets(prepared.mops, meta) });
      return meta;
    } catch (err) {
      const { type, error } = flavour.classifySend(err);
      this.history.append({ process, type, f: "send", value: prepared.mops, error });
      throw err;
    }
  }

  private recordTransaction(flavour: ClientFlavour, txn: Transaction, process: number, take: () => number, release: (process: number) => void, alive: () => void): Transaction {
    // Each send of the transaction, invoked when it was made, on a process of its own until the end.
    const sends: { process: number; mops: SendMop[]; meta: RecordMetadata[] }[] = [];
    const offsets: Record<Key, number> = {};
    let ended = false;
    const sendAll = async (records: TopicMessages[], send: (records: TopicMessages[]) => Promise<RecordMetadata[]>) => {
      alive();
      const prepared = this.prepare(records);
      // Recorded before it returns: a send that throws may still have been written, and the
      // transaction's end decides whether it counts.
      const entry = { process: take(), mops: prepared.mops, meta: [] as RecordMetadata[] };
      sends.push(entry);
      this.invoke(entry.process, prepared.mops, prepared.sources);
      entry.meta = await send(prepared.records);
      return entry.meta;
    };
    const complete = (type: "ok" | "fail" | "info", error?: string) => {
      for (const e of sends) {
        this.history.append({ process: e.process, type, f: "send", value: type === "ok" ? withOffsets(e.mops, e.meta) : e.mops, ...(error ? { error } : {}) });
        release(e.process);
      }
    };
    const end = async (how: "commit" | "abort") => {
      if (ended) return how === "commit" ? txn.commit() : txn.abort();
      ended = true;
      release(process);
      alive();
      try {
        await (how === "commit" ? txn.commit() : txn.abort());
      } catch (err) {
        complete("info", `${how}: ${flavour.describe(err)}`);
        throw err;
      }
      if (how === "abort") return complete("fail", "aborted");
      complete("ok");
      this.recordCommit(process, offsets);
    };
    const recorded: Partial<Transaction> = {
      send: (record: ProducerRecord) => sendAll([record], async ([r]) => txn.send(r)),
      sendBatch: (batch: ProducerBatch) => sendAll(batch.topicMessages ?? [], async (topicMessages) => txn.sendBatch({ ...batch, topicMessages })),
      sendOffsets: async (o: Offsets & { consumerGroupId: string }) => {
        alive();
        await txn.sendOffsets(o);
        for (const t of o.topics) for (const { partition, offset } of t.partitions) offsets[formatKey(t.topic, Number(partition))] = Number(offset);
      },
      commit: () => end("commit"),
      abort: () => end("abort"),
    };
    return overlay(txn, recorded);
  }

  /** Something that happened at once, as an invoke and its ok: a group join, a commit, a delivery. */
  private instant(process: number, f: string, invoke: unknown, ok: unknown = invoke): void {
    this.history.append({ process, type: "invoke", f, value: invoke });
    this.history.append({ process, type: "ok", f, value: ok });
  }

  /** A commit the coordinator acknowledged: the next offset to consume per key. */
  private recordCommit(process: number, committed: Record<Key, number>): void {
    if (Object.keys(committed).length) this.instant(process, "commit", committed);
  }

  /** Messages delivered to a consumer from one key: a poll op with their offsets and values. */
  private recordPoll(process: number, key: Key, pairs: [number, number][]): void {
    this.instant(process, "poll", [["poll"]], [["poll", { [key]: pairs }]]);
  }

  /** A delivered message's value (recorded in a poll op), or undefined when it carries none. */
  private deliver(key: Key, m: KafkaMessage): number | undefined {
    const value = recordValue(m);
    if (value !== undefined) this.delivered.set(value, key);
    return value;
  }

  /** The consumer, with run({ eachMessage }) or run({ eachBatch }) recorded. */
  consumer<C extends object>(client: C): C {
    const c = client as unknown as Consumer;
    const process = this.nextProcess++;
    const alive = this.lifeOf("consumer");
    const flavour = flavourOf(c);
    const events: ConsumerEvents = {
      joined: (keys) => this.instant(process, "subscribe", keys),
      committed: (offsets) => this.recordCommit(process, offsets),
    };
    flavour.watch(c, "wrap", events);
    const run = async (config?: ConsumerRunConfig): Promise<void> => {
      flavour.watch(c, "run", events);
      if (config?.eachBatch && !config.eachMessage) return c.run({ ...config, eachBatch: this.recordBatches(process, alive, config.eachBatch) });
      if (config?.eachBatch || !config?.eachMessage) {
        throw new KcError("KC_APP_UNSUPPORTED", "a recorded consumer runs either an eachMessage or an eachBatch handler", { hint: "pass run({ eachMessage }) or run({ eachBatch })" });
      }
      const handler = config.eachMessage;
      const eachMessage = async (payload: EachMessagePayload): Promise<void> => {
        alive();
        const key = formatKey(payload.topic, payload.partition);
        const value = this.deliver(key, payload.message);
        if (value === undefined) return handler(payload);
        this.recordPoll(process, key, [[Number(payload.message.offset), value]]);
        await this.source.run({ key, value }, () => handler(payload));
        alive(); // finished after the crash: its offset must not be resolved
      };
      return c.run({ ...config, eachMessage });
    };
    return overlay(client, { run });
  }

  /** An eachBatch handler recorded: the batch is one poll; each message taken from it becomes the source of the sends made after it in that async context. */
  private recordBatches(process: number, alive: () => void, handler: (payload: EachBatchPayload) => Promise<void>) {
    return async (payload: EachBatchPayload): Promise<void> => {
      alive();
      const { batch } = payload;
      const key = formatKey(batch.topic, batch.partition);
      const values = new Map<KafkaMessage, number>();
      const pairs: [number, number][] = [];
      for (const m of batch.messages) {
        const value = this.deliver(key, m);
        if (value === undefined) continue;
        values.set(m, value);
        pairs.push([Number(m.offset), value]);
      }
      if (pairs.length) this.recordPoll(process, key, pairs);
      const source = this.source;
      const messages = new Proxy(batch.messages, {
        get(target, prop, receiver) {
          const x = Reflect.get(target, prop, receiver) as unknown;
          const value = values.get(x as KafkaMessage);
          // Taking a message from the batch makes it the source here and in what this context starts from now on.
          if (value !== undefined) source.enterWith({ key, value });
          return x;
        },
      });
      const recorded: EachBatchPayload = {
        ...payload,
        batch: overlay(batch, { messages }),
        resolveOffset: (offset) => {
          alive(); // a dead process resolves nothing
          payload.resolveOffset(offset);
        },
      };
      // A scope of its own, so that what the handler enters stays inside it. Not `undefined`: run()
      // with the store it already has changes nothing, and restores nothing either.
      await this.source.run(null, () => handler(recorded));
      alive(); // finished after the crash: the batch must not be resolved
    };
  }
}
