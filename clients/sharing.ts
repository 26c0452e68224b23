// Several history processes on one producer (`--processes-per-client K`). Applications share one
// producer across many concurrent sends, and idempotence and batching bugs only show then. Each
// process still has at most one op in flight; K of them send through one producer, so up to K
// sends are in flight on it at once. Consumers stay one per process (a poll's reads belong to the
// process that polled).
//
// A slot holds the producer of one group of processes: made by the first send of any of them,
// disconnected when the last of them closes. A `crash` op takes it down for the whole group (as an
// application's crash would): its siblings' sends in flight end as the client reports them (`info`
// unless definite), and the next send makes a new producer.

/** The group of processes a process belongs to: its worker slot (process mod concurrency) divided by K. */
export const groupOf = (process: number, concurrency: number, perClient: number): number => Math.floor((process % concurrency) / perClient);

export class SharedSlot<T> {
  private current: Promise<T> | undefined;
  private users = 0;
  private readonly make: () => Promise<T>;
  private readonly dispose: (t: T) => Promise<void>;

  constructor(make: () => Promise<T>, dispose: (t: T) => Promise<void>) {
    this.make = make;
    this.dispose = dispose;
  }

  /** A process starts using the slot. */
  join(): void {
    this.users++;
  }

  /** The slot's producer, made on first use (a failed make is not kept: the next call tries again). */
  get(): Promise<T> {
    this.current ??= this.make().catch((e) => {
      this.current = undefined;
      throw e;
    });
    return this.current;
  }

  /** Takes the producer down for every user (a crash); the next `get` makes a new one. */
  async reset(): Promise<void> {
    const p = this.current;
    this.current = undefined;
    const t = await p?.catch(() => undefined);
    if (t !== undefined) await this.dispose(t).catch(() => undefined);
  }

  /** A process is done with the slot; the last one out disconnects the producer. */
  async leave(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) await this.reset();
  }
}

/** The slots of a client factory, one per group (or one per process when K is 1). */
export class SharedSlots<T> {
  private readonly slots = new Map<number, SharedSlot<T>>();
  private readonly concurrency: number;
  private readonly perClient: number;

  constructor(concurrency: number, perClient: number) {
    this.concurrency = concurrency;
    this.perClient = perClient;
  }

  /** The slot a process uses (joined); `make` builds the producer when the slot has none. */
  forProcess(process: number, make: () => Promise<T>, dispose: (t: T) => Promise<void>): SharedSlot<T> {
    if (this.perClient <= 1) {
      const own = new SharedSlot(make, dispose);
      own.join();
      return own;
    }
    const g = groupOf(process, this.concurrency, this.perClient);
    let slot = this.slots.get(g);
    if (!slot) this.slots.set(g, (slot = new SharedSlot(make, dispose)));
    slot.join();
    return slot;
  }
}
