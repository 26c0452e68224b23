// The contract between the run lifecycle (harness/run.ts), the interpreter and the workloads.
import type { TestConfig } from "../harness/config.ts";
import type { Op } from "../harness/history/op.ts";

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

/** Live context shared by a run's workload pieces. */
export interface WorkloadContext {
  config: TestConfig;
  bootstrap: string[];
}

/** The history so far, as the interpreter sees it (for final reads: highest acked offsets). */
export type HistoryView = readonly Op[];
