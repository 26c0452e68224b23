// The cluster's own view (`debug-topic-partitions` ops, --debug-partitions): one row per
// observation, one column per key (– where the key was not active then); a cell gives the leader and the ISR the brokers named, the
// key's log end, and, where the brokers disagree (a broker cut off keeps its stale view), each
// broker's answer.
import type { PartitionView, TopicPartitionsView } from "../nemeses/observer.ts";
import type { Op } from "../core/history/op.ts";
import { html, join, type SafeHtml } from "./html.ts";
import { seconds } from "./format.ts";

export const DEBUG_F = "debug-topic-partitions";

/** broker-2 → b2, zk-1 → zk1: cells stay narrow. */
const short = (n: string | number | null): string => (n === null ? "none" : String(n).replace(/^broker-/, "b").replace(/-/g, ""));

type Observation = TopicPartitionsView & { after?: string; tick?: number; keys?: string[] };
const isView = (v: unknown): v is Observation => typeof v === "object" && v !== null && "brokers" in v;

function cell(key: string, v: Observation): SafeHtml {
  if (v.keys && !v.keys.includes(key)) return html`<td class="muted">–</td>`;
  const answers: [string, PartitionView][] = [];
  for (const [b, view] of Object.entries(v.brokers)) {
    if (!("error" in view) && (view as Record<string, PartitionView>)[key]) answers.push([b, (view as Record<string, PartitionView>)[key]]);
  }
  const end = "error" in v.logEnds ? undefined : (v.logEnds as Record<string, number>)[key];
  const endText = end === undefined ? "" : ` · end ${end}`;
  if (!answers.length) return html`<td class="muted">no answer${endText}</td>`;
  const one = ([, p]: [string, PartitionView]) => `${short(p.leader)} [${p.isr.map(short).join(",")}]`;
  if (!v.disagree.includes(key)) return html`<td class="nowrap">${one(answers[0])}${endText}</td>`;
  return html`<td class="bad">${join(answers.map((a) => html`${short(a[0])}: ${one(a)}`), "<br>")}${endText}</td>`;
}

/** The table of observations, or nothing when the run recorded none. */
export function renderClusterViews(nemesis: readonly Op[]): SafeHtml {
  const views = nemesis.filter((op) => op.f === DEBUG_F && !op.error && isView(op.value)).map((op) => ({ op, v: op.value as Observation }));
  if (!views.length) return html``;
  const keys = [...new Set(views.flatMap(({ v }) => [...(v.keys ?? []), ...Object.values(v.brokers).flatMap((b) => ("error" in b ? [] : Object.keys(b)))]))].sort();
  const rows = views.map(({ op, v }) => {
    const silent = Object.entries(v.brokers).filter(([, b]) => "error" in b).map(([b]) => short(b));
    return html`<tr><td class="num"><a href="#op-${op.index}" class="op-link" data-op="${op.index}">${seconds(op.time / 1e9)}</a></td><td class="nowrap">${v.after ? `after ${v.after}` : `every ${v.tick ?? "?"} s`}${silent.length ? html`<br><span class="muted">no answer: ${silent.join(", ")}</span>` : ""}</td>${join(keys.map((k) => cell(k, v)))}</tr>`;
  });
  return html`<details class="cluster-views" open><summary>the cluster's view of the partitions, ${views.length} observations (leader [ISR] · log end; red: the brokers disagree)</summary>
<table><thead><tr><th>time</th><th>moment</th>${join(keys.map((k) => html`<th>${k}</th>`))}</tr></thead><tbody>${join(rows)}</tbody></table></details>`;
}
