// One JVM per run that hosts every Java client of it (./Sidecar.java), driven over its stdin and
// stdout, one JSON object per line. Requests carry ids; responses come back in any order.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { LineRpc } from "../line-rpc.ts";
import { JavaError } from "./errors.ts";

/** The sidecar's source: run as a single-file program, or compiled ahead into the clients image. */
export const SIDECAR_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "Sidecar.java");
const SOURCE = SIDECAR_SOURCE;

export class Sidecar {
  readonly version: Promise<string>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly rpc: LineRpc;
  private readonly log = component("java");

  /** `classes`: a directory with Sidecar.class compiled ahead (a JRE without a compiler, as in the clients image); default: run the source. */
  constructor(classpath: string, classes?: string) {
    const main = classes ? ["-cp", `${classes}:${classpath}`, "Sidecar"] : ["-cp", classpath, SOURCE];
    this.child = spawn("java", ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", ...main], { stdio: ["pipe", "pipe", "pipe"] });
    this.rpc = new LineRpc(this.child.stdin, this.child.stdout, (f) => new JavaError(f.error ?? "Error", f.message ?? ""), (line) => this.log.debug(line));
    this.version = this.rpc.ready().then((r) => String(r.version));
    readline.createInterface({ input: this.child.stderr }).on("line", (line) => this.log.debug(line));
    this.child.on("error", (e) => this.rpc.fail(new KcError("KC_JAVA_CLIENT", `the Java client's sidecar could not start: ${e.message}`, { hint: "install a JDK 17 (apt-get install openjdk-17-jdk-headless): the sidecar runs as a single-file Java program" })));
    this.child.on("exit", (code, sig) => this.rpc.fail(new KcError("KC_JAVA_CLIENT", `the Java client's sidecar exited (${sig ?? `code ${code}`})`, { hint: "its output is in harness.log (component java)" })));
  }

  /** One call; rejects with a JavaError (the root cause's class) when the client threw. */
  call(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.rpc.call(op, args);
  }

  close(): void {
    this.child.stdin.end();
    setTimeout(() => this.child.kill("SIGKILL"), 3000).unref();
  }
}
