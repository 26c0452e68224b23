// poll() and assign() for kafkajs, which has neither. kafkajs pushes batches at `eachBatch`; here
// each batch is offered to a waiting poll and eachBatch does not return until a poll takes it
// (or it is dropped), so the consumer's position advances only as polls consume: a batch nobody
// took is never resolved and is fetched again. A poll waits up to its time for a first batch,
// then takes whatever else is already on offer, and returns it (possibly nothing).
//
// assign is emulated: the consumer is alone in a group of its own (unique per process), so it
// owns every partition of its topics; partitions outside the assignment are paused, and any batch
// of theirs that still arrives is dropped unread. seek-to-beginning is kafkajs' seek to 0.
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import { formatKey, parseKey, type Key } from "../../core/history/op.ts";
import { component } from "../../core/log.ts";
import { byTopic } from "../keys.ts";
import { emptyPolled, type Polled } from "../types.ts";

/** Consumer group timing: faster failure detection than kafkajs' defaults, for short tests. */
export const GROUP_TIMING = { sessionTimeout: 10_000, rebalanceTimeout: 15_000, heartbeatInterval: 1000 } as const;
/** After a poll's first batch, how long it waits for more batches already being handed over. */
const LINGER_MS = 2;

export interface PollingConsumerOptions {
  kafka: Kafka;
  groupId: string;
  mode: "assign" | "subscribe";
  /** Topics to subscribe to; in assign mode every topic a key may be assigned from. */
  topics: string[];
  /** Partitions of each topic (assign mode pauses the unassigned ones). */
  partitionsOf: Map<string, number[]>;
  readCommitted: boolean;
  autoCommit: boolean;
  pollMs: number;
  /** Called with the keys assigned to this member after every group join. */
  onJoin?: (keys: Key[]) => void;
  /** kafkajs 1.x: `subscribe` takes one topic per call (2.x takes a list). */
  subscribeEachTopic?: boolean;
}

interface Offer {
  key: Key;
  payload: EachBatchPayload;
  /** Ends the eachBatch call: `taken` says whether the batch was consumed. */
  settle(taken: boolean): void;
  done: boolean;
}

export class PollingConsumer {
  readonly groupId: string;
  readonly mode: "assign" | "subscribe";
  /** Set when kafkajs crashed the consumer; it is not restarted (a new process starts over). */
  crashed: Error | undefined;
  private readonly consumer: Consumer;
  private readonly o: PollingConsumerOptions;
  private assigned = new Set<Key>();
  /** assign mode: the position of every key read or sought so far (next offset to read). */
  private readonly positions = new Map<Key, number>();
  private offer: Offer | undefined;
  private waiter: ((o: Offer | undefined) => void) | undefined;
  private closed = false;
  private joined = false;
  private readonly firstJoin: Promise<void>;
  private abandonJoin: (e: Error) => void = () => undefined;
  private readonly log = component("consumer");

  constructor(o: PollingConsumerOptions) {
    this.o = o;
    this.groupId = o.groupId;
    this.mode = o.mode;
    this.consumer = o.kafka.consumer({
      groupId: o.groupId,
      ...GROUP_TIMING,
      maxWaitTimeInMs: Math.max(50, Math.min(500, o.pollMs)),
      readUncommitted: !o.readCommitted,
      allowAutoTopicCreation: false,
      // Once it has joined, a consumer restarted by kafkajs would rewind to its committed offsets
      // behind our back: it is not restarted, and its process ends at the next poll. Before the
      // first join (e.g. while __consumer_offsets is being created) restarting is harmless.
      retry: { restartOnFailure: async () => !this.joined && !this.closed },
    });
    this.firstJoin = new Promise((resolve, reject) => {
      this.abandonJoin = reject;
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return;
        this.crashed = payload.error;
        this.release();
        reject(payload.error);
      });
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
        const rejoin = this.joined;
        this.joined = true;
        resolve();
        const keys = Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => formatKey(t, p)));
        if (this.mode === "subscribe" && this.offer && !keys.includes(this.offer.key)) this.drop();
        // kafkajs restarts positions from the group's committed offsets after any rejoin (e.g.
        // when the coordinator moves). A manually assigned consumer has no group and keeps its
        // positions: put them back before the next fetch (this listener runs inside the join).
        if (this.mode === "assign" && rejoin) this.seek(new Map(this.positions));
        // Pauses live in kafkajs' group object, which a restart (before the first join) replaces.
        if (this.mode === "assign") this.applyPauses();
        o.onJoin?.(keys.sort());
      });
    });
    this.firstJoin.catch(() => undefined);
  }

  /**
   * Connects, subscribes and joins the group (in assign mode with nothing assigned yet). On
   * failure the consumer is closed; `close()` during the start makes it fail.
   */
  async start(): Promise<void> {
    const o = this.o;
    try {
      await this.consumer.connect();
      if (o.subscribeEachTopic) for (const topic of o.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
      else await this.consumer.subscribe({ topics: o.topics, fromBeginning: true });
      const running = this.consumer.run({
        autoCommit: o.autoCommit,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (p) => this.eachBatch(p),
      });
      // run() creates the group synchronously: pause before the first fetch.
      if (o.mode === "assign") this.applyPauses();
      await running;
      // kafkajs reports a failed join through the CRASH event, not through run().
      await this.firstJoin;
      if (this.closed) throw new Error("consumer closed while starting");
    } catch (e) {
      await this.close().catch(() => undefined);
      throw e;
    }
  }

  private wants(key: Key): boolean {
    return this.mode === "subscribe" || this.assigned.has(key);
  }

  private eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    const key = formatKey(batch.topic, batch.partition);
    if (this.closed || this.crashed || isStale?.() || !this.wants(key) || !batch.messages.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Keep the group membership alive while the batch waits for a poll.
      const timer = setInterval(() => {
        if (offer.done) return;
        if (this.closed || !isRunning() || isStale?.()) return offer.settle(false);
        heartbeat().catch((e) => {
          if (offer.done) return;
          finish();
          reject(e);
        });
      }, GROUP_TIMING.heartbeatInterval);
      const finish = () => {
        offer.done = true;
        clearInterval(timer);
        if (this.offer === offer) this.offer = undefined;
      };
      const offer: Offer = {
        key,
        payload,
        done: false,
        settle: (taken) => {
          if (offer.done) return;
          if (taken) {
            // Resolving the last visible record also resolves trailing control records.
            payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
          }
          finish();
          resolve();
        },
      };
      this.offer = offer;
      const w = this.waiter;
      if (w) {
        this.waiter = undefined;
        w(offer);
      }
    });
  }

  /** The batch on offer now, or the first one offered within `ms`. */
  private nextOffer(ms: number): Promise<Offer | undefined> {
    if (this.offer && !this.offer.done) return Promise.resolve(this.offer);
    if (this.closed || this.crashed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = (o) => {
        clearTimeout(t);
        resolve(o);
      };
    });
  }

  /** One poll: waits up to `ms` for records; returns what it took (records it took are consumed). */
  async poll(ms: number = this.o.pollMs): Promise<Polled> {
    if (this.crashed) throw this.crashed;
    const out = emptyPolled();
    let offer = await this.nextOffer(ms);
    while (offer) {
      this.take(offer, out);
      offer = await this.nextOffer(LINGER_MS);
    }
    if (this.crashed && !out.from.size) throw this.crashed;
    return out;
  }

  private take(offer: Offer, out: Polled): void {
    const { key } = offer;
    const list = (out.records[key] ??= []);
    for (const m of offer.payload.batch.messages) {
      const offset = Number(m.offset);
      // A record of an application under test carries its integer in a kc-value header (workloads/application/).
      const value = Number((m.headers?.["kc-value"] ?? m.value)?.toString());
      if (!Number.isSafeInteger(value)) {
        this.log.warn({ key, offset }, "record whose value is not an integer: not written by this workload; left out");
        continue;
      }
      list.push([offset, value]);
      if (!out.from.has(key)) out.from.set(key, offset);
      out.next.set(key, offset + 1);
      this.positions.set(key, offset + 1);
    }
    if (!list.length) delete out.records[key];
    offer.settle(true);
  }

  /** Drops the batch on offer unread (it will be fetched again from the same position). */
  private drop(keys?: Set<Key>): void {
    if (this.offer && (!keys || keys.has(this.offer.key))) this.offer.settle(false);
  }

  /** Ends every wait: the consumer is closing or crashed. */
  private release(): void {
    this.drop();
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  /** assign mode: from now on, consume exactly these keys (positions of kept keys are kept). */
  assign(keys: Key[]): void {
    this.assigned = new Set(keys);
    if (this.offer && !this.assigned.has(this.offer.key)) this.offer.settle(false);
    this.applyPauses();
  }

  private applyPauses(): void {
    const paused: Key[] = [];
    const resumed: Key[] = [];
    for (const t of this.o.topics) for (const p of this.o.partitionsOf.get(t) ?? []) (this.assigned.has(formatKey(t, p)) ? resumed : paused).push(formatKey(t, p));
    try {
      if (paused.length) this.consumer.pause(byTopic(paused));
      if (resumed.length) this.consumer.resume(byTopic(resumed));
    } catch (e) {
      // Only when kafkajs has already torn the group down (crashed); the next poll reports it.
      this.log.debug({ err: String(e) }, "pause/resume on a stopped consumer");
    }
  }

  /** Moves the positions of keys: the next poll reads them from these offsets. */
  seek(positions: Map<Key, number>): void {
    this.drop(new Set(positions.keys()));
    for (const [key, offset] of positions) {
      this.positions.set(key, offset);
      const { topic, partition } = parseKey(key);
      try {
        this.consumer.seek({ topic, partition, offset: String(offset) });
      } catch (e) {
        // Only when kafkajs has already torn the group down (crashed); the next poll reports it.
        this.log.debug({ err: String(e) }, "seek on a stopped consumer");
      }
    }
  }

  /** Commits positions to the group (subscribe mode without auto-commit: Jepsen's commitSync). */
  async commit(next: Map<Key, number>): Promise<void> {
    if (!next.size) return;
    await this.consumer.commitOffsets(
      [...next].map(([key, offset]) => {
        const { topic, partition } = parseKey(key);
        return { topic, partition, offset: String(offset) };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.abandonJoin(new Error("consumer closed while starting"));
    await this.consumer.disconnect();
  }
}
