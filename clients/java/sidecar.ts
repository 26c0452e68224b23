// One JVM per run that hosts every Java client of it (./Sidecar.java), driven over its stdin and
// stdout, one JSON object per line. Requests carry ids; responses come back in any order.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { RpcProcess } from "../line-rpc.ts";
import { JavaError } from "./errors.ts";

/** The sidecar's source: run as a single-file program, or compiled ahead into the clients image. */
export const SIDECAR_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "Sidecar.java");

export class Sidecar {
  readonly version: Promise<string>;
  private readonly proc: RpcProcess;

  /** `classes`: a directory with Sidecar.class compiled ahead (a JRE without a compiler, as in the clients image); default: run the source. */
  constructor(classpath: string, classes?: string) {
    const main = classes ? ["-cp", `${classes}:${classpath}`, "Sidecar"] : ["-cp", classpath, SIDECAR_SOURCE];
    const log = component("java");
    this.proc = new RpcProcess(spawn("java", ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", ...main], { stdio: ["pipe", "pipe", "pipe"] }), {
      toError: (f) => new JavaError(f.error ?? "Error", f.message ?? ""),
      log: (line) => log.debug(line),
      gone: (why) =>
        "startError" in why
          ? new KcError("KC_JAVA_CLIENT", `the Java client's sidecar could not start: ${why.startError.message}`, { hint: "install a JDK 17 (apt-get install openjdk-17-jdk-headless): the sidecar runs as a single-file Java program" })
          : new KcError("KC_JAVA_CLIENT", `the Java client's sidecar exited (${why.exit})`, { hint: "its output is in harness.log (component java)" }),
      killAfterMs: 3000,
    });
    this.version = this.proc.rpc.ready().then((r) => String(r.version));
  }

  /** One call; rejects with a JavaError (the root cause's class) when the client threw. */
  call(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.proc.rpc.call(op, args);
  }

  close(): void {
    this.proc.close();
  }
}
