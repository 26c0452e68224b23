// A librdkafka consumer (@confluentinc/kafka-javascript, native API) driven the way the workload
// needs it: a real poll (`consume`), a real `assign()` with explicit start offsets and a real
// `seek`, and in subscribe mode the group's rebalance callback.
//
// poll: `consume(n)` with a zero timeout takes what librdkafka has already fetched; when that is
// nothing, the poll waits for librdkafka's queue-non-empty callback (or 50 ms) and tries again,
// until its time is up. So no libuv worker thread is held for the length of a poll (they are
// shared by every client of the process), and the position advances only as polls consume.
import type { KafkaConsumer, LibrdKafkaError, Message, TopicPartition, TopicPartitionOffset } from "@confluentinc/kafka-javascript";
import { formatKey, parseKey, type Key } from "../../core/history/op.ts";
import { component } from "../../core/log.ts";
import { GROUP_TIMING } from "../kafkajs/polling-consumer.ts";
import { emptyPolled, type Polled } from "../types.ts";
import { describeRdError, RD_CODES } from "./errors.ts";

/** librdkafka's logical offset "the beginning of the partition". */
const OFFSET_BEGINNING = -2;
/** Most records one consume call returns. */
const MAX_BATCH = 1000;
/** How long a poll waits between tries when the queue-non-empty callback stays silent. */
const RETRY_MS = 50;
/** Most time close() waits for librdkafka to leave the group and tear down. */
const CLOSE_MS = 10_000;

/** The exports of a @confluentinc/kafka-javascript release (bundled, or from the cache: ../library.ts). */
export type RdKafka = typeof import("@confluentinc/kafka-javascript");

export interface RdConsumerOptions {
  rdkafka: RdKafka;
  bootstrap: string[];
  clientId: string;
  groupId: string;
  mode: "assign" | "subscribe";
  readCommitted: boolean;
  autoCommit: boolean;
  pollMs: number;
  /** Subscribe mode: called with the keys assigned to this member at every rebalance. */
  onAssign?: (keys: Key[]) => void;
}

export class RdConsumer {
  readonly groupId: string;
  readonly mode: "assign" | "subscribe";
  readonly consumer: KafkaConsumer;
  /** A fatal librdkafka error: the consumer is unusable and its process must end. */
  fatal: LibrdKafkaError | undefined;
  /** Subscribe mode: the last asynchronous commit's error, reported by the next poll. */
  commitError: string | undefined;
  private readonly o: RdConsumerOptions;
  /** assign mode: the position of every key read or sought so far (next offset to read). */
  private readonly positions = new Map<Key, number>();
  private signalled = false;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly log = component("consumer");

  constructor(o: RdConsumerOptions) {
    this.o = o;
    this.groupId = o.groupId;
    this.mode = o.mode;
    const conf: Record<string, unknown> = {
      "bootstrap.servers": o.bootstrap.join(","),
      "client.id": o.clientId,
      "group.id": o.groupId,
      "isolation.level": o.readCommitted ? "read_committed" : "read_uncommitted",
      "enable.auto.commit": o.autoCommit,
      "auto.offset.reset": "earliest",
      "allow.auto.create.topics": false,
      "session.timeout.ms": GROUP_TIMING.sessionTimeout,
      "heartbeat.interval.ms": GROUP_TIMING.heartbeatInterval,
      // librdkafka's JoinGroup rebalance timeout is max.poll.interval.ms.
      "max.poll.interval.ms": GROUP_TIMING.rebalanceTimeout,
      "fetch.wait.max.ms": Math.max(50, Math.min(500, o.pollMs)),
      "socket.connection.setup.timeout.ms": 3000,
      // Internal to the binding (its KafkaJS layer uses it too): called when the queue gets data.
      queue_non_empty_cb: () => this.signal(),
    };
    // KC_RDKAFKA_DEBUG=consumer,fetch,...: librdkafka's own debug contexts, into harness.log (debug).
    if (process.env.KC_RDKAFKA_DEBUG) Object.assign(conf, { debug: process.env.KC_RDKAFKA_DEBUG, event_cb: true });
    if (o.mode === "subscribe") {
      conf.rebalance_cb = (err: LibrdKafkaError, assignment: TopicPartition[]) => this.onRebalance(err, assignment);
      conf.offset_commit_cb = true;
    }
    this.consumer = new o.rdkafka.KafkaConsumer(conf as ConstructorParameters<RdKafka["KafkaConsumer"]>[0], {});
    this.consumer.on("event.error", (err) => {
      if (err.isFatal) this.fatal ??= err;
      this.log.debug({ group: o.groupId, err: describeRdError(err) }, "consumer error");
    });
    this.consumer.on("event.log", (l: { fac?: string; message?: string }) => this.log.debug({ client: o.clientId, fac: l.fac }, l.message ?? ""));
    this.consumer.on("offset.commit", (err) => {
      if (err) this.commitError = describeRdError(err);
    });
  }

  /** Connects; in subscribe mode also subscribes (the group is joined as polls serve it). */
  async start(topics: string[]): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
      if (this.closed) {
        await this.disconnect();
        throw new Error("consumer closed while starting");
      }
      this.consumer.setDefaultConsumeTimeout(0);
      if (this.mode === "subscribe") this.consumer.subscribe(topics);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /**
   * assign mode: from now on, consume exactly these keys. A key read or sought before in this
   * process resumes at its position; any other key (and every key with `fromBeginning`) starts
   * at the beginning.
   */
  assign(keys: Key[], fromBeginning: boolean): void {
    if (fromBeginning) for (const k of keys) this.positions.delete(k);
    this.consumer.assign(
      keys.map((k) => {
        const { topic, partition } = parseKey(k);
        return { topic, partition, offset: this.positions.get(k) ?? OFFSET_BEGINNING };
      }),
    );
  }

  /** Moves the positions of assigned keys: the next poll reads them from these offsets. */
  async seek(positions: Map<Key, number>): Promise<void> {
    await Promise.all(
      [...positions].map(([key, offset]) => {
        const { topic, partition } = parseKey(key);
        return new Promise<void>((resolve, reject) =>
          this.consumer.seek({ topic, partition, offset }, 5000, (err) => {
            if (err) return reject(err);
            if (this.mode === "assign") this.positions.set(key, offset);
            resolve();
          }),
        );
      }),
    );
  }

  /**
   * One poll: waits up to `ms` for records and returns what it took (records it took are
   * consumed). A consume error with no records throws.
   */
  async poll(ms: number = this.o.pollMs): Promise<Polled> {
    const deadline = performance.now() + ms;
    while (true) {
      if (this.fatal) throw this.fatal;
      if (this.closed) throw new Error("consumer is closed");
      this.signalled = false;
      const messages = await new Promise<Message[]>((resolve, reject) =>
        this.consumer.consume(MAX_BATCH, (err, msgs) => (err ? reject(err) : resolve(msgs ?? []))),
      );
      if (messages.length) return this.take(messages);
      const left = deadline - performance.now();
      if (left <= 0) return emptyPolled();
      await this.waitForData(Math.min(left, RETRY_MS));
    }
  }

  private take(messages: Message[]): Polled {
    const out = emptyPolled();
    for (const m of messages) {
      const key = formatKey(m.topic, m.partition);
      const value = Number(m.value?.toString());
      if (this.mode === "assign") this.positions.set(key, m.offset + 1);
      if (!Number.isSafeInteger(value)) {
        this.log.warn({ key, offset: m.offset }, "record whose value is not an integer: not written by this workload; left out");
        continue;
      }
      (out.records[key] ??= []).push([m.offset, value]);
      if (!out.from.has(key)) out.from.set(key, m.offset);
      out.next.set(key, m.offset + 1);
    }
    return out;
  }

  private signal(): void {
    this.signalled = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForData(ms: number): Promise<void> {
    if (this.signalled || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /**
   * Subscribe mode, after a poll without auto-commit: commits these positions to the group. The
   * binding's only synchronous commit blocks the JavaScript thread (every client and the nemesis)
   * for as long as the coordinator takes, so this commit is asynchronous, like commitAsync; a
   * failure shows as `commitError` at the next poll.
   */
  commit(next: Map<Key, number>): void {
    if (!next.size) return;
    const offsets: TopicPartitionOffset[] = [...next].map(([key, offset]) => ({ ...parseKey(key), offset }));
    this.consumer.commit(offsets);
  }

  /** The eager protocol: assign what was assigned, unassign on revocation. */
  private onRebalance(err: LibrdKafkaError, assignment: TopicPartition[]): void {
    try {
      if (err?.code === RD_CODES.ERR__ASSIGN_PARTITIONS) {
        this.consumer.assign(assignment);
        this.o.onAssign?.(assignment.map((tp) => formatKey(tp.topic, tp.partition)).sort());
      } else {
        this.consumer.unassign();
      }
    } catch (e) {
      // Only when the consumer is already closing.
      this.log.debug({ group: this.groupId, err: describeRdError(e) }, "rebalance on a closing consumer");
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal();
    await this.disconnect();
  }

  /** Leaves the group and tears the client down (start() calls it when closed while connecting). */
  private async disconnect(): Promise<void> {
    if (!this.consumer.isConnected()) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.consumer.disconnect(() => resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_MS))),
    ]);
    clearTimeout(timer);
  }
}
