// Defensive views of test.json and results.json: stored files may come from an older or newer
// harness, from a crashed run, or be written by hand, so every field is optional here and the
// renderers get well-typed values with sensible defaults.

import type { Anomaly, Results, Stats, Verdict } from "../checkers/results.ts";

export type Json = Record<string, unknown>;

export const isRecord = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);
export const asRecord = (x: unknown): Json => (isRecord(x) ? x : {});
export const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
export const asString = (x: unknown): string | undefined =>
  typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? String(x) : undefined;
export const asNumber = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
const numbers = (x: unknown): number[] => asArray(x).filter((n): n is number => typeof n === "number" && Number.isFinite(n));
const strings = (x: unknown): string[] => asArray(x).filter((s): s is string => typeof s === "string");

/** What the report shows of test.json. Fields are undefined when the file lacks them. */
export interface TestInfo {
  name: string;
  startedAt?: string;
  command?: string;
  seed?: string;
  kafkaVersion?: string;
  kafkaMode?: string;
  /** A broker product other than Apache Kafka, e.g. "tansu 0.6.0 (postgres storage)"; kafkaVersion/kafkaMode then say nothing. */
  product?: string;
  images: Json;
  /** Where the cluster ran: "docker", or "kubernetes" with what the deployment reported (version, nodes, namespace, pods). */
  deployment?: string;
  deploymentInfo: Json;
  client?: string;
  producer: Json;
  consumer: Json;
  workload: Json;
  /** Application mode: the application under test as described (topics, group, delivery, container and its statistics); absent otherwise. */
  application?: Json;
  nemesis: Json;
  timeLimitSeconds?: number;
  cluster: Json;
  /** Node names listed in the cluster description, when it lists them. */
  nodes: string[];
  /** A differential run (`--clients`): the group's id and its clients, in run order. */
  differential?: { id: string; clients: string[] };
  /** The whole file, for the "full test description" block. */
  raw: Json;
}

export function readTestInfo(raw: unknown): TestInfo {
  const t = asRecord(raw);
  const kafka = asRecord(t.kafka);
  const cluster = asRecord(t.cluster);
  const clientName = isRecord(t.client) ? asString(t.client.name) : asString(t.client);
  const clientVersion = asString(t.clientVersion);
  const client = clientName && clientVersion ? `${clientName} ${clientVersion}` : clientName;
  const product = isRecord(t.product) && asString(t.product.name) ? [asString(t.product.name), asString(t.product.version), t.product.storage ? `(${asString(t.product.storage)} storage)` : undefined].filter(Boolean).join(" ") : undefined;
  const nodes = [...strings(cluster.nodes), ...asArray(cluster.nodes).map((n) => asString(asRecord(n).name)).filter((n): n is string => !!n)];
  return {
    name: asString(t.name) ?? "unnamed test",
    startedAt: asString(t.startedAt),
    command: Array.isArray(t.command) ? strings(t.command).join(" ") : asString(t.command),
    seed: asString(t.seed),
    kafkaVersion: product ? undefined : asString(kafka.version),
    kafkaMode: product ? undefined : asString(kafka.mode),
    product,
    images: asRecord(t.images),
    deployment: asString(t.deployment),
    deploymentInfo: asRecord(t.deploymentInfo),
    client,
    differential: isRecord(t.differential) && asString(t.differential.id) ? { id: asString(t.differential.id) as string, clients: strings(t.differential.clients) } : undefined,
    producer: asRecord(t.producer),
    consumer: asRecord(t.consumer),
    workload: asRecord(t.workload),
    application: isRecord(t.application) ? t.application : undefined,
    nemesis: asRecord(t.nemesis),
    timeLimitSeconds: asNumber(t.timeLimitSeconds),
    cluster,
    nodes,
    raw: t,
  };
}

export function readVerdict(x: unknown): Verdict {
  return x === true || x === false ? x : "unknown";
}

function readAnomaly(type: string, x: unknown): Anomaly {
  const a = asRecord(x);
  return {
    ...a,
    type: asString(a.type) ?? type,
    key: asString(a.key),
    ops: numbers(a.ops),
    offsets: Array.isArray(a.offsets) ? numbers(a.offsets) : undefined,
    values: Array.isArray(a.values) ? numbers(a.values) : undefined,
    explanation: asString(a.explanation) ?? "",
  };
}

export function emptyStats(): Stats {
  return {
    counts: {},
    durationSeconds: 0,
    throughput: { all: 0, ok: 0 },
    latency: {},
    latencyPoints: [],
    rate: [],
    lag: [],
    unseen: [],
    faultWindows: [],
    availability: { inFaults: null, outsideFaults: null },
  };
}

/** stats.consumption, when every figure in it is a number. */
function readConsumption(x: unknown): Stats["consumption"] {
  const c = asRecord(x);
  return ["values", "once", "more", "committedMore"].every((k) => typeof c[k] === "number") ? (c as unknown as Stats["consumption"]) : undefined;
}

/** stats.load, when every figure in it is a number (results.json of older runs have none). */
function readLoad(x: unknown): Stats["load"] {
  const l = asRecord(x);
  const side = (v: unknown) => {
    const r = asRecord(v);
    const ok = ["seconds", "okOps", "ackedSends", "pollsWithData"].every((k) => typeof r[k] === "number") && (r.okOpsPerSecond === null || typeof r.okOpsPerSecond === "number");
    return ok ? (r as unknown as NonNullable<Stats["load"]>["inside"]) : undefined;
  };
  const inside = side(l.inside);
  const outside = side(l.outside);
  if (!inside || !outside || typeof l.mainSeconds !== "number") return undefined;
  return { mainSeconds: l.mainSeconds, mainPhaseKnown: l.mainPhaseKnown === true, ...(typeof l.requestedRate === "number" ? { requestedRate: l.requestedRate } : {}), inside, outside };
}

function readStats(x: unknown): Stats {
  const s = asRecord(x);
  const e = emptyStats();
  const rows = <T>(v: unknown, ok: (r: Json) => boolean): T[] => asArray(v).filter((r) => isRecord(r) && ok(r)) as T[];
  const num = (r: Json, k: string) => typeof r[k] === "number";
  const tp = asRecord(s.throughput);
  const av = asRecord(s.availability);
  const worst = asRecord(s.worstLag);
  const numberMap = (v: unknown): Record<string, number> | undefined =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).filter((kv): kv is [string, number] => typeof kv[1] === "number")) : undefined;
  return {
    worstLag: typeof worst.seconds === "number" && typeof worst.t === "number" ? (worst as unknown as Stats["worstLag"]) : null,
    lagByKey: numberMap(s.lagByKey),
    lagByProcess: numberMap(s.lagByProcess),
    errors: numberMap(s.errors),
    counts: isRecord(s.counts) ? (s.counts as Stats["counts"]) : e.counts,
    durationSeconds: asNumber(s.durationSeconds) ?? 0,
    throughput: { all: asNumber(tp.all) ?? 0, ok: asNumber(tp.ok) ?? 0 },
    latency: isRecord(s.latency) ? (s.latency as Stats["latency"]) : e.latency,
    latencyPoints: rows(s.latencyPoints, (r) => num(r, "t") && num(r, "ms")),
    rate: rows(s.rate, (r) => num(r, "t")),
    lag: rows(s.lag, (r) => num(r, "t") && num(r, "seconds")),
    unseen: rows(s.unseen, (r) => num(r, "t") && num(r, "count")),
    faultWindows: rows(s.faultWindows, (r) => num(r, "start") && num(r, "end")),
    availability: { inFaults: asNumber(av.inFaults) ?? null, outsideFaults: asNumber(av.outsideFaults) ?? null },
    load: readLoad(s.load),
    consumption: readConsumption(s.consumption),
  };
}

/**
 * results.json with defaults filled in. Also reads an optional `checked-anomaly-types` (the
 * types the checkers looked for), which results.ts does not declare yet.
 */
export interface ResultsView extends Results {
  "checked-anomaly-types"?: string[];
}

export function readResults(raw: unknown): ResultsView {
  const r = asRecord(raw);
  const anomalies: Record<string, Anomaly[]> = {};
  for (const [type, list] of Object.entries(asRecord(r.anomalies))) anomalies[type] = asArray(list).map((a) => readAnomaly(type, a));
  const counts: Record<string, number> = {};
  for (const [type, n] of Object.entries(asRecord(r.counts))) if (typeof n === "number") counts[type] = n;
  for (const [type, list] of Object.entries(anomalies)) counts[type] ??= list.length;
  const found = new Set([...strings(r["anomaly-types"]), ...Object.keys(anomalies).filter((t) => (counts[t] ?? 0) > 0)]);
  const mode = asRecord(r.mode);
  const view: ResultsView = {
    valid: readVerdict(r.valid),
    "anomaly-types": [...found].sort(),
    "bad-anomaly-types": [...new Set(strings(r["bad-anomaly-types"]))].sort(),
    anomalies,
    counts,
    "unknown-reasons": strings(r["unknown-reasons"]),
    mode: {
      subscribe: mode.subscribe === true,
      transactional: mode.transactional === true,
      source: mode.source === "test.json" ? "test.json" : "inferred",
    },
    stats: readStats(r.stats),
  };
  if (Array.isArray(r["checked-anomaly-types"])) view["checked-anomaly-types"] = strings(r["checked-anomaly-types"]);
  return view;
}

/** The results to show when results.json is missing: the verdict cannot be known. */
export function missingResults(reason: string): ResultsView {
  const r = readResults({});
  r["unknown-reasons"] = [reason];
  return r;
}

export const verdictWord = (v: Verdict): "valid" | "invalid" | "unknown" => (v === true ? "valid" : v === false ? "invalid" : "unknown");

/** Total count of a type: results.counts, else the number of listed cases. */
export const anomalyCount = (r: Results, type: string): number => r.counts[type] ?? r.anomalies[type]?.length ?? 0;
