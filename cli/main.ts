#!/usr/bin/env node
// kafka-chaos command line: `run` (npm run chaos), `check`, `export`, `report`, `images`, `clean`.
// Every command returns an exit code; harness errors print their code, context and a hint.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
import { KcError } from "../core/errors.ts";
import { EXIT_HARNESS_ERROR } from "../core/exit-codes.ts";

type Command = (argv: string[]) => Promise<number>;


const COMMANDS: Record<string, { help: string; load: () => Promise<Command> }> = {
  run: { help: "run a test: cluster up, workload + faults, check, report, cluster down", load: async () => (await import("./commands/run.ts")).runCommand },
  check: { help: "re-check a stored history: check <run-dir | history.jsonl> [--json]", load: async () => (await import("./commands/check.ts")).checkCommand },
  export: { help: "write a history as a Jepsen history.edn, or back: export <run-dir | history file> [--format edn|jsonl]", load: async () => (await import("./commands/export.ts")).exportCommand },
  report: { help: "rebuild a run's report.html from its stored files: report <run-dir>", load: async () => (await import("./commands/report.ts")).reportCommand },
  images: { help: "build (or find) the Docker images: images [--kafka-version V] [--force]", load: async () => (await import("./commands/images.ts")).imagesCommand },
  clean: { help: "remove leftovers of crashed runs: clean [--all]", load: async () => (await import("./commands/clean.ts")).cleanCommand },
};

function usage(): string {
  return ["usage: node cli/main.ts <command> [flags]", "", ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(8)} ${c.help}`)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  quietNegativeTimeoutWarnings();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : EXIT_HARNESS_ERROR;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT_HARNESS_ERROR;
  }
  return (await cmd.load())(rest);
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof KcError) {
    // (runTest has already put it into the run's harness.log)
    console.error(`\n${err.describe()}`);
  } else {
    console.error(err);
  }
  code = EXIT_HARNESS_ERROR;
}
// Exit explicitly: a Kafka client can leave timers behind (kafkajs' leaked fetchers, see
// workloads/kafkajs/patches.ts) that would keep the process alive after the work is done. First
// let stdout drain: into a full pipe it queues the rest (`check --json | ...` lost all past 64 KB).
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(code);
