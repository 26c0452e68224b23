// Calls to a child process over its stdin and stdout, one JSON object per line: requests carry
// ids, responses ({id, ok, r} or {id, ok: false, error, message}) come back in any order. Lines
// that are not JSON go to the log. The Java client's sidecar (./java/sidecar.ts) and the client
// host in a pod (./remote/) speak it; RpcProcess and SharedProcess are how both are started,
// shared by a factory's clients and stopped.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import readline from "node:readline";
import type { Readable, Writable } from "node:stream";

interface Pending {
  resolve: (r: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export interface RpcFailure {
  error?: string;
  message?: string;
}

export class LineRpc {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed: Error | undefined;
  private readonly input: Writable;
  private readonly toError: (f: RpcFailure) => Error;

  /**
   * `toError` makes the rejection of a failed call; `onOther` gets lines that are not responses.
   * Id 0 is the process's own greeting (`ready`), sent once without a request.
   */
  constructor(input: Writable, output: Readable, toError: (f: RpcFailure) => Error, onOther: (line: string) => void) {
    this.input = input;
    this.toError = toError;
    readline.createInterface({ input: output }).on("line", (line) => {
      let m: { id?: unknown; ok?: boolean; r?: Record<string, unknown> } & RpcFailure;
      try {
        m = JSON.parse(line);
      } catch {
        onOther(line);
        return;
      }
      const p = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
      if (!p) return onOther(line);
      this.pending.delete(m.id as number);
      if (m.ok) p.resolve(m.r ?? {});
      else p.reject(this.toError(m));
    });
  }

  /** Resolves with the greeting's fields (id 0). */
  ready(): Promise<Record<string, unknown>> {
    return this.await(0);
  }

  /** One call; rejects with `toError(...)` when the other side failed, or the close reason. */
  call(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const p = this.await(id);
    if (!this.closed) this.input.write(JSON.stringify({ id, op, ...args }) + "\n");
    return p;
  }

  /** Rejects every call in flight and every later one with `e` (the process is gone). */
  fail(e: Error): void {
    this.closed ??= e;
    for (const p of this.pending.values()) p.reject(this.closed);
    this.pending.clear();
  }

  private await(id: number): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

/**
 * A child process spoken to with LineRpc: its stderr and stray stdout lines go to `log`; when it
 * cannot start or exits, every call in flight and every later one fails with `gone(...)`.
 */
export class RpcProcess {
  readonly rpc: LineRpc;
  /** The process exited (or never started). */
  gone = false;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly killAfterMs: number;

  constructor(
    child: ChildProcessWithoutNullStreams,
    o: { toError: (f: RpcFailure) => Error; log: (line: string) => void; gone: (why: { startError: Error } | { exit: string }) => Error; killAfterMs: number },
  ) {
    this.child = child;
    this.killAfterMs = o.killAfterMs;
    this.rpc = new LineRpc(child.stdin, child.stdout, o.toError, o.log);
    readline.createInterface({ input: child.stderr }).on("line", o.log);
    const gone = (why: { startError: Error } | { exit: string }) => {
      this.gone = true;
      this.rpc.fail(o.gone(why));
    };
    child.on("error", (e) => gone({ startError: e }));
    child.on("exit", (code, sig) => gone({ exit: sig ?? `code ${code}` }));
  }

  /** Ends its stdin (it exits when it reads the end), and kills it if it is still there after a while. */
  close(): void {
    this.child.stdin.end();
    setTimeout(() => this.child.kill("SIGKILL"), this.killAfterMs).unref();
  }
}

/**
 * One process shared by every client of a factory: made on the first acquire (and again once
 * `stale` says the current one is no use), closed `idleMs` after the last client released it.
 */
export class SharedProcess<T extends { close(): void }> {
  private current: T | undefined;
  private users = 0;
  private idle: NodeJS.Timeout | undefined;
  private readonly o: { make: () => T; ready: (t: T) => Promise<unknown>; stale?: (t: T) => boolean; idleMs: number };

  constructor(o: { make: () => T; ready: (t: T) => Promise<unknown>; stale?: (t: T) => boolean; idleMs: number }) {
    this.o = o;
  }

  /** The shared process once it is ready; a process that fails to get ready is discarded. */
  async acquire(): Promise<T> {
    clearTimeout(this.idle);
    if (!this.current || this.o.stale?.(this.current)) this.current = this.o.make();
    const t = this.current;
    this.users++;
    try {
      await this.o.ready(t);
    } catch (e) {
      this.discard(t);
      throw e;
    }
    return t;
  }

  /** Gives up an acquire whose use failed: the process is closed and not handed out again. */
  discard(t: T): void {
    if (this.current === t) {
      this.current = undefined;
      t.close();
    }
    this.users--;
  }

  release(): void {
    if (--this.users > 0) return;
    this.idle = setTimeout(() => {
      this.current?.close();
      this.current = undefined;
    }, this.o.idleMs);
    this.idle.unref();
  }
}
