// `npm run chaos -- [flags]`: resolves the test description from presets and flags, runs the
// test (or `--repeat N` seeds of it), prints the verdict and exits 0 valid / 1 invalid /
// 2 unknown / 3 harness error. SIGINT/SIGTERM: heal, check what was recorded, tear down; a
// second signal skips straight to teardown.
import fs from "node:fs";
import path from "node:path";
import { defaultConfig, defaultName, helpText, parseRunFlags, validateConfig, type TestConfig } from "../../harness/config.ts";
import { KcError } from "../../core/errors.ts";
import { EXIT, EXIT_CODES_HELP, EXIT_HARNESS_ERROR, worstExitCode } from "../../core/exit-codes.ts";
import { log } from "../../core/log.ts";
import { PRESETS } from "../../harness/presets.ts";
import { runTest, verdictLine } from "../../harness/run.ts";
import { writeReports } from "../../report/index.ts";
import { FAMILIES } from "../../nemeses/index.ts";

function usage(): string {
  return [
    "usage: npm run chaos -- [--preset NAME] [--repeat N] [flags]",
    "",
    "flags:",
    helpText(),
    `  --${"preset".padEnd(20)} apply a named preset before the other flags`,
    `  --${"repeat".padEnd(20)} run N tests with seeds seed, seed+1, ... and print detection rates`,
    `  --${"matrix".padEnd(20)} run every entry of a JSON file {"runs": [[flags...], ...]} in a row`,
    `  --${"clients".padEnd(20)} differential: run one seeded plan through each client in a row, e.g. kafkajs@2.2.4,kafkajs@1.16.0,confluent;`,
    `  ${"".padEnd(22)} the store's index.html compares them side by side`,
    "",
    "nemeses and their targets (--nemesis-targets):",
    ...Object.entries(FAMILIES).map(([name, make]) => `  ${name.padEnd(20)} ${make({ upgradeTo: "V" }).targets.join(", ")}`),
    "",
    "presets:",
    ...Object.entries(PRESETS).map(([k, p]) => `  ${k.padEnd(20)} ${p.description}\n  ${"".padEnd(20)} = ${p.flags.join(" ")}`),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

interface Parsed {
  config: TestConfig;
  repeat: number;
  seedGiven: boolean;
}

export function resolveRunArgs(argv: string[]): Parsed | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const rest: string[] = [];
  let preset: string | undefined;
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === "--preset" || flag === "--repeat") {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new KcError("KC_BAD_FLAG", `${flag} needs a value`, { hint: flag === "--preset" ? `one of ${Object.keys(PRESETS).join(", ")}` : "a number of runs, e.g. --repeat 10" });
      if (flag === "--preset") {
        if (!PRESETS[v]) throw new KcError("KC_BAD_FLAG", `--preset ${JSON.stringify(v)} is not valid: expected one of ${Object.keys(PRESETS).join(", ")}`, { hint: "see `npm run chaos -- --help`" });
        preset = v;
      } else {
        repeat = Number(v);
        if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000) throw new KcError("KC_BAD_FLAG", `--repeat ${JSON.stringify(v)} is not valid: expected an integer from 1 to 1000`);
      }
    } else rest.push(argv[i]);
  }
  const base = defaultConfig();
  const withPreset = preset ? parseRunFlags(PRESETS[preset].flags, base).config : base;
  const { config, seedGiven, nameGiven } = parseRunFlags(rest, withPreset);
  if (preset) config.preset = preset;
  if (!nameGiven) config.name = defaultName(config);
  validateConfig(config);
  config.command = ["npm run chaos --", ...argv].join(" ");
  return { config, repeat, seedGiven };
}

/**
 * `--matrix FILE`: a JSON file `{"runs": [[flags...], ...]}`; each entry is one test (with the
 * other command-line flags appended), run in a row into one store and one index page.
 */
export function readMatrix(argv: string[]): { entries: string[][]; rest: string[] } | undefined {
  const i = argv.findIndex((a) => a === "--matrix" || a.startsWith("--matrix="));
  if (i < 0) return undefined;
  const file = argv[i].includes("=") ? argv[i].slice("--matrix=".length) : argv[i + 1];
  const rest = argv.filter((_, j) => j !== i && (argv[i].includes("=") || j !== i + 1));
  if (!file) throw new KcError("KC_BAD_FLAG", "--matrix needs a file", { hint: "e.g. --matrix matrix/known-bugs.json" });
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new KcError("KC_BAD_MATRIX", `cannot read matrix ${file}: ${(err as Error).message}`, { hint: 'write {"runs": [["--preset", "safe"], ["--nemesis", "kill"]]}' });
  }
  const runs = (parsed as { runs?: unknown }).runs;
  if (!Array.isArray(runs) || !runs.every((r) => Array.isArray(r) && r.every((x) => typeof x === "string"))) {
    throw new KcError("KC_BAD_MATRIX", `${file}: "runs" must be a list of flag lists`, { hint: 'write {"runs": [["--preset", "safe"], ["--nemesis", "kill"]]}' });
  }
  return { entries: runs as string[][], rest };
}

/**
 * `--clients A,B,...`: a differential run. Each client gets the same flags and the same seed (one
 * is drawn when none is given), so the same plan of ops and faults meets each in turn.
 */
export function readClients(argv: string[]): { clients: string[]; rest: string[] } | undefined {
  const i = argv.findIndex((a) => a === "--clients" || a.startsWith("--clients="));
  if (i < 0) return undefined;
  const inline = argv[i].includes("=");
  const list = inline ? argv[i].slice("--clients=".length) : argv[i + 1];
  const rest = argv.filter((_, j) => j !== i && (inline || j !== i + 1));
  const clients = (list ?? "").split(",").map((c) => c.trim()).filter(Boolean);
  if (clients.length < 2) throw new KcError("KC_BAD_FLAG", `--clients needs at least two clients, comma separated (got ${JSON.stringify(list ?? "")})`, { hint: "e.g. --clients kafkajs@2.2.4,kafkajs@1.16.0" });
  if (rest.some((a) => a === "--client" || a.startsWith("--client="))) throw new KcError("KC_BAD_FLAG", "--clients and --client cannot be combined", { hint: "list every client in --clients" });
  if (rest.some((a) => a === "--matrix" || a.startsWith("--matrix="))) throw new KcError("KC_BAD_FLAG", "--clients and --matrix cannot be combined", { hint: "put --client NAME into each matrix entry instead" });
  return { clients, rest };
}

export async function runCommand(argv: string[]): Promise<number> {
  const differential = readClients(argv);
  if (differential) {
    const { clients, rest } = differential;
    // Validate every client before running any; one seed for all.
    const parsed = clients.map((c) => resolveRunArgs([...rest, "--client", c]));
    if (parsed.some((p) => p === "help")) return runOne(["--help"]);
    const seedArgs = (parsed[0] as Parsed).seedGiven ? [] : ["--seed", String(Math.floor(Math.random() * 2 ** 31))];
    const tag = { id: new Date().toISOString().replace(/[:.]/g, "").replace(/Z$/, ""), clients };
    const codes: number[] = [];
    for (const [k, c] of clients.entries()) {
      log().info(`differential run ${tag.id}: client ${k + 1} of ${clients.length}, ${c}`);
      try {
        codes.push(await runOne([...rest, ...seedArgs, "--client", c], tag));
      } catch (err) {
        // One client that cannot run (e.g. a release that does not install) does not stop the others.
        if (!(err instanceof KcError)) throw err;
        console.error(`\n${c}: ${err.describe()}`);
        codes.push(EXIT_HARNESS_ERROR);
      }
    }
    const word = (code: number) => Object.entries(EXIT).find(([, v]) => v === code)?.[0] ?? String(code);
    console.log(`differential run ${tag.id}: ${clients.map((c, k) => `${c} ${word(codes[k])}`).join(", ")}; side by side in ${path.resolve((parsed[0] as Parsed).config.store, "index.html")}`);
    return worstExitCode(codes);
  }
  const matrix = readMatrix(argv);
  if (matrix) {
    // Validate every entry before running any, so a typo does not surface an hour in.
    for (const e of matrix.entries) resolveRunArgs([...e, ...matrix.rest]);
    const codes: number[] = [];
    for (const [k, e] of matrix.entries.entries()) {
      log().info(`matrix entry ${k + 1} of ${matrix.entries.length}: ${e.join(" ")}`);
      codes.push(await runOne([...e, ...matrix.rest]));
    }
    return worstExitCode(codes);
  }
  return runOne(argv);
}

async function runOne(argv: string[], differential?: TestConfig["differential"]): Promise<number> {
  const parsed = resolveRunArgs(argv);
  if (parsed === "help") {
    console.log(usage());
    return 0;
  }
  const { config, repeat, seedGiven } = parsed;
  if (differential) config.differential = differential;
  if (!seedGiven) config.seed = Math.floor(Math.random() * 2 ** 31);

  // First signal: stop the workload, heal, check. Second: skip to teardown.
  const soft = new AbortController();
  const hard = new AbortController();
  const onSignal = (sig: string) => {
    if (!soft.signal.aborted) {
      log().warn(`${sig}: stopping the test; healing faults and checking what was recorded (again to skip to teardown)`);
      soft.abort();
    } else if (!hard.signal.aborted) {
      log().warn(`${sig}: skipping to teardown`);
      hard.abort();
    }
  };
  const sigint = () => onSignal("SIGINT");
  const sigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);

  const outcomes: { seed: number; exitCode: number; types: string[]; runDir: string }[] = [];
  for (let i = 0; i < repeat && !soft.signal.aborted; i++) {
    const c: TestConfig = structuredClone(config);
    c.seed = config.seed + i;
    c.startedAt = new Date().toISOString();
    if (repeat > 1) log().info(`run ${i + 1} of ${repeat}, seed ${c.seed}`);
    const out = await runTest(c, soft.signal, hard.signal, { report: writeReports });
    outcomes.push({ seed: c.seed, exitCode: out.exitCode, types: out.results?.["bad-anomaly-types"] ?? [], runDir: out.runDir });
    if (out.results) console.log(verdictLine(out.results, out.runDir));
  }
  process.off("SIGINT", sigint);
  process.off("SIGTERM", sigterm);
  if (!outcomes.length) return EXIT_HARNESS_ERROR;
  if (repeat > 1) console.log(detectionTable(outcomes));
  return worstExitCode(outcomes.map((o) => o.exitCode));
}


/** Detection rate per anomaly type over repeated runs. */
export function detectionTable(outcomes: { seed: number; exitCode: number; types: string[] }[]): string {
  const n = outcomes.length;
  const per = new Map<string, number>();
  for (const o of outcomes) for (const t of o.types) per.set(t, (per.get(t) ?? 0) + 1);
  const invalid = outcomes.filter((o) => o.exitCode === 1).length;
  const unknown = outcomes.filter((o) => o.exitCode === 2).length;
  const lines = [
    `runs: ${n}; invalid ${invalid} (${pct(invalid, n)}), unknown ${unknown}, valid ${outcomes.filter((o) => o.exitCode === 0).length}`,
    "anomaly type                 detected in",
    ...[...per].sort((a, b) => b[1] - a[1]).map(([t, k]) => `${t.padEnd(28)} ${k}/${n} (${pct(k, n)})`),
  ];
  return lines.join("\n");
}

const pct = (k: number, n: number) => `${Math.round((100 * k) / n)}%`;
