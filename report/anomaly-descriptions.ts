// Plain-words descriptions of every anomaly named in design.md, for the report, the Markdown
// summary and JUnit messages. Keys are the exact names used in results.json.
import { LIVENESS_SECONDS } from "../checkers/finders/stuck.ts";

export interface AnomalyDescription {
  /** A short human title. */
  title: string;
  /** What it means, in plain words. */
  meaning: string;
}

const cycle = (base: string, extra: string) => `${base} ${extra}`;
const G0 =
  "Transactions whose writes interleave in a cycle: on one partition T1's message precedes T2's, on another T2's precedes T1's. Kafka does not promise to prevent this, so it is often informational.";
const G1C =
  "Circular information flow: a cycle of write-write and write-read dependencies between transactions, each one seeing or overwriting effects of the other. No serial order of the transactions explains what was read.";

export const ANOMALY_DESCRIPTIONS: Record<string, AnomalyDescription> = {
  "lost-write": {
    title: "Lost write",
    meaning:
      "A committed send (acknowledged, or partly read) sits below the highest offset any consumer read on its partition, yet no poll ever saw it. The broker acknowledged a message and then it was gone from the log.",
  },
  unseen: {
    title: "Unseen messages",
    meaning:
      "Acknowledged sends that no poll had observed by the end of the test, even after healing every fault and reading to the end. They may be lost, or consumers never got to them.",
  },
  "truncated-log": {
    title: "Truncated log",
    meaning:
      "After every fault was healed, the partition's log ends (its high watermark) below offsets where sends were acknowledged: those messages are gone, even if consumers read them before. A power cut does this to writes no replica had fsynced.",
  },
  "stuck-after-heal": {
    title: "Stuck after heal",
    meaning:
      `Every fault was healed, yet for ${LIVENESS_SECONDS} s or more, to the end of the run, no send or poll completed ok although the workload and the final reads kept trying: the cluster did not recover. Whatever it would have returned is unknown; that it serves nothing is the finding.`,
  },
  "double-consume": {
    title: "Consumed twice",
    meaning:
      "A value read by two committed transactions of the same consumer group. Each transaction commits its read position with it (sendOffsets), so after a rebalance the next owner of the partition should start past the value: exactly-once consumption failed. Without transactions the group consumes at least once, and this is only informational.",
  },
  duplicate: {
    title: "Duplicate",
    meaning:
      "One value appears at more than one offset of a partition: a message was written twice, typically a producer retry without working idempotence.",
  },
  "inconsistent-offsets": {
    title: "Inconsistent offsets",
    meaning:
      "One offset of a partition holds different values for different observers (the send's acknowledgement and the polls disagree): the log diverged, e.g. after an unclean leader election truncated and rewrote it.",
  },
  "poll-skip": {
    title: "Poll skip",
    meaning:
      "Two successive polls of one consumer, with no assign or subscribe between them, jumped over values known to be in the partition: the consumer silently missed messages. Under subscribe, a rebalance can explain it.",
  },
  "nonmonotonic-poll": {
    title: "Nonmonotonic poll",
    meaning:
      "A consumer's next poll of a partition started at or before where its previous poll ended: it went backwards and re-read messages. Under subscribe, a rebalance can explain it.",
  },
  "int-poll-skip": {
    title: "Skip inside one poll",
    meaning: "Within a single poll, consecutive records of a partition skip over values known to lie between them.",
  },
  "int-nonmonotonic-poll": {
    title: "Nonmonotonic inside one poll",
    meaning: "Within a single poll, the offsets read from a partition go backwards or repeat.",
  },
  "nonmonotonic-send": {
    title: "Nonmonotonic send",
    meaning:
      "A producer's later send to a partition was acknowledged at a lower offset than its earlier one: the producer's messages were reordered in the log.",
  },
  "int-send-skip": {
    title: "Interleaved sends inside one op",
    meaning:
      "Within one op, the sends to a partition did not land next to each other: other producers' values sit between them.",
  },
  "int-nonmonotonic-send": {
    title: "Reversed sends inside one op",
    meaning: "Within one op, a later send to a partition landed at a lower offset than an earlier send of the same op.",
  },
  G1a: {
    title: "Aborted read (G1a)",
    meaning:
      "An ok poll observed a value whose send failed: a consumer saw a message the producer was told was not written (or whose transaction aborted).",
  },
  "precommitted-read": {
    title: "Precommitted read",
    meaning: "A transaction polled a value it had written itself, before it committed: it read its own uncommitted write back from the log.",
  },
  G0: { title: "Write cycle (G0)", meaning: G0 },
  "G0-process": {
    title: "Write cycle with process order (G0-process)",
    meaning: cycle(G0, "Some edges of the cycle are the order of transactions in one producer process."),
  },
  "G0-realtime": {
    title: "Write cycle with real-time order (G0-realtime)",
    meaning: cycle(G0, "Some edges of the cycle are real-time order: one transaction completed before the other began."),
  },
  G1c: { title: "Circular information flow (G1c)", meaning: G1C },
  "G1c-process": {
    title: "Circular information flow with process order (G1c-process)",
    meaning: cycle(G1C, "Some edges of the cycle are the order of transactions in one process."),
  },
  "G1c-realtime": {
    title: "Circular information flow with real-time order (G1c-realtime)",
    meaning: cycle(G1C, "Some edges of the cycle are real-time order: one transaction completed before the other began."),
  },
};

/** Every anomaly name of design.md, in the order of its table. */
export const KNOWN_ANOMALY_TYPES: readonly string[] = Object.keys(ANOMALY_DESCRIPTIONS);

/** Types in the order of design.md's table (the data-loss anomalies first, cycles last); unknown types after, by name. */
export function byDesignOrder(types: Iterable<string>): string[] {
  const rank = (t: string) => {
    const i = KNOWN_ANOMALY_TYPES.indexOf(t);
    return i < 0 ? KNOWN_ANOMALY_TYPES.length : i;
  };
  return [...new Set(types)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function describeAnomaly(type: string): AnomalyDescription {
  return (
    ANOMALY_DESCRIPTIONS[type] ?? {
      title: type,
      meaning: "An anomaly type this version of the report has no description for; see the checker that produced it.",
    }
  );
}
