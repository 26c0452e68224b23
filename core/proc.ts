// Runs host commands (docker CLI, mvn, go, mmdebstrap) with their output streamed line by line.
import { spawn } from "node:child_process";
import { KcError } from "./errors.ts";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each output line (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Keep this many last lines for error messages. */
  tail?: number;
  input?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  lastLines: string[];
}

/** Runs a command to completion; never throws for a non-zero exit (see `runOk`). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const tail: string[] = [];
    const keep = opts.tail ?? 30;
    let stdout = "";
    const lineSplitter = (isStdout: boolean) => {
      let buf = "";
      return (chunk: Buffer) => {
        const s = chunk.toString("utf8");
        if (isStdout) stdout += s;
        buf += s;
        let nl: number;
        while ((nl = buf.search(/[\r\n]/)) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > keep) tail.shift();
          opts.onLine?.(line);
        }
      };
    };
    child.stdout.on("data", lineSplitter(true));
    child.stderr.on("data", lineSplitter(false));
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") reject(new KcError("KC_COMMAND_MISSING", `command not found: ${cmd}`, { hint: `install ${cmd} or put it on PATH` }));
      else reject(err);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, lastLines: tail }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs a command and throws a KcError with its last output lines when it fails. */
export async function runOk(code: string, cmd: string, args: string[], opts: RunOptions & { what?: string; hint?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new KcError(code, `${opts.what ?? `${cmd} ${args.join(" ")}`} failed with exit code ${r.code}`, {
      details: r.lastLines.map((l) => `  | ${l}`).join("\n"),
      hint: opts.hint,
    });
  }
  return r;
}

export async function commandExists(cmd: string): Promise<boolean> {
  try {
    const r = await run("sh", ["-c", `command -v ${cmd}`]);
    return r.code === 0;
  } catch {
    return false;
  }
}
