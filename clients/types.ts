// The client protocol: how ops reach the cluster (one Client per history process) and which
// errors are definite. Adapters: ./kafkajs, ./confluent. The interpreter (workloads/) drives them.
import type { Key, OffsetValue } from "../core/history/op.ts";

/** What a process is about to do: becomes the `invoke` op. */
export interface Invocation {
  f: string;
  value: unknown;
  [extra: string]: unknown;
}

/** How it ended: becomes the completion op (`ok`, `fail` definite, `info` unknown). */
export interface Completion {
  type: "ok" | "fail" | "info";
  value: unknown;
  error?: string;
  [extra: string]: unknown;
}

/**
 * One client process's connection to Kafka. `invoke` classifies Kafka errors itself (see the
 * adapter's error table): definite ones complete as `fail`, the rest as `info`. If it throws,
 * the interpreter records `info` and replaces the client (a new process).
 */
export interface Client {
  invoke(inv: Invocation): Promise<Completion>;
  close(): Promise<void>;
}

export interface ClientFactory {
  /** Opens a client for a process; `bootstrap` is the list of 127.0.0.1 proxy addresses. */
  open(process: number): Promise<Client>;
}

/** What one poll of a client's consumer read (both adapters' consumers return it). */
export interface Polled {
  records: Record<Key, OffsetValue[]>;
  /** Per key: the first offset read (where to rewind to) and the position after the last. */
  from: Map<Key, number>;
  next: Map<Key, number>;
}

export const emptyPolled = (): Polled => ({ records: {}, from: new Map(), next: new Map() });

/**
 * Two polls of one transaction as one: the records of both, per key the first offset read (where
 * an abort rewinds to) and the position after the later poll (what a commit stores).
 */
export function mergePolled(a: Polled, b: Polled): Polled {
  const records: Record<Key, OffsetValue[]> = { ...a.records };
  for (const [key, pairs] of Object.entries(b.records)) records[key] = [...(records[key] ?? []), ...pairs];
  const from = new Map(a.from);
  for (const [key, offset] of b.from) if (!from.has(key)) from.set(key, offset);
  return { records, from, next: new Map([...a.next, ...b.next]) };
}

/**
 * Rebalances a subscribe-mode consumer went through since the last poll. Each adapter records
 * the keys it was given; the next poll carries them as `rebalance-log`, which tells the checkers
 * that this process's position on those keys may have moved.
 */
export class RebalanceLog {
  private entries: { keys: Key[] }[] = [];

  add(keys: Key[]): void {
    this.entries.push({ keys });
  }

  /** The completion fields for the next poll (none when nothing happened), and a fresh log. */
  take(): { "rebalance-log"?: { keys: Key[] }[] } {
    if (!this.entries.length) return {};
    const log = this.entries;
    this.entries = [];
    return { "rebalance-log": log };
  }
}

/** When an error in a client's error table is definite (the op can be recorded as `fail`). */
export type Definite =
  /** The broker (or the client, before sending) rejects this record the same way on every attempt: no attempt can have written it. */
  | "always"
  /** Rejected before the append, but only proven for the attempt that saw it: definite only when the client made exactly one attempt (`retries` 0, not idempotent). */
  | "single-attempt";

/** One row of a client's error table (workloads/kafkajs/errors.ts, workloads/confluent/errors.ts). */
export interface ErrorRule {
  definite: Definite;
  why: string;
}
