// What the three adapters share: the routing of the workload's ops to a client's methods. An
// adapter implements sends (queue), transactions (txn), polls, assign/subscribe and close; a
// `crash` takes the client down with its producer, even when other processes share it.
import type { Key, Mop } from "../core/history/op.ts";
import type { Client, Completion, Invocation } from "./types.ts";
import type { SharedSlot } from "./sharing.ts";

/** A send micro-op as the generator makes it: key and value. */
export type SendMop = ["send", Key, number];

export abstract class AdapterClient<P> implements Client {
  /** Set by close(); a closed client takes no ops (the interpreter opens a new one). */
  protected closed = false;
  /** This process's producer: its own, or its group's (--processes-per-client). */
  protected abstract readonly producer: SharedSlot<P>;
  /** Whether sends go through transactions (the txn workload). */
  protected abstract readonly transactional: boolean;

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

  async invoke(inv: Invocation): Promise<Completion> {
    if (this.closed) throw new Error("client is closed");
    switch (inv.f) {
      case "send":
      case "txn":
        return this.transactional ? this.transaction(inv) : this.send(inv);
      case "poll":
        return this.poll(inv);
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
