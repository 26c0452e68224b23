// One JVM per run that hosts every Java client of it (./Sidecar.java), driven over its stdin and
// stdout, one JSON object per line. Requests carry ids; responses come back in any order.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { JavaError } from "./errors.ts";

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "Sidecar.java");

interface Pending {
  resolve: (r: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export class Sidecar {
  readonly version: Promise<string>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: Error | undefined;
  private readonly log = component("java");

  constructor(classpath: string) {
    this.child = spawn("java", ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, SOURCE], { stdio: ["pipe", "pipe", "pipe"] });
    let ready: Pending | undefined;
    this.version = new Promise((resolve, reject) => (ready = { resolve: (r) => resolve(String(r.version)), reject }));
    this.pending.set(0, ready!);
    readline.createInterface({ input: this.child.stdout }).on("line", (line) => this.onLine(line));
    readline.createInterface({ input: this.child.stderr }).on("line", (line) => this.log.debug(line));
    this.child.on("error", (e) => this.fail(new KcError("KC_JAVA_CLIENT", `the Java client's sidecar could not start: ${e.message}`, { hint: "install a JDK 17 (apt-get install openjdk-17-jdk-headless): the sidecar runs as a single-file Java program" })));
    this.child.on("exit", (code, sig) => this.fail(new KcError("KC_JAVA_CLIENT", `the Java client's sidecar exited (${sig ?? `code ${code}`})`, { hint: "its output is in harness.log (component java)" })));
  }

  private onLine(line: string): void {
    let m: { id: number; ok: boolean; r?: Record<string, unknown>; error?: string; message?: string };
    try {
      m = JSON.parse(line);
    } catch {
      this.log.debug(line);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.r ?? {});
    else p.reject(new JavaError(m.error ?? "Error", m.message ?? ""));
  }

  private fail(e: Error): void {
    this.exited ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** One call; rejects with a JavaError (the root cause's class) when the client threw. */
  call(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify({ id, op, ...args }) + "\n");
    });
  }

  close(): void {
    this.child.stdin.end();
    setTimeout(() => this.child.kill("SIGKILL"), 3000).unref();
  }
}
