// The shape of results.json (docs/design.md): what the checkers found, the verdict, stats.

/** `true` valid, `false` anomalies that count, `"unknown"`: the history cannot support a verdict. */
export type Verdict = true | false | "unknown";

/** One case of an anomaly, with enough evidence to follow it back into the history. */
export interface Anomaly {
  type: string;
  key?: string;
  /** Indices (op.index) of the ops involved, in history order. */
  ops: number[];
  offsets?: number[];
  values?: number[];
  /** One sentence a person can follow, e.g. "process 3 sent 17 to t0/1 (op 120, ok at offset 9) but ...". */
  explanation: string;
  [detail: string]: unknown;
}

export interface LatencyPoint {
  /** Seconds since the test started (completion time). */
  t: number;
  /** Milliseconds from invoke to completion. */
  ms: number;
  f: string;
  type: "ok" | "fail" | "info";
}

export interface Stats {
  /** f → {ok, fail, info} completion counts. */
  counts: Record<string, { ok: number; fail: number; info: number }>;
  durationSeconds: number;
  /** Completed client ops per second over the whole run, and ok ones. */
  throughput: { all: number; ok: number };
  /** f → latency quantiles in milliseconds. */
  latency: Record<string, { p50: number; p90: number; p99: number; max: number }>;
  /** Sampled latency points for plots (bounded). */
  latencyPoints: LatencyPoint[];
  /** Completions per second, bucketed per second: t → {ok, fail, info}. */
  rate: { t: number; ok: number; fail: number; info: number }[];
  /** Realtime lag samples: seconds behind the newest acknowledged send of a key, per poll. */
  lag: { t: number; process: number; key: string; seconds: number }[];
  /** Number of acknowledged-but-not-yet-seen messages over time. */
  unseen: { t: number; count: number }[];
  /**
   * Fault windows [start, end] in seconds, from nemesis ops, with the load they saw: sends
   * acknowledged, polls returning data and ok ops completing while open, send ops whose span
   * overlapped the window whatever their outcome, and sends acknowledged just before it opened
   * (stats.ts, Load).
   */
  faultWindows: {
    start: number;
    end: number;
    f: string;
    value?: unknown;
    ackedSends?: number;
    pollsWithData?: number;
    okOps?: number;
    sendsOverlapping?: number;
    /** Sends acknowledged in the 5 s before the window opened (whole seconds). */
    ackedSendsBefore?: number;
  }[];
  /** Load over the main phase (its end from test.json's time limit, else the whole history), inside the fault windows' union and outside it. */
  load?: { mainSeconds: number; mainPhaseKnown: boolean; requestedRate?: number; inside: LoadSide; outside: LoadSide };
  /** Fraction of client ops that were ok, inside fault windows vs outside. */
  availability: { inFaults: number | null; outsideFaults: number | null };
  /** The largest realtime lag of any poll (seconds), where and when; null without polls. */
  worstLag?: { t: number; process: number; key: string; seconds: number } | null;
  /** Largest realtime lag per key, and per process (the 100 worst), in seconds. */
  lagByKey?: Record<string, number>;
  lagByProcess?: Record<string, number>;
  /**
   * The shared consumer group's consumption (subscribed processes' ok reads): distinct values
   * read, read once, read more than once, and reads by a committed transaction past the first
   * one (double-consume); absent without subscribed reads.
   */
  consumption?: { values: number; once: number; more: number; committedMore: number };
  /** Distinct `error` strings of fail/info completions → how often (the 50 first seen). */
  errors?: Record<string, number>;
}

export interface LoadSide {
  seconds: number;
  okOps: number;
  okOpsPerSecond: number | null;
  ackedSends: number;
  pollsWithData: number;
}

export interface Results {
  valid: Verdict;
  /** Every anomaly type found, sorted. */
  "anomaly-types": string[];
  /** Those that count in this mode, sorted. */
  "bad-anomaly-types": string[];
  /** type → condensed list of cases (a bounded number per type). */
  anomalies: Record<string, Anomaly[]>;
  /** type → total count before condensing. */
  counts: Record<string, number>;
  /** Why the verdict is "unknown", when it is. */
  "unknown-reasons"?: string[];
  /** Every anomaly type the checkers looked for in this mode, sorted. */
  "checked-anomaly-types"?: string[];
  /** Things a person should know that do not change the verdict (e.g. a cut-short last line). */
  warnings?: string[];
  /** Size of the history and how long checking it took. */
  history?: { ops: number; keys: number; checkSeconds: number };
  /** The mode the verdict was decided in, and where it came from. */
  mode: { subscribe: boolean; transactional: boolean; wwDeps?: boolean; source: "test.json" | "inferred" };
  stats: Stats;
}
