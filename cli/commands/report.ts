// `npm run report -- <run-dir>`: rebuilds report.html, junit.xml and summary.md of a stored run
// from its files alone (no cluster, no checkers), and refreshes the store's index.html.
// Exit code follows the run's verdict (design.md): 0 valid, 1 invalid, 2 unknown, 3 errors.

import { existsSync } from "node:fs";
import { relative } from "node:path";
import { KcError } from "../../core/errors.ts";
import { EXIT_HARNESS_ERROR } from "../../core/exit-codes.ts";
import { byDesignOrder } from "../../report/anomaly-descriptions.ts";
import { anomalyCount, verdictWord } from "../../report/model.ts";
import { storeOf, updateStoreIndex, writeRunArtifacts } from "../../report/run-dir.ts";

export const REPORT_USAGE = `Usage: npm run report -- [run-dir] [--store <dir>] [--no-index]

Rebuilds report.html, junit.xml and summary.md of a stored run from test.json, history.jsonl
and results.json, then rewrites the store's index.html.

  run-dir        a run directory, store/<test-name>/<timestamp> (default: store/latest)
  --store <dir>  the store whose index.html to update (default: the run's store, if it is in one)
  --no-index     do not touch the store's index.html

Exit code: 0 valid, 1 invalid, 2 unknown (the run's verdict), ${EXIT_HARNESS_ERROR} on errors.`;

interface Args {
  runDir?: string;
  store?: string;
  index: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { index: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") args.help = true;
    else if (a === "--no-index") args.index = false;
    else if (a === "--store" || a.startsWith("--store=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!v) throw new KcError("REPORT_USAGE", "--store needs a directory", { hint: REPORT_USAGE });
      args.store = v;
    } else if (a.startsWith("-")) throw new KcError("REPORT_USAGE", `unknown option ${a}`, { hint: REPORT_USAGE });
    else if (args.runDir === undefined) args.runDir = a;
    else throw new KcError("REPORT_USAGE", `one run directory at a time (got ${args.runDir} and ${a})`, { hint: REPORT_USAGE });
  }
  return args;
}

const display = (p: string) => {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") ? rel : p;
};

export async function reportCommand(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${REPORT_USAGE}\n`);
      return 0;
    }
    let runDir = args.runDir;
    if (runDir === undefined) {
      if (!existsSync("store/latest")) throw new KcError("REPORT_NO_RUN", "no run directory given and no store/latest", { hint: REPORT_USAGE });
      runDir = "store/latest";
    }
    const out = writeRunArtifacts(runDir);
    for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
    const lines = [`report:  ${display(out.report)}`, `junit:   ${display(out.junit)}`, `summary: ${display(out.summary)}`];
    const store = args.index ? (args.store ?? storeOf(runDir)) : undefined;
    if (store) lines.push(`index:   ${display(updateStoreIndex(store))}`);
    const r = out.results;
    const v = verdictWord(r.valid);
    const detail =
      v === "invalid"
        ? byDesignOrder(r["bad-anomaly-types"]).map((t) => `${t} ×${anomalyCount(r, t)}`).join(", ")
        : v === "unknown"
          ? (r["unknown-reasons"] ?? []).join("; ")
          : "";
    lines.push(`verdict: ${v.toUpperCase()}${detail ? ` (${detail})` : ""}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    return v === "valid" ? 0 : v === "invalid" ? 1 : 2;
  } catch (e) {
    process.stderr.write(`${e instanceof KcError ? e.describe() : `report failed: ${(e as Error)?.stack ?? e}`}\n`);
    return EXIT_HARNESS_ERROR;
  }
}
