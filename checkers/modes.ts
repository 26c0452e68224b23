// Which anomaly types make a run invalid, per mode: this table is the single source of truth
// (checkers/README.md shows it). A mode is subscribe-or-assign × transactional-or-not.

import { readFile } from "node:fs/promises";

/** stuck-after-heal (finders/stuck.ts): how long after the heal a cluster may serve nothing. */
export const LIVENESS_SECONDS = 30;

export interface Mode {
  subscribe: boolean;
  transactional: boolean;
  /**
   * Jepsen's :ww-deps: G1c is Elle's, cycles of write-write and write-read edges with at least one
   * write-read edge, judged as G0 is (allowed with transactions, whose writes interleave). Off:
   * G1c is cycles of write-read edges alone, which count in every mode.
   */
  wwDeps?: boolean;
}

/** Every anomaly type the checkers look for (names are keys in results.json). */
export const ANOMALY_TYPES = [
  "lost-write",
  "unseen",
  "truncated-log",
  "stuck-after-heal",
  "duplicate",
  "inconsistent-offsets",
  "poll-skip",
  "nonmonotonic-poll",
  "int-poll-skip",
  "int-nonmonotonic-poll",
  "nonmonotonic-send",
  "int-send-skip",
  "int-nonmonotonic-send",
  "G1a",
  "precommitted-read",
  "double-consume",
  "G0",
  "G0-process",
  "G0-realtime",
  "G1c",
  "G1c-process",
  "G1c-realtime",
] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

/** "bad": makes the run invalid; "info": reported, but allowed in this mode. */
export type Severity = "bad" | "info";

interface Row {
  assign: Severity;
  subscribe: Severity;
  assignTxn: Severity;
  subscribeTxn: Severity;
  why: string;
}

const always = (why: string): Row => ({ assign: "bad", subscribe: "bad", assignTxn: "bad", subscribeTxn: "bad", why });

/** The mode table. Columns: assign, subscribe, assign + transactional, subscribe + transactional. */
export const MODE_TABLE: Record<AnomalyType, Row> = {
  "lost-write": always("an acknowledged message vanished from below what consumers read"),
  unseen: always("acknowledged, yet not read even by the final reads"),
  "truncated-log": always("the log ends below an acknowledged offset once every fault is healed"),
  "stuck-after-heal": always(`a cluster that serves no send or poll for ${LIVENESS_SECONDS} s after every fault was healed has not recovered (liveness)`),
  duplicate: always("one message at two offsets"),
  "inconsistent-offsets": always("the log diverged between observers"),
  "poll-skip": { assign: "bad", subscribe: "info", assignTxn: "bad", subscribeTxn: "info", why: "under subscribe a rebalance moves the consumer's position" },
  "nonmonotonic-poll": { assign: "bad", subscribe: "info", assignTxn: "bad", subscribeTxn: "info", why: "under subscribe a rebalance moves the consumer's position" },
  "int-poll-skip": always("one poll must return a contiguous run of the log (rebalanced keys are excused)"),
  "int-nonmonotonic-poll": always("one poll must not go backwards (rebalanced keys are excused)"),
  "nonmonotonic-send": always("one producer's sends to a partition keep their order"),
  "int-send-skip": { assign: "info", subscribe: "info", assignTxn: "info", subscribeTxn: "info", why: "concurrent producers interleave; expected" },
  "int-nonmonotonic-send": always("one producer's sends to a partition keep their order"),
  G1a: always("read a message whose send failed (aborted read)"),
  "precommitted-read": always("read committed must not show a transaction its own uncommitted writes"),
  "double-consume": { assign: "info", subscribe: "info", assignTxn: "info", subscribeTxn: "bad", why: "a consumer group's transactions commit their read positions: each value consumed once across rebalances (elsewhere at least once)" },
  G0: { assign: "bad", subscribe: "bad", assignTxn: "info", subscribeTxn: "info", why: "transactions' writes interleave in Kafka; without transactions a write cycle cannot happen" },
  "G0-process": { assign: "bad", subscribe: "bad", assignTxn: "info", subscribeTxn: "info", why: "one-message sends are single points in time, so any such cycle is impossible; transactional writes interleave" },
  "G0-realtime": { assign: "bad", subscribe: "bad", assignTxn: "info", subscribeTxn: "info", why: "one-message sends are single points in time, so any such cycle is impossible; transactional writes interleave" },
  G1c: always("a cycle of reads from each other's committed writes is impossible under read committed"),
  "G1c-process": always("a read of a write its own process made later"),
  "G1c-realtime": always("a read of a write that started after the read finished"),
};

const column = (m: Mode): keyof Omit<Row, "why"> => (m.transactional ? (m.subscribe ? "subscribeTxn" : "assignTxn") : m.subscribe ? "subscribe" : "assign");

export function severity(type: string, mode: Mode): Severity {
  // With ww deps a G1c may be made of write edges but one, and is judged as a write cycle.
  const judgedAs = mode.wwDeps && type.startsWith("G1c") ? type.replace("G1c", "G0") : type;
  const row = MODE_TABLE[judgedAs as AnomalyType];
  return row ? row[column(mode)] : "bad";
}

/** The types among `found` that make a run invalid in `mode`, sorted. */
export function badAnomalyTypes(found: Iterable<string>, mode: Mode): string[] {
  return [...found].filter((t) => severity(t, mode) === "bad").sort();
}

/**
 * The mode recorded in a run's test.json. Reads exactly `workload.subscribe` (boolean: consumers
 * subscribe rather than assign), `workload.txn` (boolean: transactional producers/consumers) and
 * `checker.wwDeps` (boolean, --ww-deps).
 * Returns undefined when the file is missing, unreadable or lacks both fields; a missing one of
 * the two is taken as false.
 */
export async function modeFromTestJson(path: string): Promise<Mode | undefined> {
  return modeOfTestJson(await readTestJson(path));
}

/** A test.json's parsed content; undefined when the file is missing or unreadable. */
export async function readTestJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** The mode a parsed test.json states (see modeFromTestJson). */
export function modeOfTestJson(raw: unknown): Mode | undefined {
  const w = (raw as { workload?: unknown } | null)?.workload;
  if (typeof w !== "object" || w === null) return undefined;
  const { subscribe, txn } = w as { subscribe?: unknown; txn?: unknown };
  if (typeof subscribe !== "boolean" && typeof txn !== "boolean") return undefined;
  const wwDeps = (raw as { checker?: { wwDeps?: unknown } }).checker?.wwDeps === true;
  return { subscribe: subscribe === true, transactional: txn === true, ...(wwDeps ? { wwDeps } : {}) };
}

/** The main phase's length (`timeLimitSeconds`) and requested rate of a parsed test.json, when it has them. */
export function runOfTestJson(raw: unknown): { timeLimitSeconds?: number; rate?: number } {
  const t = raw as { timeLimitSeconds?: unknown; rate?: unknown } | null | undefined;
  const pos = (x: unknown) => (typeof x === "number" && Number.isFinite(x) && x > 0 ? x : undefined);
  return { timeLimitSeconds: pos(t?.timeLimitSeconds), rate: pos(t?.rate) };
}

/** design.md: any subscribe op → subscribe mode; any txn op or op with several micro-ops → transactional. */
export function inferMode(counts: { subscribeOps: number; txnLikeOps: number }): Mode {
  return { subscribe: counts.subscribeOps > 0, transactional: counts.txnLikeOps > 0 };
}
