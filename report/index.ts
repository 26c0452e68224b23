// The report package: self-contained HTML per run, the store index, JUnit XML and a Markdown
// summary, all rendered from the stored files of a run directory.

export { renderReport, listRunFiles, type ReportInput, type RunFiles } from "./render-report.ts";
export { renderIndex, sortRunsNewestFirst, type RunSummary, type IndexVerdict } from "./render-index.ts";
export { renderJUnit, renderMarkdownSummary, checkedTypes, type CiInput } from "./ci.ts";
export { writeRunArtifacts, updateStoreIndex, collectRuns, loadRun, storeOf, type RunArtifacts, type StoredRun } from "./run-dir.ts";
export { ANOMALY_DESCRIPTIONS, KNOWN_ANOMALY_TYPES, describeAnomaly, type AnomalyDescription } from "./anomaly-descriptions.ts";
export { escapeHtml, jsonForScript } from "./html.ts";

import { updateStoreIndex, writeRunArtifacts } from "./run-dir.ts";

/** The run lifecycle's report hook: a run's report.html and CI summaries, then the store's index. */
export async function writeReports(runDir: string, store: string): Promise<void> {
  await writeRunArtifacts(runDir);
  await updateStoreIndex(store);
}
