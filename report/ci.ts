// What CI reads: JUnit XML (one testcase per anomaly type checked, a failure for each type that
// counts, an error when the verdict is unknown) and a Markdown summary (for a job summary or a
// pull-request comment).

import { byDesignOrder, describeAnomaly, KNOWN_ANOMALY_TYPES } from "./anomaly-descriptions.ts";
import { count, dateTime, duration } from "./format.ts";
import { escapeXml } from "./html.ts";
import { anomalyCount, readResults, readTestInfo, verdictWord, type ResultsView } from "./model.ts";

export interface CiInput {
  /** Parsed test.json. */
  test: unknown;
  /** Parsed results.json. */
  results: unknown;
  /** Link to the HTML report, relative to where the summary is shown. Default "report.html". */
  reportHref?: string;
}

/** Types the checkers looked at: results' own list when present, else every type of design.md, plus all found. */
export function checkedTypes(r: ResultsView): string[] {
  return byDesignOrder([...(r["checked-anomaly-types"] ?? KNOWN_ANOMALY_TYPES), ...r["anomaly-types"], ...r["bad-anomaly-types"]]);
}

const MAX_EXPLANATIONS = 5;

function explanations(r: ResultsView, type: string): string {
  const list = r.anomalies[type] ?? [];
  const lines = list.slice(0, MAX_EXPLANATIONS).map((a, i) => `${i + 1}. ${a.explanation || a.type}${a.ops.length ? ` (ops ${a.ops.join(", ")})` : ""}`);
  const total = anomalyCount(r, type);
  if (total > lines.length) lines.push(`… ${total - lines.length} more; see report.html`);
  return lines.join("\n");
}

export function renderJUnit(input: CiInput): string {
  const test = readTestInfo(input.test);
  const r = readResults(input.results);
  const verdict = verdictWord(r.valid);
  const bad = new Set(r["bad-anomaly-types"]);
  const suite = `kafka-chaos.${test.name}`;
  const time = (r.stats.durationSeconds || 0).toFixed(3);
  const a = (v: unknown) => escapeXml(v);
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;

  const reasons = r["unknown-reasons"] ?? [];
  let verdictBody = "";
  if (verdict === "unknown") {
    errors++;
    const msg = `verdict unknown: ${reasons.join("; ") || "the history cannot support a verdict"}`;
    verdictBody = `\n      <error message="${a(msg)}" type="unknown">${a(reasons.join("\n"))}</error>\n    `;
  } else if (verdict === "invalid" && bad.size === 0) {
    failures++;
    verdictBody = `\n      <failure message="run is invalid" type="invalid">results.json says the run is invalid but names no anomaly type that counts</failure>\n    `;
  }
  cases.push(`    <testcase classname="${a(suite)}" name="verdict" time="${time}">${verdictBody}</testcase>`);

  for (const type of checkedTypes(r)) {
    const n = anomalyCount(r, type);
    let body = "";
    if (bad.has(type) && (n > 0 || verdict === "invalid")) {
      failures++;
      const msg = `${count(n)} ${type} ${n === 1 ? "anomaly" : "anomalies"}: ${describeAnomaly(type).title}`;
      body = `\n      <failure message="${a(msg)}" type="${a(type)}">${a(`${describeAnomaly(type).meaning}\n\n${explanations(r, type)}`)}</failure>\n    `;
    } else if (n > 0) {
      body = `\n      <system-out>${a(`${count(n)} found; informational in this mode (does not make the run invalid).\n${explanations(r, type)}`)}</system-out>\n    `;
    }
    cases.push(`    <testcase classname="${a(`${suite}.anomalies`)}" name="${a(type)}" time="0">${body}</testcase>`);
  }

  const props: [string, string | undefined][] = [
    ["verdict", verdict],
    ["seed", test.seed],
    ["command", test.command],
    ["kafka.version", test.kafkaVersion],
    ["kafka.mode", test.kafkaMode],
    ["product", test.product],
    ["client", test.client],
  ];
  const timestamp = test.startedAt && !Number.isNaN(Date.parse(test.startedAt)) ? new Date(test.startedAt).toISOString().slice(0, 19) : undefined;
  const attrs = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kafka-chaos" ${attrs}>
  <testsuite name="${a(suite)}" ${attrs}${timestamp ? ` timestamp="${timestamp}"` : ""}>
    <properties>
${props
  .filter(([, v]) => v !== undefined)
  .map(([k, v]) => `      <property name="${a(k)}" value="${a(v)}"/>`)
  .join("\n")}
    </properties>
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}

/** Text for Markdown prose: HTML and Markdown specials escaped, one line. */
export function mdText(s: unknown): string {
  return String(s)
    .replace(/\r?\n/g, " ")
    .replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] ?? c)
    .replace(/([\\`*_[\]|#])/g, "\\$1");
}

/** A code span that survives backticks and table pipes in its content. */
export function mdCode(s: unknown): string {
  const text = String(s).replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${text}${fence.length > 1 ? " " : ""}${fence}`;
}

export function renderMarkdownSummary(input: CiInput): string {
  const test = readTestInfo(input.test);
  const r = readResults(input.results);
  const verdict = verdictWord(r.valid);
  const icon = verdict === "valid" ? "✅" : verdict === "invalid" ? "❌" : "⚠️";
  const bad = byDesignOrder(r["bad-anomaly-types"]);
  const out: string[] = [];
  out.push(`## ${icon} kafka-chaos: ${verdict.toUpperCase()} · ${mdText(test.name)}`, "");
  if (verdict === "invalid") {
    out.push(`**Anomalies that count:** ${bad.map((t) => `${mdCode(t)} ×${count(anomalyCount(r, t))}`).join(", ") || "none named"}.`, "");
  } else if (verdict === "valid") {
    out.push("No anomalies that count in this mode were found.", "");
  } else {
    out.push("**The history cannot support a verdict.**", "");
    for (const reason of r["unknown-reasons"] ?? []) out.push(`- ${mdText(reason)}`);
    if (r["unknown-reasons"]?.length) out.push("");
  }
  const kafka = [test.kafkaVersion, test.kafkaMode && `(${test.kafkaMode === "kraft" ? "KRaft" : test.kafkaMode === "zookeeper" ? "ZooKeeper" : test.kafkaMode})`].filter(Boolean).join(" ");
  const rows: [string, string | undefined][] = [
    ["Command", test.command && mdCode(test.command)],
    ["Seed", test.seed && mdCode(test.seed)],
    ["Kafka", kafka && mdText(kafka)],
    ["Broker", test.product && mdText(test.product)],
    ["Client", test.client && mdText(test.client)],
    ["Nemesis", Array.isArray(test.nemesis.faults) ? mdText((test.nemesis.faults as unknown[]).join(", ") || "none") : undefined],
    ["Started", test.startedAt && mdText(dateTime(test.startedAt))],
    ["Duration", r.stats.durationSeconds ? mdText(duration(r.stats.durationSeconds)) : undefined],
  ];
  out.push("| | |", "|---|---|", ...rows.filter(([, v]) => v).map(([k, v]) => `| ${k} | ${v} |`), "");
  const types = [...bad, ...byDesignOrder(r["anomaly-types"]).filter((t) => !bad.includes(t))];
  if (types.length) {
    out.push("| anomaly | counts | found | first example |", "|---|---|--:|---|");
    for (const t of types) {
      const first = r.anomalies[t]?.[0];
      out.push(`| ${mdCode(t)} | ${bad.includes(t) ? "yes" : "no"} | ${count(anomalyCount(r, t))} | ${first ? mdText(first.explanation || "") : ""} |`);
    }
    out.push("");
  }
  out.push(`Full report: [report.html](${input.reportHref ?? "report.html"})`, "");
  return out.join("\n");
}
