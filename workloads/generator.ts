// Generators: what each client process does next, decided by one seeded PRNG and nothing else.
// A generator is a plain object asked `next({process, worker, time})` by the interpreter; it holds
// no timers and does no I/O, so a unit test can simulate a whole run with a fake clock and no
// cluster. The same seed and the same sequence of calls give the same ops: each worker slot draws
// from its own stream (./rng.ts), so what a worker does next does not depend on how the workers
// interleave; only the keys' values are shared, handed out in call order.
//
//   KeyLifecycle    active keys; a key retires after `sendsPerKey` sends and a new one comes in;
//                   values are unique, increasing integers per key
//   KafkaGenerator  the queue/txn op mix over a KeyLifecycle (Jepsen's kafka workload shape)
//   RateLimiter     the global rate limit as a pure function of time
import { parseKey, type Key, type Mop, type Op } from "../core/history/op.ts";
import { Rng } from "../core/rng.ts";
import type { Invocation } from "../clients/types.ts";

// --- the generator contract ---------------------------------------------------------------

export interface GenContext {
  /** The process asking (a new number after every `info`: worker + k × concurrency). */
  process: number;
  /** The worker slot, 0 … concurrency-1; stable across the processes it runs. */
  worker: number;
  /** Nanoseconds since the test started (history time). */
  time: number;
}

export interface OpGenerator {
  /** The next op for this process, or undefined when the generator has nothing more for it. */
  next(ctx: GenContext): Invocation | undefined;
  /** Told every completion as it is recorded (optional: generators that react to results). */
  update?(op: Op): void;
}

// --- keys -----------------------------------------------------------------------------------

/**
 * The keys in use. `activeKeys` of them are active at once; each send goes to an active key and,
 * after `sendsPerKey` sends, that key retires and the next unused key of the key space takes its
 * place. When the key space runs out, retired keys come back in the same order; their values go
 * on from where they stopped, so values stay unique and increasing per key.
 */
export class KeyLifecycle {
  readonly keys: readonly Key[];
  readonly sendsPerKey: number;
  private readonly slots: Key[];
  private readonly sendsThisLife = new Map<Key, number>();
  private readonly lastValue = new Map<Key, number>();
  private cursor: number;
  /** Keys in the order they retired (for tests and logs). */
  readonly retired: Key[] = [];

  constructor(keys: readonly Key[], activeKeys: number, sendsPerKey: number) {
    if (!keys.length) throw new Error("no keys");
    this.keys = keys;
    this.sendsPerKey = Math.max(1, sendsPerKey);
    const n = Math.max(1, Math.min(activeKeys, keys.length));
    this.slots = keys.slice(0, n);
    this.cursor = n;
  }

  /** The active keys, in slot order. */
  active(): readonly Key[] {
    return this.slots;
  }

  /** The next value for a send to an active key `key`; retires the key when it is used up. */
  nextValue(key: Key): number {
    const v = (this.lastValue.get(key) ?? 0) + 1;
    this.lastValue.set(key, v);
    const sends = (this.sendsThisLife.get(key) ?? 0) + 1;
    this.sendsThisLife.set(key, sends);
    if (sends >= this.sendsPerKey) this.retire(key);
    return v;
  }

  private retire(key: Key): void {
    const slot = this.slots.indexOf(key);
    if (slot < 0) return;
    this.retired.push(key);
    this.sendsThisLife.delete(key);
    // The next key of the cycle that is not active right now (the retiring one is allowed).
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[this.cursor++ % this.keys.length];
      if (k === key || !this.slots.includes(k)) {
        this.slots[slot] = k;
        return;
      }
    }
  }
}

// --- the Kafka op mix -----------------------------------------------------------------------

/** How a consumer gets its partitions. */
export type Via = "assign" | "subscribe";

export interface KafkaGeneratorOptions {
  seed: number;
  keys: readonly Key[];
  activeKeys: number;
  sendsPerKey: number;
  /**
   * How consumers get their partitions: `assign` ops or `subscribe` ops; given both, each
   * assign/subscribe picks one, from a random stream of its own (Jepsen's --sub-via).
   */
  subscribeVia: Via | readonly Via[];
  /** txn workload: every op a transaction of polls and sends in any mix (some aborted on purpose). */
  txn: boolean;
  /** Probability that an op is a re-assign/re-subscribe (Jepsen's sub-p). Default 1/64. */
  resubscribeP?: number;
  /** Probability that an op is a client crash. Default 1/1000. */
  crashP?: number;
  /** txn: probability that a transaction is aborted on purpose. Default 0.1. */
  abortP?: number;
  /** txn: most micro-ops in one transaction (Jepsen's --max-txn-length). Default 4. */
  maxTxnLength?: number;
  /**
   * Jepsen's poll-unseen: a third of the assigns/subscribes (drawn from a stream of their own,
   * so the workers' ops stay as they were) also take every key with an acknowledged send past
   * what any poll has read, and name those keys on the op (`unseen`). Default off.
   */
  pollUnseen?: boolean;
}

/** What was sent but not yet polled, per key: the highest acknowledged send and poll offsets (Jepsen's poll-unseen). */
export class UnseenKeys {
  private readonly sent = new Map<Key, number>();
  private readonly polled = new Map<Key, number>();

  /** Takes an `ok` completion's sends and polls; a key polled up to its highest send is caught up. */
  see(op: Op): void {
    if (op.type !== "ok" || !Array.isArray(op.value)) return;
    const touched = new Set<Key>();
    for (const mop of op.value as unknown[]) {
      if (!Array.isArray(mop)) continue;
      if (mop[0] === "send" && Array.isArray(mop[2]) && typeof mop[2][0] === "number") {
        const key = mop[1] as Key;
        this.sent.set(key, Math.max(this.sent.get(key) ?? -1, mop[2][0]));
        touched.add(key);
      } else if (mop[0] === "poll" && mop[1] && typeof mop[1] === "object") {
        for (const [key, pairs] of Object.entries(mop[1] as Record<Key, [number, number][]>)) {
          let top = this.polled.get(key) ?? -1;
          for (const [offset] of pairs) if (offset > top) top = offset;
          this.polled.set(key, top);
          touched.add(key);
        }
      }
    }
    // Caught up: no longer unseen (the polled offset stays, for the next send's record).
    for (const key of touched) if ((this.polled.get(key) ?? -1) >= (this.sent.get(key) ?? -1)) this.sent.delete(key);
  }

  /** Keys with an acknowledged send no poll has reached, with both offsets (-1: none polled), by key. */
  unseen(): Record<Key, { polled: number; sent: number }> {
    const out: Record<Key, { polled: number; sent: number }> = {};
    for (const key of [...this.sent.keys()].sort()) out[key] = { polled: this.polled.get(key) ?? -1, sent: this.sent.get(key)! };
    return out;
  }
}

/**
 * Jepsen's Kafka workload shape. Every new process starts with an assign/subscribe of all
 * active keys; afterwards each op is, by the worker's own random stream:
 *   crash (crashP) | assign/subscribe of a random subset of active keys (resubscribeP) |
 *   queue: send of one value, or poll, half and half
 *   txn:   1…maxTxnLength micro-ops in one transaction, each a poll (1 in 3) or a send to a
 *          random active key, in any order: several polls, polls after sends, sends to several
 *          keys (f "poll" when all are polls, "send" when all are sends, else "txn"). With
 *          probability abortP it carries `abort: true` and `abort-at`: how many of its micro-ops
 *          run before the abort, 0 to all of them (all: after its polls' offsets joined it too).
 */
export class KafkaGenerator implements OpGenerator {
  readonly lifecycle: KeyLifecycle;
  private readonly o: Required<KafkaGeneratorOptions>;
  private readonly root: Rng;
  private readonly rngs = new Map<number, Rng>();
  private readonly started = new Set<number>();
  /** Each process's last assign/subscribe, as invoked: the keys it was meant to follow, and how. */
  private readonly assigned = new Map<number, { keys: readonly Key[]; via: Via }>();
  private readonly vias: readonly Via[];
  private readonly viaRng: Rng;
  private readonly unseen?: UnseenKeys;
  private readonly unseenRng: Rng;

  constructor(o: KafkaGeneratorOptions) {
    // An option given as undefined (a config without it) takes its default too.
    this.o = { ...o, resubscribeP: o.resubscribeP ?? 1 / 64, crashP: o.crashP ?? 1 / 1000, abortP: o.abortP ?? 0.1, maxTxnLength: o.maxTxnLength ?? 4, pollUnseen: o.pollUnseen ?? false };
    this.root = new Rng(o.seed).fork("workload");
    this.lifecycle = new KeyLifecycle(o.keys, o.activeKeys, o.sendsPerKey);
    if (this.o.pollUnseen) this.unseen = new UnseenKeys();
    this.unseenRng = this.root.fork("poll-unseen");
    this.vias = typeof o.subscribeVia === "string" ? [o.subscribeVia] : [...o.subscribeVia];
    if (this.vias.length === 0) throw new Error("subscribeVia: name assign, subscribe or both");
    this.viaRng = this.root.fork("sub-via");
  }

  update(op: Op): void {
    this.unseen?.see(op);
  }

  /** An assign/subscribe of `keys`; with poll-unseen, a third of them also take the unseen keys. */
  private subscription(keys: readonly Key[], via: Via): Invocation {
    const inv: Invocation = { f: via, value: [...keys] };
    if (!this.unseen || this.unseenRng.next() >= 1 / 3) return inv;
    const unseen = this.unseen.unseen();
    const extra = Object.keys(unseen).filter((k) => !keys.includes(k));
    if (!Object.keys(unseen).length) return inv;
    return { ...inv, value: [...keys, ...extra], unseen };
  }

  private rng(worker: number): Rng {
    let r = this.rngs.get(worker);
    if (!r) this.rngs.set(worker, (r = this.root.fork(`worker-${worker}`)));
    return r;
  }

  /** An assign/subscribe for `process`, remembered so that the process can follow the active keys. */
  private assign(process: number, keys: readonly Key[]): Invocation {
    // With both ways, each assign/subscribe draws one (a stream of its own: other ops stay as they were).
    const via = this.vias.length === 1 ? this.vias[0] : this.viaRng.pick(this.vias);
    // The keys it was meant to follow (not the unseen ones poll-unseen adds, which are retired).
    this.assigned.set(process, { keys: [...keys], via });
    return this.subscription(keys, via);
  }

  /**
   * Whether a process's assignment still reaches an active key: a key of it for assign, a topic
   * of it for subscribe (the group hands out the topic's partitions). One that does not would
   * poll retired keys only, each poll waiting out its timeout on a key nobody sends to.
   */
  private follows({ keys, via }: { keys: readonly Key[]; via: Via }, active: readonly Key[]): boolean {
    if (via === "assign") return keys.some((k) => active.includes(k));
    const topics = new Set(active.map((k) => parseKey(k).topic));
    return keys.some((k) => topics.has(parseKey(k).topic));
  }

  next({ process, worker }: GenContext): Invocation {
    const rng = this.rng(worker);
    const active = this.lifecycle.active();
    if (!this.started.has(process)) {
      this.started.add(process);
      return this.assign(process, active);
    }
    // Keys retire as they fill up: a process left with none of the active ones moves on to them
    // (as a new process starts), rather than waiting for a random re-assign (1 in 64 ops).
    const mine = this.assigned.get(process);
    if (mine && !this.follows(mine, active)) return this.assign(process, active);
    const r = rng.next();
    if (r < this.o.crashP) return { f: "crash", value: null };
    if (r < this.o.crashP + this.o.resubscribeP) {
      let keys = active.filter(() => rng.next() < 0.75);
      if (!keys.length) keys = [rng.pick(active)];
      return this.assign(process, keys);
    }
    const send = (): ["send", Key, number] => {
      const k = rng.pick(this.lifecycle.active());
      return ["send", k, this.lifecycle.nextValue(k)];
    };
    if (!this.o.txn) return rng.next() < 0.5 ? { f: "send", value: [send()] } : { f: "poll", value: [["poll"]] };
    const mops: Mop[] = Array.from({ length: 1 + rng.int(this.o.maxTxnLength) }, () => (rng.int(3) === 0 ? ["poll"] : send()));
    const inv: Invocation = { f: fOfMops(mops), value: mops };
    if (rng.next() < this.o.abortP) {
      inv.abort = true;
      inv["abort-at"] = rng.int(mops.length + 1);
    }
    return inv;
  }
}

/** An op's `f` from its micro-ops: "poll" when all are polls, "send" when all are sends, else "txn". */
export function fOfMops(mops: readonly Mop[]): "poll" | "send" | "txn" {
  if (mops.every((m) => m[0] === "poll")) return "poll";
  return mops.every((m) => m[0] === "send") ? "send" : "txn";
}

// --- time -----------------------------------------------------------------------------------

/**
 * A global rate limit as a pure function of time: op slots are `1000/rate` ms apart, and a slot
 * missed because every process was busy is not made up later (no bursts). rate 0: no limit.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private nextSlot = -Infinity;

  constructor(ratePerSecond: number) {
    this.intervalMs = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  }

  /** Reserves the next slot for an op asked for at `nowMs`; returns when it may start. */
  reserve(nowMs: number): number {
    if (!this.intervalMs) return nowMs;
    const slot = Math.max(nowMs, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    return slot;
  }
}
