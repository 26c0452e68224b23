// The one place that talks to a Kubernetes API server: kubectl, as a child process, with the
// run's kubeconfig. kubectl is what every Kubernetes user has, speaks every auth plugin their
// kubeconfig may name, and prints errors a person can act on. The local cluster's own build
// (scripts/k8s/) is used when nothing else is given.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KcError } from "../../core/errors.ts";
import { run } from "../../core/proc.ts";

/** The local one-node cluster of scripts/k8s (npm run k8s:up): its cache directory. */
export const LOCAL_K8S_VERSION = "v1.34.4";
export const localK8sHome = (): string =>
  process.env.KC_K8S_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "kafka-chaos", "k8s", LOCAL_K8S_VERSION);
export const localKubeconfig = (): string => path.join(localK8sHome(), "state", "kubeconfig");

/** $KUBECTL, else the local cluster's build, else kubectl on PATH. */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const local = path.join(localK8sHome(), "bin", "kubectl");
  return fs.existsSync(local) ? local : "kubectl";
}

/** --kubeconfig, else $KUBECONFIG, else the local cluster's when it exists, else ~/.kube/config. */
export function resolveKubeconfig(given?: string): string {
  const candidates = [given, process.env.KUBECONFIG?.split(path.delimiter)[0], localKubeconfig(), path.join(os.homedir(), ".kube", "config")];
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) {
    throw new KcError("KC_K8S_NO_KUBECONFIG", given ? `no kubeconfig at ${given}` : "no kubeconfig: none given, $KUBECONFIG unset, no local cluster and no ~/.kube/config", {
      hint: "start the local cluster with `npm run k8s:up`, or give --kubeconfig FILE (or set KUBECONFIG)",
    });
  }
  return path.resolve(found);
}

export interface KubectlResult {
  code: number;
  stdout: string;
  /** The last lines of stdout and stderr. */
  lines: string[];
}

export class Kubectl {
  readonly bin: string;
  readonly kubeconfig: string;
  readonly namespace: string;

  constructor(kubeconfig: string, namespace: string, bin = kubectlBinary()) {
    this.kubeconfig = kubeconfig;
    this.namespace = namespace;
    this.bin = bin;
  }

  private base(namespaced = true): string[] {
    return ["--kubeconfig", this.kubeconfig, ...(namespaced ? ["-n", this.namespace] : [])];
  }

  /** Runs kubectl; never throws for a non-zero exit. */
  async run(args: string[], o: { input?: string; namespaced?: boolean } = {}): Promise<KubectlResult> {
    const r = await run(this.bin, [...this.base(o.namespaced ?? true), ...args], { input: o.input, tail: 20 });
    return { code: r.code, stdout: r.stdout, lines: r.lastLines };
  }

  /** Runs kubectl and returns its stdout; a KcError with its last lines when it fails. */
  async ok(args: string[], what: string, o: { input?: string; namespaced?: boolean } = {}): Promise<string> {
    const r = await this.run(args, o);
    if (r.code !== 0) {
      throw new KcError("KC_K8S_FAILED", `${what} failed (kubectl ${args.slice(0, 3).join(" ")} …, exit ${r.code})`, {
        details: r.lines.map((l) => `  | ${l}`).join("\n"),
        hint: "check that the kubeconfig's user may do this in the namespace (README: Kafka on Kubernetes, permissions)",
      });
    }
    return r.stdout;
  }

  async json<T>(args: string[], what: string, o: { namespaced?: boolean } = {}): Promise<T> {
    return JSON.parse(await this.ok([...args, "-o", "json"], what, o)) as T;
  }

  /** Creates or updates objects (a List), server-side, owned by the field manager "kafka-chaos". */
  async apply(objects: object[], what: string): Promise<void> {
    await this.ok(["apply", "--server-side", "--field-manager=kafka-chaos", "--force-conflicts", "-f", "-"], what, {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
      namespaced: false,
    });
  }

  /** Runs a shell script in a pod's container: its exit code and output (stdout and stderr). */
  async exec(pod: string, container: string, script: string): Promise<{ exitCode: number; output: string }> {
    const r = await run(this.bin, [...this.base(), "exec", pod, "-c", container, "--", "sh", "-c", `(${script}) 2>&1`], { tail: 40 });
    // kubectl's own failure (no such pod, no permission) has no output of the script.
    return { exitCode: r.code, output: r.code === 0 ? r.stdout : [r.stdout, ...r.lastLines].join("\n") };
  }

  /** Starts `command` in a pod's container with its stdin, stdout and stderr streamed through the API server (`kubectl exec -i`). */
  execStream(pod: string, container: string, command: string[]): ChildProcessWithoutNullStreams {
    return spawn(this.bin, [...this.base(), "exec", "-i", pod, "-c", container, "--", ...command], { stdio: ["pipe", "pipe", "pipe"] });
  }

  /** Follows a container's output from its start (`kubectl logs -f`); the process ends with the container. */
  followLogs(pod: string, container: string | undefined, onData: (chunk: Buffer) => void): ChildProcess {
    const child = spawn(this.bin, [...this.base(), "logs", "-f", pod, ...(container ? ["-c", container] : [])], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", () => undefined);
    return child;
  }
}
