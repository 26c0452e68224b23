// The Java client adapter (`--client java[@version]`): the reference client, the one Jepsen's and
// Kafka's own system tests use. Each process's producer and consumer live in one sidecar JVM per
// run (./sidecar.ts, ./Sidecar.java) running the official kafka-clients jar at the chosen
// version. Sends, transactions (with sendOffsetsToTransaction), real assign/seek and subscribe
// with a rebalance listener; errors sorted by exception class (./errors.ts).
import { parseKey, type Key, type Mop, type OffsetValue } from "../../core/history/op.ts";
import type { ConfluentSettings } from "../confluent/client.ts";
import { topicsOf } from "../keys.ts";
import { SharedSlot, SharedSlots } from "../sharing.ts";
import { AdapterClient, singleAttempt, type SendMop } from "../adapter.ts";
import { SharedProcess } from "../line-rpc.ts";
import { clientIdOf, groupIdOf, producerClientIdOf, transactionalIdOf } from "../names.ts";
import { emptyPolled, type ClientFactory, type Completion, type Invocation, type Polled } from "../types.ts";
import { GROUP_TIMING } from "../kafkajs/polling-consumer.ts";
import { AdapterPrecondition, classifySendError, describeJavaError } from "./errors.ts";
import { Sidecar } from "./sidecar.ts";

export interface JavaLibrary {
  classpath: string;
  version: string;
  /** Sidecar.class compiled ahead, where no JDK compiler is at hand (the clients image). */
  sidecarClasses?: string;
}

const tp = (key: Key) => {
  const { topic, partition } = parseKey(key);
  return [topic, partition] as const;
};

/**
 * Opens Java clients for processes. The sidecar starts with the first client and stops a few
 * seconds after the last one closed (the next open starts a new one).
 */
export function javaClients(s: ConfluentSettings, lib: JavaLibrary): ClientFactory {
  const producers = new SharedSlots<number>(s.concurrency, s.txn ? 1 : (s.processesPerClient ?? 1));
  const sidecar = new SharedProcess({ make: () => new Sidecar(lib.classpath, lib.sidecarClasses), ready: (side) => side.version, idleMs: 5000 });
  return {
    open: async (process) => new JavaClient(s, process, await sidecar.acquire(), producers, () => sidecar.release()),
  };
}

export class JavaClient extends AdapterClient<number> {
  readonly process: number;
  private readonly s: ConfluentSettings;
  private readonly side: Sidecar;
  protected readonly producer: SharedSlot<number>;
  protected readonly transactional: boolean;
  private consumer: { id: number; mode: "assign" | "subscribe"; groupId: string } | undefined;
  private readonly onClose: () => void;

  constructor(s: ConfluentSettings, process: number, side: Sidecar, producers: SharedSlots<number>, onClose: () => void) {
    super();
    this.s = s;
    this.transactional = s.txn;
    this.process = process;
    this.side = side;
    this.onClose = onClose;
    const clientId = producerClientIdOf(s, process);
    this.producer = producers.forProcess(process, () => this.makeProducer(clientId), async (p) => void (await side.call("producer.close", { p })));
  }

  // --- producing ------------------------------------------------------------------------------

  private async makeProducer(clientId: string): Promise<number> {
    const p = this.s.producer;
    const idempotent = this.s.txn || p.idempotent;
    const rt = p.requestTimeoutMs;
    const conf: Record<string, unknown> = {
      "bootstrap.servers": this.s.bootstrap.join(","),
      "client.id": clientId,
      acks: this.s.txn ? "all" : p.acks,
      "enable.idempotence": idempotent,
      retries: idempotent ? Math.max(1, p.retries) : p.retries,
      "max.in.flight.requests.per.connection": this.s.txn ? 1 : p.maxInFlight,
      "request.timeout.ms": rt,
      // The whole budget of a record, retries included: room for about two attempts that time out.
      "delivery.timeout.ms": 2 * rt,
      "max.block.ms": rt,
      "linger.ms": 0,
      "retry.backoff.ms": 100,
      "reconnect.backoff.max.ms": 1000,
      "socket.connection.setup.timeout.ms": 3000,
      "socket.connection.setup.timeout.max.ms": 3000,
    };
    if (this.s.txn) {
      // One per worker slot: a new process fences its predecessor's zombie transactions.
      conf["transactional.id"] = transactionalIdOf(this.s, this.process);
      conf["transaction.timeout.ms"] = Math.max(15_000, 2 * rt);
    }
    try {
      const r = await this.side.call("producer.new", { conf, transactional: this.s.txn });
      return Number(r.p);
    } catch (e) {
      throw new AdapterPrecondition(`producer could not start: ${describeJavaError(e)}`);
    }
  }

  protected classifySend(e: unknown): { type: "fail" | "info"; error: string } {
    return classifySendError(e, { singleAttempt: singleAttempt(this.s) });
  }

  protected async produceOne(p: number, [, key, value]: SendMop): Promise<Mop> {
    const [topic, partition] = tp(key);
    const r = await this.side.call("send", { p, topic, partition, value: String(value) });
    const offset = Number(r.offset);
    return offset >= 0 ? ["send", key, [offset, value] as OffsetValue] : ["send", key, value];
  }

  /**
   * txn: begin; the micro-ops in order (a poll takes from the consumer); the polled positions
   * committed to the consumer's group inside the transaction (sendOffsetsToTransaction with the
   * consumer's group metadata); then commit, or abort when the invocation says `abort`.
   */
  protected transaction(inv: Invocation): Promise<Completion> {
    return this.runTransaction<number>(inv, {
      begin: async () => {
        try {
          const p = await this.producer.get();
          await this.side.call("txn.begin", { p });
          return p;
        } catch (e) {
          // A fenced or broken producer is replaced.
          await this.producer.reset();
          throw e;
        }
      },
      poll: () => this.pollOnce(),
      produce: (p, m) => this.produceOne(p, m),
      offsets: async (p, next) => {
        await this.side.call("txn.offsets", { p, c: this.requireConsumer().id, offsets: [...next].map(([key, o]) => [...tp(key), o]) });
      },
      abort: (p, polled, why, value) => this.abort(p, polled, why, value),
      commit: async (p, _polled, done) => {
        try {
          await this.side.call("txn.commit", { p });
          return { type: "ok", value: done };
        } catch (e) {
          await this.producer.reset();
          return { type: "info", value: done, error: `commit: ${describeJavaError(e)}` };
        }
      },
      describe: describeJavaError,
    });
  }

  private async abort(p: number, polled: Polled | undefined, why: string, value: Mop[]): Promise<Completion> {
    try {
      await this.side.call("txn.abort", { p });
    } catch (e) {
      await this.producer.reset();
      return { type: "info", value, error: `${why}; abort failed: ${describeJavaError(e)}` };
    }
    // The aborted transaction's reads did not happen either: rewind, so the next poll reads them.
    if (polled?.from.size && this.consumer) {
      try {
        await this.side.call("consumer.seek", { c: this.consumer.id, positions: [...polled.from].map(([key, o]) => [...tp(key), o]) });
      } catch (e) {
        // The position is past records nobody consumed: this process must end.
        return { type: "info", value, error: `${why}; rewind failed: ${describeJavaError(e)}` };
      }
    }
    return { type: "fail", value, error: why };
  }

  // --- consuming ------------------------------------------------------------------------------

  private requireConsumer(): NonNullable<JavaClient["consumer"]> {
    if (!this.consumer) throw new AdapterPrecondition("no consumer: this process has had no successful assign or subscribe");
    return this.consumer;
  }

  private async pollOnce(): Promise<Polled> {
    const c = this.requireConsumer();
    const r = await this.side.call("consumer.poll", { c: c.id, ms: this.s.consumer.pollMs });
    for (const keys of (r.rebalances as Key[][]) ?? []) this.rebalanceLog.add([...keys].sort());
    const polled = emptyPolled();
    for (const [topic, partition, offset, value] of r.records as [string, number, number, string][]) {
      const key = `${topic}/${partition}`;
      (polled.records[key] ??= []).push([offset, Number(value)]);
      if (!polled.from.has(key)) polled.from.set(key, offset);
      polled.next.set(key, offset + 1);
    }
    return polled;
  }

  /** A poll that took no records changed nothing, so its errors are `fail`. */
  protected async poll(inv: Invocation): Promise<Completion> {
    if (!this.consumer) return { type: "fail", value: inv.value, error: "AdapterPrecondition: poll before any assign or subscribe" };
    let polled: Polled;
    try {
      polled = await this.pollOnce();
    } catch (e) {
      return { type: "fail", value: inv.value, error: `consumer: ${describeJavaError(e)}` };
    }
    const c: Completion = { type: "ok", value: [["poll", polled.records]], ...this.rebalanceLog.take() };
    // Records once taken are consumed: whatever the commit does, the read happened.
    if (this.consumer.mode === "subscribe" && !this.s.consumer.autoCommit && polled.next.size) {
      try {
        await this.side.call("consumer.commit", { c: this.consumer.id, offsets: [...polled.next].map(([key, o]) => [...tp(key), o]) });
      } catch (e) {
        c["commit-error"] = describeJavaError(e);
      }
    }
    return c;
  }

  private async newConsumer(mode: "assign" | "subscribe"): Promise<NonNullable<JavaClient["consumer"]>> {
    const c = this.s.consumer;
    const groupId = groupIdOf(this.s, mode, this.process);
    const conf = {
      "bootstrap.servers": this.s.bootstrap.join(","),
      "client.id": clientIdOf(this.s, this.process),
      "group.id": groupId,
      "isolation.level": c.isolation,
      "enable.auto.commit": c.autoCommit,
      "auto.offset.reset": "earliest",
      "allow.auto.create.topics": false,
      "session.timeout.ms": GROUP_TIMING.sessionTimeout,
      "heartbeat.interval.ms": GROUP_TIMING.heartbeatInterval,
      "max.poll.interval.ms": GROUP_TIMING.rebalanceTimeout,
      "fetch.max.wait.ms": Math.max(50, Math.min(500, c.pollMs)),
      "default.api.timeout.ms": 10_000,
      "request.timeout.ms": 10_000,
      "reconnect.backoff.max.ms": 1000,
      "socket.connection.setup.timeout.ms": 3000,
      "socket.connection.setup.timeout.max.ms": 3000,
    };
    const r = await this.side.call("consumer.new", { conf });
    return { id: Number(r.c), mode, groupId };
  }

  /**
   * assign: one consumer (a group of its own, for offsets in transactions) whose assignment
   * changes. subscribe: a new member of the shared group, subscribed to the keys' topics.
   * Errors are `info`: the consumer's state is then unknown, and a new process starts clean.
   */
  protected async resubscribe(inv: Invocation): Promise<Completion> {
    const keys = inv.value as Key[];
    const mode = inv.f as "assign" | "subscribe";
    try {
      if (mode === "subscribe" || this.consumer?.mode !== "assign") {
        const old = this.consumer;
        this.consumer = undefined;
        if (old) await this.side.call("consumer.close", { c: old.id }).catch(() => undefined);
        this.consumer = await this.newConsumer(mode);
        if (mode === "subscribe") await this.side.call("consumer.subscribe", { c: this.consumer.id, topics: topicsOf(keys) });
      }
      if (mode === "assign") await this.side.call("consumer.assign", { c: this.consumer.id, keys: keys.map(tp), seekToBeginning: inv["seek-to-beginning"] === true });
      return { type: "ok", value: keys };
    } catch (e) {
      const c = this.consumer;
      this.consumer = undefined;
      if (c) void this.side.call("consumer.close", { c: c.id }).catch(() => undefined);
      return { type: "info", value: keys, error: describeJavaError(e) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.consumer;
    this.consumer = undefined;
    await Promise.allSettled([c && this.side.call("consumer.close", { c: c.id }), this.producer.leave()]);
    this.onClose();
  }
}
