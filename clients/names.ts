// The names a run's clients use on the cluster, in one place: every adapter uses them, and the
// nemesis finds coordinators by them (coordinator-aware targets). `tag` makes them unique to a run.
import { groupOf } from "./sharing.ts";

export interface NameSettings {
  tag: string;
  concurrency: number;
  processesPerClient?: number;
  txn: boolean;
}

/** A process's client id. */
export const clientIdOf = (s: NameSettings, process: number): string => `kc-${s.tag}-p${process}`;

/** The client id of the producer a process uses: its own, or its group's when shared. */
export function producerClientIdOf(s: NameSettings, process: number): string {
  const perClient = s.txn ? 1 : (s.processesPerClient ?? 1);
  return perClient > 1 ? `kc-${s.tag}-g${groupOf(process, s.concurrency, perClient)}` : clientIdOf(s, process);
}

/** The consumer group: one per process in assign mode (for offsets in transactions), one shared in subscribe mode. */
export const groupIdOf = (s: Pick<NameSettings, "tag">, mode: "assign" | "subscribe", process: number): string =>
  mode === "assign" ? `kc-${s.tag}-p${process}` : `kc-${s.tag}-shared`;

/** One transactional id per worker slot: a new process fences its predecessor's zombie transactions. */
export const transactionalIdOf = (s: Pick<NameSettings, "tag" | "concurrency">, process: number): string => `kc-${s.tag}-tx-w${process % s.concurrency}`;
