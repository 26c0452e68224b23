// What the three adapters share: the routing of the workload's ops to a client's methods. An
// adapter implements sends (queue), transactions (txn), polls, assign/subscribe and close; a
// `crash` takes the client down with its producer, even when other processes share it.
import type { Key, Mop } from "../core/history/op.ts";
import { mergePolled, RebalanceLog, type Client, type Completion, type Invocation, type Polled } from "./types.ts";
import type { SharedSlot } from "./sharing.ts";

/** A send micro-op as the generator makes it: key and value. */
export type SendMop = ["send", Key, number];

/** A transaction's steps as one client does them; `AdapterClient.runTransaction` puts them in order. */
export interface TxnSteps<T> {
  /** Begins a transaction (a broken producer is replaced before this throws). */
  begin(): Promise<T>;
  poll(): Promise<Polled>;
  produce(txn: T, mop: SendMop): Promise<Mop>;
  /** Adds the consumed positions (per key, the offset after the last record read) to the transaction. */
  offsets(txn: T, next: Map<Key, number>): Promise<void>;
  /** Aborts: `fail` with `why` when the abort worked (the reads in `polled` rewound), else `info`. */
  abort(txn: T, polled: Polled | undefined, why: string, value: Mop[]): Promise<Completion>;
  commit(txn: T, polled: Polled | undefined, done: Mop[]): Promise<Completion>;
  describe(e: unknown): string;
}

/**
 * How many of a transaction's micro-ops run before it aborts on purpose: its `abort-at` (0: right
 * after it begins) when it is a count within the op, else all of them (and then the offsets of
 * its polls join the transaction before the abort).
 */
export function abortPoint(inv: Invocation, mops: number): number {
  const at = inv["abort-at"];
  return inv.abort === true && Number.isInteger(at) && (at as number) >= 0 && (at as number) < mops ? (at as number) : mops;
}

export abstract class AdapterClient<P> implements Client {
  /** Set by close(); a closed client takes no ops (the interpreter opens a new one). */
  protected closed = false;
  /** This process's producer: its own, or its group's (--processes-per-client). */
  protected abstract readonly producer: SharedSlot<P>;
  /** Whether sends go through transactions (the txn workload). */
  protected abstract readonly transactional: boolean;
  /** The rebalances the consumer went through since the last poll's completion took them (`rebalance-log`). */
  protected readonly rebalanceLog = new RebalanceLog();

  /** Sends one record outside a transaction and waits for its acknowledgement. */
  protected abstract produceOne(producer: P, mop: SendMop): Promise<Mop>;
  /** The error table: `fail` when the error proves nothing was written, else `info`. */
  protected abstract classifySend(e: unknown): { type: "fail" | "info"; error: string };
  protected abstract transaction(inv: Invocation): Promise<Completion>;
  protected abstract poll(inv: Invocation): Promise<Completion>;
  protected abstract resubscribe(inv: Invocation): Promise<Completion>;
  abstract close(): Promise<void>;

  /** queue: each send micro-op is one record; the op waits for each acknowledgement in turn. */
  protected async send(inv: Invocation): Promise<Completion> {
    const mops = inv.value as SendMop[];
    const done: Mop[] = [];
    try {
      const producer = await this.producer.get();
      for (const m of mops) done.push(await this.produceOne(producer, m));
      return { type: "ok", value: done };
    } catch (e) {
      const c = this.classifySend(e);
      // After an acknowledged send, a later failure cannot make the op definite.
      return { type: done.length ? "info" : c.type, value: [...done, ...mops.slice(done.length)], error: c.error };
    }
  }

  /**
   * txn: the op's micro-ops in their order in one transaction (sends and polls, any mix), the
   * offsets of what its polls read, then commit, or abort on purpose (`abort: true`, after
   * `abort-at` micro-ops). An error part-way aborts; the value then shows the micro-ops that ran,
   * the others as invoked.
   */
  protected async runTransaction<T>(inv: Invocation, s: TxnSteps<T>): Promise<Completion> {
    const mops = inv.value as Mop[];
    const done: Mop[] = [];
    const valueNow = () => [...done, ...mops.slice(done.length)];
    let txn: T;
    try {
      txn = await s.begin();
    } catch (e) {
      // Nothing was sent: the transaction never began.
      return { type: "fail", value: mops, error: `begin: ${s.describe(e)}` };
    }
    const stop = abortPoint(inv, mops.length);
    let polled: Polled | undefined;
    const extra: Record<string, unknown> = {};
    try {
      for (const m of mops.slice(0, stop)) {
        if (m[0] === "poll") {
          const p = await s.poll();
          polled = polled ? mergePolled(polled, p) : p;
          done.push(["poll", p.records]);
          // Several polls: every rebalance any of them went through stays on the op.
          for (const [k, v] of Object.entries(this.rebalanceLog.take())) extra[k] = Array.isArray(v) && Array.isArray(extra[k]) ? [...(extra[k] as unknown[]), ...v] : v;
        } else done.push(await s.produce(txn, m as SendMop));
      }
      if (stop === mops.length && polled?.next.size) await s.offsets(txn, polled.next);
    } catch (e) {
      return { ...(await s.abort(txn, polled, `aborted after ${s.describe(e)}`, valueNow())), ...extra };
    }
    if (inv.abort === true) return { ...(await s.abort(txn, polled, "aborted-on-purpose", valueNow())), ...extra };
    return { ...(await s.commit(txn, polled, done)), ...extra };
  }

  async invoke(inv: Invocation): Promise<Completion> {
    if (this.closed) throw new Error("client is closed");
    switch (inv.f) {
      case "send":
      case "txn":
        return this.transactional ? this.transaction(inv) : this.send(inv);
      case "poll":
        // txn: every op runs in a transaction, polls too (their offsets commit with it).
        return this.transactional ? this.transaction(inv) : this.poll(inv);
      case "assign":
      case "subscribe":
        return this.resubscribe(inv);
      case "crash":
        await this.producer.reset();
        await this.close();
        return { type: "info", value: inv.value, error: "crash" };
      default:
        return { type: "fail", value: inv.value, error: `unknown op ${JSON.stringify(inv.f)}` };
    }
  }
}

/** The client makes at most one attempt per record: no retries, not idempotent, not transactional. */
export const singleAttempt = (s: { txn: boolean; producer: { idempotent: boolean; retries: number } }): boolean => !s.txn && !s.producer.idempotent && s.producer.retries === 0;
