// The recording layer for a user's own kafkajs clients: wrap the producer and consumer the
// application constructs, and each send and each delivered message becomes ops in the history.
//
//   const producer = record.producer(kafka.producer());     // send() recorded as send ops
//   const consumer = record.consumer(kafka.consumer({ groupId }));
//   await consumer.run({ eachMessage: async ({ message }) => { ... await producer.send(...) } });
//
// - Each wrapped consumer is a history process of its own; a wrapped producer is one process per
//   send in flight (a process has at most one op in flight: concurrent sends take more).
// - A send: `invoke` with one micro-op per message, then `ok` with the offsets the broker gave,
//   or `fail`/`info` sorted by the kafkajs error table (clients/kafkajs/errors.ts). The partition
//   is chosen here (the message's own, else Kafka's default partitioner over its key, as the
//   Java client and kafkajs 2 do) and pinned on the message, so the op names the real key.
// - Values: every record sent gets a `kc-value` header, an integer unique in the run (replacing
//   one it carries, e.g. forwarded from its input); the history follows those, so the payload
//   stays the application's own.
// - A delivered message (eachMessage) is a poll op; the handler runs with that message as its
//   source, and every send made while it runs, awaited or not, records it (`from`): that is how
//   the checkers tie outputs to inputs (checkers/application.ts).
// - A group join is a `subscribe` op with the partitions assigned.
// - crash() is what kill -9 does to the application's process: the clients wrapped so far go
//   dead at once. Their sends throw before they reach the network (and are not recorded: a dead
//   process sends nothing), and their message handlers throw instead of running or finishing,
//   so kafkajs resolves no further offset for them. Work in flight is gone; clients wrapped after
//   the crash (the application started again) are alive.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Consumer, ConsumerRunConfig, EachMessagePayload, IHeaders, Message, Producer, ProducerRecord, RecordMetadata } from "kafkajs";
import { Partitioners } from "kafkajs";
import { classifySendError } from "../../clients/kafkajs/errors.ts";
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

export class Recorder {
  private readonly source = new AsyncLocalStorage<Source>();
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
   * The producer, with send() recorded. Other methods pass through (transactions and sendBatch are not recorded: they throw). */
  producer<P extends Producer>(p: P): P {
    const free: number[] = [];
    const alive = this.lifeOf("producer");
    const send = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      alive();
      const process = free.pop() ?? this.nextProcess++;
      try {
        return await this.recordSend(p, process, record);
      } finally {
        free.push(process);
      }
    };
    const unsupported = (what: string) => () => {
      throw new KcError("KC_APP_UNSUPPORTED", `${what} is not recorded yet`, { hint: "send one record list at a time with producer.send()" });
    };
    return new Proxy(p, {
      get: (target, prop, receiver) => {
        if (prop === "send") return send;
        if (prop === "sendBatch") return unsupported("producer.sendBatch()");
        if (prop === "transaction") return unsupported("producer.transaction()");
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  }

  private async recordSend(p: Producer, process: number, record: ProducerRecord): Promise<RecordMetadata[]> {
      const src = this.source.getStore();
      const mops: ["send", Key, number][] = [];
      const messages = record.messages.map((m) => {
        const partition = this.partitionOf(record.topic, m);
        // Always a fresh one: a service that forwards its input's headers would otherwise give a
        // reprocessed input's two outputs one value, and the history would call that a Kafka duplicate.
        const value = this.value();
        mops.push(["send", formatKey(record.topic, partition), value]);
        return { ...m, partition, headers: { ...m.headers, [VALUE_HEADER]: String(value) } };
      });
      const from = src ? mops.map(() => [src.key, src.value]) : undefined;
      this.history.append({ process, type: "invoke", f: "send", value: mops, ...(from ? { from } : {}) });
      try {
        const meta = await p.send({ ...record, messages });
        // Offsets: each partition's base offset, then one up per message of that partition, in order.
        const next = new Map(meta.map((r) => [r.partition, Number(r.baseOffset ?? -1)]));
        const done = mops.map(([, key, value]) => {
          const partition = Number(key.slice(key.lastIndexOf("/") + 1));
          const offset = next.get(partition);
          if (offset === undefined || offset < 0) return ["send", key, value];
          next.set(partition, offset + 1);
          return ["send", key, [offset, value]];
        });
        this.history.append({ process, type: "ok", f: "send", value: done });
        return meta;
      } catch (err) {
        const { type, error } = classifySendError(err);
        this.history.append({ process, type, f: "send", value: mops, error });
        throw err;
      }
  }

  /** The consumer, with run({ eachMessage }) recorded. eachBatch is not recorded yet (it throws). */
  consumer<C extends Consumer>(c: C): C {
    const process = this.nextProcess++;
    const alive = this.lifeOf("consumer");
    c.on(c.events.GROUP_JOIN, (e) => {
      const assigned = e.payload.memberAssignment as Record<string, number[]>;
      const keys = Object.entries(assigned).flatMap(([topic, ps]) => ps.map((p) => formatKey(topic, p)));
      this.history.append({ process, type: "invoke", f: "subscribe", value: keys });
      this.history.append({ process, type: "ok", f: "subscribe", value: keys });
    });
    const run = async (config?: ConsumerRunConfig): Promise<void> => {
      if (config?.eachBatch || !config?.eachMessage) {
        throw new KcError("KC_APP_UNSUPPORTED", "a recorded consumer runs eachMessage handlers only (eachBatch is not recorded yet)", { hint: "pass run({ eachMessage })" });
      }
      const handler = config.eachMessage;
      const eachMessage = async (payload: EachMessagePayload): Promise<void> => {
        alive();
        const key = formatKey(payload.topic, payload.partition);
        const value = recordValue(payload.message);
        if (value === undefined) return handler(payload);
        const offset = Number(payload.message.offset);
        this.history.append({ process, type: "invoke", f: "poll", value: [["poll"]] });
        this.history.append({ process, type: "ok", f: "poll", value: [["poll", { [key]: [[offset, value]] }]] });
        await this.source.run({ key, value }, () => handler(payload));
        alive(); // finished after the crash: its offset must not be resolved
      };
      return c.run({ ...config, eachMessage });
    };
    return new Proxy(c, {
      get: (target, prop, receiver) => (prop === "run" ? run : (Reflect.get(target, prop, receiver) as unknown)),
    });
  }
}
