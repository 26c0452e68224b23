// Clients that run elsewhere (in a pod of the cluster), behind the same protocol as local ones:
// a ClientFactory whose clients forward each invocation to a client host (./host.ts) reached
// through a command's stdin and stdout (`kubectl exec -i <pod> -- node .../host.ts`). One host
// per launcher (pod) serves its share of the processes; it starts with the first open. When the
// host goes away, every op in flight and every later one throws (the interpreter records `info`
// and opens a new client, which starts a new host).
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { RpcProcess, SharedProcess } from "../line-rpc.ts";
import type { Client, ClientFactory, Completion, Invocation } from "../types.ts";
import { specToWire, type HostSpec } from "./wire.ts";

export interface ClientHostLauncher {
  /** Where the host runs, for messages (e.g. `pod kc-clients in namespace kc-...`). */
  where: string;
  /** The client library's package directory where the host runs. */
  libraryDir: string;
  /** Starts the host process (its stdin and stdout carry the protocol). */
  spawn(): ChildProcessWithoutNullStreams;
}

/** What a host said about itself when it came up. */
export interface HostInfo {
  hostname: string;
  node: string;
  version: string;
}

class RemoteError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Lines of a host's output kept for the error of its death... */
const LAST_LINES = 2;
/** ...up to the stack traces Node prints when it aborts (their frames say less than what came before). */
const STACK_TRACE = /^-+ Native stack trace -+$/;

class Host {
  readonly info: Promise<HostInfo>;
  private readonly proc: RpcProcess;
  private closing = false;

  constructor(launcher: ClientHostLauncher, spec: HostSpec) {
    const log = component("client-host");
    // Its last lines of output: a host that dies says why there (a native assertion, a stack).
    const tail: string[] = [];
    let inTrace = false;
    this.proc = new RpcProcess(launcher.spawn(), {
      toError: (f) => new RemoteError(f.error ?? "Error", f.message ?? ""),
      log: (line) => {
        log.debug(line);
        const t = line.trim();
        inTrace ||= STACK_TRACE.test(t);
        if (!t || inTrace) return;
        tail.push(t);
        if (tail.length > LAST_LINES) tail.shift();
      },
      gone: (why) => {
        if ("startError" in why) return new KcError("KC_CLIENT_HOST", `the client host in ${launcher.where} could not start: ${why.startError.message}`, { hint: "its output is in harness.log (component client-host)" });
        const said = tail.length ? `: ${tail.join(" | ")}` : "";
        if (!this.closing) log.warn({ where: launcher.where, exit: why.exit, lastOutput: tail }, "a client host died; its clients' ops in flight are info, and the next client starts a new host");
        return new KcError("KC_CLIENT_HOST", `client host exited (${why.exit})${said}`, { hint: `it ran in ${launcher.where}; its output is in harness.log (component client-host)` });
      },
      killAfterMs: 5000,
    });
    const rpc = this.proc.rpc;
    this.info = (async () => {
      const hello = await rpc.ready();
      const init = await rpc.call("init", { spec: specToWire(spec) });
      return { hostname: String(hello.hostname), node: String(hello.node), version: String(init.version) };
    })();
    this.info.catch(() => undefined);
  }

  /** The process exited (or never started). */
  get gone(): boolean {
    return this.proc.gone;
  }

  call(op: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.proc.rpc.call(op, args);
  }

  close(): void {
    this.closing = true;
    this.proc.close();
  }
}

/**
 * Clients of `spec` run by hosts that `launchers` start: process p's client runs in the host of
 * launcher p mod n (one host per launcher, e.g. per pod). `onHost` hears what each new host said
 * about itself (the run records where its clients ran).
 */
export function remoteClients(spec: HostSpec, launchers: readonly ClientHostLauncher[], onHost?: (info: HostInfo) => void): ClientFactory {
  if (!launchers.length) throw new KcError("KC_CLIENT_HOST", "no client host to run the clients in", { hint: "the deployment offered no pod for the clients" });
  const hosts = launchers.map(
    (launcher) =>
      new SharedProcess({
        make: () => {
          const h = new Host(launcher, spec);
          h.info.then(onHost, () => undefined);
          return h;
        },
        ready: (h) => h.info,
        stale: (h) => h.gone,
        idleMs: 5000,
      }),
  );
  return {
    open: async (process) => {
      const shared = hosts[process % hosts.length];
      const h = await shared.acquire();
      try {
        await h.call("open", { process });
      } catch (e) {
        shared.discard(h);
        throw e;
      }
      return new RemoteClient(h, process, () => shared.release());
    },
  };
}

class RemoteClient implements Client {
  private closed = false;
  private readonly host: Host;
  private readonly process: number;
  private readonly onClose: () => void;

  constructor(host: Host, process: number, onClose: () => void) {
    this.host = host;
    this.process = process;
    this.onClose = onClose;
  }

  async invoke(inv: Invocation): Promise<Completion> {
    return (await this.host.call("invoke", { process: this.process, inv })) as unknown as Completion;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.host.call("close", { process: this.process });
    } catch {
      // The host is gone: nothing left to close.
    } finally {
      this.onClose();
    }
  }
}
