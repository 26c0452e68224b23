// The history as Op objects, streamed from history.jsonl: the reader the report and the final
// reads use (the checkers use ./reader.ts, which decodes the same lines into flat columns and
// validates them). Lenient by design: a crashed harness can leave a torn last line, which is
// counted in `bad` and skipped, so a report can still be drawn from what was written.
import { closeSync, openSync, readSync } from "node:fs";
import { JepsenKeys, opFromEdnLine } from "./jepsen.ts";
import type { Op } from "./op.ts";

/** Lines of a file, read in chunks so histories larger than a string can still be read. */
export function* readLines(path: string): Generator<string> {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    let rest = "";
    const decoder = new TextDecoder("utf-8");
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const text = rest + decoder.decode(buf.subarray(0, n), { stream: true });
      const lines = text.split("\n");
      rest = lines.pop() ?? "";
      yield* lines;
    }
    rest += decoder.decode();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** A Jepsen history (history.edn), read through ./jepsen.ts rather than as JSON lines. */
export const isEdnHistory = (path: string): boolean => path.endsWith(".edn");

/** The op lines of a history.edn with their line numbers (1-based): blank lines and `;` comments skipped. */
export function* ednOpLines(path: string): Generator<{ text: string; no: number }> {
  let no = 0;
  for (const text of readLines(path)) {
    no++;
    if (text.trim() && !text.trimStart().startsWith(";")) yield { text, no };
  }
}

/** Ops of a history.jsonl (or a Jepsen history.edn); torn or malformed lines are counted in `bad.count` and skipped. */
export function* readOpsFile(path: string, bad: { count: number } = { count: 0 }): Generator<Op> {
  if (isEdnHistory(path)) {
    const keys = JepsenKeys.forFile(path);
    let n = 0;
    for (const { text } of ednOpLines(path)) {
      try {
        yield opFromEdnLine(text, keys, path, n++);
      } catch {
        bad.count++;
      }
    }
    return;
  }
  for (const line of readLines(path)) {
    if (!line.trim()) continue;
    const op = parseOpLine(line, bad);
    if (op) yield op;
  }
}

/** One line of a history.jsonl as an Op, or undefined (counted in `bad.count`) if it is not one. */
export function parseOpLine(line: string, bad: { count: number }): Op | undefined {
  try {
    const op = JSON.parse(line) as Op;
    if (op && typeof op === "object" && typeof op.index === "number") return op;
  } catch {
    // counted below
  }
  bad.count++;
  return undefined;
}

