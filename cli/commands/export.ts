// `npm run export -- <run-dir | history file> [--format edn|jsonl] [--out PATH]`: writes a
// history in the other tool's shape. `--format edn` (the default) turns our history.jsonl into a
// Jepsen history.edn, one op map per line, for Elle or Jepsen's own Kafka checker; `--format
// jsonl` turns a Jepsen history.edn into a history.jsonl. The history is validated first (the
// checkers' reader), so a bad line is named rather than carried over.

import { existsSync, renameSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { resolveHistory } from "../../checkers/index.ts";
import { KcError } from "../../core/errors.ts";
import { EXIT_HARNESS_ERROR } from "../../core/exit-codes.ts";
import { JepsenKeys, keysOfOp, keyTablePath, opToEdnLine } from "../../core/history/jepsen.ts";
import { isEdnHistory, readOpsFile } from "../../core/history/ops-file.ts";
import { KeyTable, readHistoryFile } from "../../core/history/reader.ts";

export const EXPORT_USAGE = `usage: npm run export -- <run-dir | history.jsonl | history.edn> [--format edn|jsonl] [--out PATH]

  Writes a history in another shape, next to the input unless --out says where.
  --format edn    (default) a Jepsen history.edn: one op map per line, keywords for :type and :f,
                  :nemesis for the nemesis process, integer keys (topic tN partition P is key
                  2N+P, as Jepsen's Kafka clients number them; other key names are numbered in
                  order and listed in <out>.keys.json, which \`check\` reads back)
  --format jsonl  a history.jsonl of design.md, from a Jepsen history.edn
  --out PATH      the file to write (default: history.edn or history.jsonl beside the input)
Exit codes: 0 written, ${EXIT_HARNESS_ERROR} error.`;

type Format = "edn" | "jsonl";

interface Args {
  target: string;
  format: Format;
  out?: string;
}

function parseArgs(argv: string[]): Args | "help" {
  let target: string | undefined;
  let format: Format = "edn";
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (!v) throw new KcError("KC_USAGE", `${a.split("=")[0]} needs a value`, { hint: EXPORT_USAGE });
      return v;
    };
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--format" || a.startsWith("--format=")) {
      const f = value();
      if (f !== "edn" && f !== "jsonl") throw new KcError("KC_USAGE", `--format must be edn or jsonl, got ${JSON.stringify(f)}`, { hint: EXPORT_USAGE });
      format = f;
    } else if (a === "--out" || a.startsWith("--out=")) out = value();
    else if (a.startsWith("-")) throw new KcError("KC_USAGE", `unknown option ${a}`, { hint: EXPORT_USAGE });
    else if (target === undefined) target = a;
    else throw new KcError("KC_USAGE", `expected one run directory or history file, got also ${JSON.stringify(a)}`, { hint: EXPORT_USAGE });
  }
  if (target === undefined) throw new KcError("KC_USAGE", "missing the run directory or history file to export", { hint: EXPORT_USAGE });
  return { target, format, out };
}

/** Writes lines through a buffer (a 10M-op history does not fit one string). */
class LineSink {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  line(s: string): void {
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.buf.length) writeSync(this.fd, `${this.buf.join("\n")}\n`);
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Converts `history` into `out`; returns how many ops were written. */
export async function exportHistory(history: string, format: Format, out: string): Promise<{ ops: number; keyTable?: string }> {
  const fromEdn = isEdnHistory(history);
  if (fromEdn === (format === "edn"))
    throw new KcError("KC_USAGE", `${history} is already ${format === "edn" ? "EDN" : "JSONL"}`, {
      hint: fromEdn ? "Use --format jsonl to turn a Jepsen history.edn into a history.jsonl." : "Use --format edn to turn a history.jsonl into a Jepsen history.edn.",
    });
  if (out === history) throw new KcError("KC_USAGE", `--out ${out} is the input itself`, { hint: "Write the export to another file." });
  // Validate the whole input first: a malformed line is named, and nothing is written.
  await readHistoryFile(history, new KeyTable(), () => undefined, { worker: false });
  const tmp = `${out}.tmp-${process.pid}`;
  let keyTable: string | undefined;
  let ops = 0;
  const sink = new LineSink(tmp);
  try {
    if (format === "edn") {
      const keys = new Set<string>();
      for (const op of readOpsFile(history)) for (const k of keysOfOp(op)) keys.add(k);
      const jk = JepsenKeys.forKeys(keys);
      for (const op of readOpsFile(history)) {
        sink.line(opToEdnLine(op, jk));
        ops++;
      }
      const side = keyTablePath(out);
      if (jk.table) {
        writeFileSync(side, `${JSON.stringify(jk.table, null, 1)}\n`);
        keyTable = side;
      } else if (existsSync(side)) rmSync(side);
    } else {
      for (const op of readOpsFile(history)) {
        sink.line(JSON.stringify(op));
        ops++;
      }
    }
  } catch (e) {
    sink.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  sink.close();
  renameSync(tmp, out);
  return { ops, keyTable };
}

export async function exportCommand(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args === "help") {
      process.stdout.write(`${EXPORT_USAGE}\n`);
      return 0;
    }
    const { history } = await resolveHistory(args.target);
    // Beside the input, the extension swapped: history.jsonl → history.edn and back.
    const out = args.out ?? join(dirname(history), `${basename(history).replace(/\.(jsonl|edn)$/, "")}.${args.format}`);
    const { ops, keyTable } = await exportHistory(history, args.format, out);
    process.stdout.write(`wrote ${ops} ops to ${out}${keyTable ? ` (keys numbered in ${keyTable})` : ""}\n`);
    return 0;
  } catch (e) {
    if (e instanceof KcError) process.stderr.write(`${e.describe()}\n`);
    else process.stderr.write(`KC_INTERNAL: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT_HARNESS_ERROR;
  }
}
