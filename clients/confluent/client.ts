// The confluent adapter: one client process = one librdkafka producer (made on the first send;
// @confluentinc/kafka-javascript's native API, not its KafkaJS layer) and one librdkafka consumer
// (made by the first assign/subscribe, ./consumer.ts). Sends complete from delivery reports, so
// an ok send knows its offset; failed ones are classified with ./errors.ts.
import type { DeliveryReport, LibrdKafkaError, Producer } from "@confluentinc/kafka-javascript";
import type { ConsumerSettings, ProducerSettings } from "../settings.ts";
import { parseKey, type Key, type Mop } from "../../core/history/op.ts";
import { component } from "../../core/log.ts";
import { type ClientFactory, type Completion, type Invocation, type Polled } from "../types.ts";
import { topicsOf, type KeySpace } from "../keys.ts";
import { RdConsumer, type RdKafka } from "./consumer.ts";
import { SharedSlot, SharedSlots } from "../sharing.ts";
import { AdapterClient, singleAttempt, type SendMop } from "../adapter.ts";
import { clientIdOf, groupIdOf, producerClientIdOf, transactionalIdOf } from "../names.ts";
import { classifySendError, describeRdError, NotSent, type RdErrorLike } from "./errors.ts";
import { registerCodeNames } from "./errors.ts";

export interface ConfluentSettings {
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

/** Producer timeouts derived from the config's request timeout (ms). */
export function producerTimeouts(requestTimeoutMs: number): { socket: number; message: number; transaction: number } {
  // The broker's own produce timeout (request.timeout.ms) should normally answer first.
  const socket = requestTimeoutMs + 2000;
  // The whole budget of a message, retries included: room for about two attempts that time out.
  const message = Math.max(2 * requestTimeoutMs, socket);
  // librdkafka wants message.timeout.ms <= transaction.timeout.ms >= socket.timeout.ms - 100.
  return { socket, message, transaction: Math.max(15_000, message, socket) };
}

/** Opens confluent (librdkafka) clients for processes. */
export function confluentClients(s: ConfluentSettings, rdkafka: RdKafka): ClientFactory {
  registerCodeNames(rdkafka.CODES.ERRORS as unknown as Record<string, number>);
  const producers = new SharedSlots<Producer>(s.concurrency, s.txn ? 1 : (s.processesPerClient ?? 1));
  return { open: async (process) => new ConfluentClient(s, process, rdkafka, producers) };
}

/** A record's opaque: its delivery report settles it, whichever process (of a shared producer) sent it. */
interface Outstanding {
  settle: Report;
}

type Report = (err: LibrdKafkaError | null, report: DeliveryReport) => void;

/** Calls a callback-style librdkafka method as a promise. */
const call = (f: (cb: (err: LibrdKafkaError | null | undefined) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => f((err) => (err ? reject(err) : resolve())));

/** Resolves when `p` settles or after `ms`, whichever is first. */
async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export type { RdKafka } from "./consumer.ts";

export class ConfluentClient extends AdapterClient<Producer> {
  readonly process: number;
  private readonly s: ConfluentSettings;
  private readonly timeouts: ReturnType<typeof producerTimeouts>;
  protected readonly producer: SharedSlot<Producer>;
  protected readonly transactional: boolean;
  private consumer: RdConsumer | undefined;
  /** Set when a rewind after an abort failed: the consumer is past records no op consumed. */
  private positionLost: string | undefined;
  /** Records this process sent whose delivery report has not come (settled on close). */
  private readonly pending = new Set<Outstanding>();
  private readonly log = component("confluent");

  private readonly rdkafka: RdKafka;

  constructor(s: ConfluentSettings, process: number, rdkafka: RdKafka, producers: SharedSlots<Producer>) {
    super();
    this.s = s;
    this.transactional = s.txn;
    this.process = process;
    this.rdkafka = rdkafka;
    const clientId = producerClientIdOf(s, process);
    this.producer = producers.forProcess(process, () => this.makeProducer(clientId), (p) => this.disconnect(p));
    this.timeouts = producerTimeouts(s.producer.requestTimeoutMs);
  }

  // --- producing ------------------------------------------------------------------------------

  private async makeProducer(clientId: string): Promise<Producer> {
    const p = this.s.producer;
    const idempotent = this.s.txn || p.idempotent;
    const t = this.timeouts;
    const conf: Record<string, unknown> = {
      "bootstrap.servers": this.s.bootstrap.join(","),
      "client.id": clientId,
      acks: this.s.txn || p.acks === "all" ? -1 : Number(p.acks),
      "enable.idempotence": idempotent,
      // librdkafka refuses an idempotent producer without retries.
      retries: idempotent ? Math.max(1, p.retries) : p.retries,
      "max.in.flight.requests.per.connection": this.s.txn ? 1 : p.maxInFlight,
      "request.timeout.ms": p.requestTimeoutMs,
      "socket.timeout.ms": t.socket,
      "message.timeout.ms": t.message,
      "socket.connection.setup.timeout.ms": 3000,
      dr_cb: true,
    };
    if (this.s.txn) {
      // One per worker slot: a new process fences its predecessor's zombie transactions.
      conf["transactional.id"] = transactionalIdOf(this.s, this.process);
      conf["transaction.timeout.ms"] = t.transaction;
    }
    const producer = new this.rdkafka.Producer(conf as ConstructorParameters<RdKafka["Producer"]>[0], {});
    producer.on("delivery-report", (err, report) => (report?.opaque as Outstanding | undefined)?.settle(err, report));
    producer.on("event.error", (err) => this.log.debug({ process: this.process, err: describeRdError(err) }, "producer error"));
    try {
      await call((cb) => producer.connect({ timeout: 10_000 }, cb));
    } catch (e) {
      await this.disconnect(producer);
      throw new NotSent(`producer could not connect: ${describeRdError(e)}`, { cause: e });
    }
    producer.setPollInBackground(true);
    if (this.s.txn) {
      try {
        await call((cb) => producer.initTransactions(t.transaction, cb));
      } catch (e) {
        await this.disconnect(producer);
        throw e;
      }
    }
    if (this.closed) {
      await this.disconnect(producer);
      throw new Error("client closed while its producer was starting");
    }
    return producer;
  }

  /** Produces one record and waits for its delivery report. */
  protected produceOne(producer: Producer, [, key, value]: SendMop): Promise<Mop> {
    const { topic, partition } = parseKey(key);
    return new Promise<Mop>((resolve, reject) => {
      const record: Outstanding = {
        settle: (err, report) => {
          if (!this.pending.delete(record)) return; // settled already (the client closed)
          if (err) reject(err);
          else resolve(report.offset >= 0 ? ["send", key, [report.offset, value]] : ["send", key, value]);
        },
      };
      this.pending.add(record);
      try {
        producer.produce(topic, partition, Buffer.from(String(value)), null, null, record);
      } catch (e) {
        this.pending.delete(record);
        reject(new NotSent(`produce refused the record: ${describeRdError(e)}`, { cause: e }));
      }
    });
  }

  /**
   * txn: begin; the micro-ops in order (a poll takes from the consumer, a send waits for its
   * delivery report); the polled positions committed to the consumer's group inside the
   * transaction (sendOffsetsToTransaction); then commit, or abort when the invocation says
   * `abort`. A transaction aborted successfully is `fail`: read_committed consumers never see it.
   */
  protected transaction(inv: Invocation): Promise<Completion> {
    return this.runTransaction<Producer>(inv, {
      begin: async () => {
        try {
          const producer = await this.producer.get();
          await call((cb) => producer.beginTransaction(cb));
          return producer;
        } catch (e) {
          this.dropFatalProducer(e);
          throw e;
        }
      },
      poll: () => this.requireConsumer().poll(),
      produce: (producer, m) => this.produceOne(producer, m),
      offsets: async (producer, next) => {
        const offsets = [...next].map(([key, offset]) => ({ ...parseKey(key), offset }));
        await call((cb) => producer.sendOffsetsToTransaction(offsets, this.requireConsumer().consumer, this.timeouts.transaction, cb));
      },
      abort: (producer, polled, why, value) => this.abort(producer, polled, why, value),
      commit: (producer, polled, done) => this.commit(producer, polled, done),
      describe: describeRdError,
    });
  }

  /**
   * commitTransaction. Retriable errors: commit again (librdkafka's contract) while time is left.
   * An abortable error (the commit never reached the coordinator, e.g. a delivery failed): abort,
   * and a successful abort makes the transaction `fail`. Anything else is `info`.
   */
  private async commit(producer: Producer, polled: Polled | undefined, done: Mop[]): Promise<Completion> {
    const deadline = performance.now() + this.timeouts.transaction;
    while (true) {
      try {
        await call((cb) => producer.commitTransaction(this.timeouts.transaction, cb));
        return { type: "ok", value: done };
      } catch (e) {
        const err = e as RdErrorLike;
        if (err.isTxnRequiresAbort) return this.abort(producer, polled, `commit: ${describeRdError(e)}`, done);
        if (err.isRetriable && !err.isFatal && performance.now() < deadline) continue;
        this.dropFatalProducer(e);
        return { type: "info", value: done, error: `commit: ${describeRdError(e)}` };
      }
    }
  }

  private async abort(producer: Producer, polled: Polled | undefined, why: string, value: Mop[]): Promise<Completion> {
    try {
      await call((cb) => producer.abortTransaction(this.timeouts.transaction, cb));
    } catch (e) {
      this.dropFatalProducer(e);
      return { type: "info", value, error: `${why}; abort failed: ${describeRdError(e)}` };
    }
    // The aborted transaction's reads did not happen either: rewind, so the next poll reads them.
    const consumer = this.consumer;
    if (polled?.from.size && consumer) {
      try {
        await consumer.seek(polled.from);
      } catch (e) {
        // In subscribe mode the partition may have moved: its new owner starts at the committed
        // offsets, which the aborted transaction did not change. In assign mode this process's
        // position is now past records nobody consumed: its next poll ends it.
        if (consumer.mode === "assign") this.positionLost = `rewind after abort failed: ${describeRdError(e)}`;
        this.log.debug({ process: this.process, err: describeRdError(e) }, "rewind after abort failed");
      }
    }
    return { type: "fail", value, error: why };
  }

  protected classifySend(e: unknown): { type: "fail" | "info"; error: string } {
    return classifySendError(e, { singleAttempt: singleAttempt(this.s) });
  }

  /** A producer with a fatal error is unusable: the next op makes a new one (which fences it). */
  private dropFatalProducer(err: unknown): void {
    if ((err as RdErrorLike | undefined)?.isFatal) void this.producer.reset();
  }

  // --- consuming ------------------------------------------------------------------------------

  private requireConsumer(): RdConsumer {
    if (!this.consumer) throw new NotSent("no consumer: this process has had no successful assign or subscribe");
    return this.consumer;
  }

  /**
   * A poll that took no records changed nothing, so its errors are `fail` — except a consumer
   * with a fatal error, or one whose position is lost: this process must end (`info`) and the
   * next one starts over with a fresh consumer.
   */
  protected async poll(inv: Invocation): Promise<Completion> {
    const consumer = this.consumer;
    if (!consumer) return { type: "fail", value: inv.value, error: "NotSent: poll before any assign or subscribe" };
    if (this.positionLost) return { type: "info", value: inv.value, error: this.positionLost };
    let polled: Polled;
    try {
      polled = await consumer.poll();
    } catch (e) {
      return { type: consumer.fatal ? "info" : "fail", value: inv.value, error: `consumer: ${describeRdError(e)}` };
    }
    const c: Completion = { type: "ok", value: [["poll", polled.records]], ...this.rebalanceLog.take() };
    if (consumer.commitError) {
      c["commit-error"] = consumer.commitError;
      consumer.commitError = undefined;
    }
    // Records once taken are consumed: whatever the commit does, the read happened.
    if (consumer.mode === "subscribe" && !this.s.consumer.autoCommit) {
      try {
        consumer.commit(polled.next);
      } catch (e) {
        c["commit-error"] = describeRdError(e);
      }
    }
    return c;
  }

  /**
   * assign: one consumer per process, outside any group's management, re-assigned with explicit
   * start offsets (kept keys resume where they were). subscribe: a new member of the shared group,
   * subscribed to the keys' topics. Errors are `info`: the consumer's state is then unknown, and
   * a new process starts clean.
   */
  protected async resubscribe(inv: Invocation): Promise<Completion> {
    const keys = inv.value as Key[];
    const mode = inv.f as "assign" | "subscribe";
    try {
      let consumer = this.consumer;
      if (mode === "subscribe" || !consumer || consumer.mode !== "assign" || consumer.fatal || this.positionLost) {
        this.consumer = undefined;
        await consumer?.close();
        const c = this.s.consumer;
        // Held before it starts, so that close() stops a start that hangs.
        this.consumer = consumer = new RdConsumer({
          rdkafka: this.rdkafka,
          bootstrap: this.s.bootstrap,
          clientId: clientIdOf(this.s, this.process),
          groupId: groupIdOf(this.s, mode, this.process),
          mode,
          readCommitted: c.isolation === "read_committed",
          autoCommit: c.autoCommit,
          pollMs: c.pollMs,
          onAssign: mode === "subscribe" ? (assigned) => this.rebalanceLog.add(assigned) : undefined,
        });
        this.positionLost = undefined;
        await consumer.start(mode === "subscribe" ? topicsOf(keys) : []);
      }
      if (mode === "assign") consumer.assign(keys, inv["seek-to-beginning"] === true);
      return { type: "ok", value: keys };
    } catch (e) {
      const c = this.consumer;
      this.consumer = undefined;
      void c?.close();
      return { type: "info", value: keys, error: describeRdError(e) };
    }
  }

  // --- teardown -------------------------------------------------------------------------------

  /** Tears a producer down without flushing (a crash, or a process that ended). */
  private async disconnect(p: Producer): Promise<void> {
    if (!p.isConnected()) return;
    await atMost(call((cb) => p.disconnect(0, cb)), 10_000);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new Error("client closed with the record outstanding");
    for (const record of [...this.pending]) record.settle(gone as unknown as LibrdKafkaError, {} as DeliveryReport);
    await Promise.allSettled([this.consumer?.close(), this.producer.leave()]);
  }
}
