// A node's log as the harness follows it: written to nodes/<node>/container.log, the last lines
// kept for error messages, and line watchers for readiness waits. Fed by a deployment (Docker's
// container logs, Kubernetes' pod logs).
import fs from "node:fs";
import path from "node:path";
import { KcError } from "../core/errors.ts";

/**
 * Follows a node's output (a container's logs, a pod's) into a file, keeping the last lines in memory for error
 * messages and notifying line watchers (readiness waits). Ends when the container is removed.
 */
export class LogFollower {
  readonly lines: string[] = [];
  /** Lines seen since following began (the buffer keeps only the last `keep`). */
  count = 0;
  private readonly watchers = new Set<(line: string) => void>();
  private partial = "";
  private readonly keep: number;
  private file: fs.WriteStream;
  private stream?: NodeJS.ReadableStream;

  constructor(file: string, keep = 400) {
    this.file = fs.createWriteStream(file, { flags: "a" });
    this.keep = keep;
  }

  /** Reads lines from `stream` (a node's output); `source`, when given, is what `close` destroys. */
  attach(stream: NodeJS.ReadableStream, source: NodeJS.ReadableStream = stream): void {
    this.stream = source;
    stream.on("data", (chunk: Buffer) => this.feed(chunk));
    stream.on("error", () => undefined);
  }

  /** Takes a chunk of the node's output. */
  feed(chunk: Buffer): void {
    this.file.write(chunk);
    this.partial += chunk.toString("utf8");
    let nl: number;
    while ((nl = this.partial.indexOf("\n")) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.lines.push(line);
      this.count++;
      if (this.lines.length > this.keep) this.lines.shift();
      for (const w of this.watchers) w(line);
    }
  }

  /** Last n lines, for error messages. */
  tail(n = 30): string[] {
    return this.lines.slice(-n);
  }

  /** A position in the log, for `waitFor(..., since)`. */
  mark(): number {
    return this.count;
  }

  /** The buffered lines seen after `since` (a mark). */
  linesSince(since: number): string[] {
    return this.lines.slice(Math.max(0, this.lines.length - (this.count - since)));
  }

  /** Resolves with the first line after `since` (default: now) matching `re`; rejects on `failOn`. */
  waitFor(re: RegExp, timeoutMs: number, failOn?: RegExp, since = this.count): Promise<string> {
    for (const line of this.linesSince(since)) {
      if (re.test(line)) return Promise.resolve(line);
      if (failOn?.test(line)) return Promise.reject(new Error(`process failed: ${line}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${re}`));
      }, timeoutMs);
      const watch = (line: string) => {
        if (re.test(line)) {
          clearTimeout(timer);
          this.watchers.delete(watch);
          resolve(line);
        } else if (failOn?.test(line)) {
          clearTimeout(timer);
          this.watchers.delete(watch);
          reject(new Error(`process failed: ${line}`));
        }
      };
      this.watchers.add(watch);
    });
  }

  close(): void {
    (this.stream as unknown as { destroy?: () => void })?.destroy?.();
    this.file.end();
  }
}

/** The log of a node of a run: nodes/<node>/container.log in the run directory. */
export function nodeLog(runDir: string, node: string): LogFollower {
  const dir = path.join(runDir, "nodes", node);
  fs.mkdirSync(dir, { recursive: true });
  return new LogFollower(path.join(dir, "container.log"));
}

/** Polls `ready` until true; throws a KcError naming `what` when time runs out (with the log's last lines). */
export async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number, what: string, log?: LogFollower): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new KcError("KC_NOT_READY", `timed out after ${timeoutMs / 1000} s waiting for ${what}`, {
    details: log ? log.tail(15).map((l) => `  | ${l}`).join("\n") : undefined,
  });
}
