// Calls to a child process over its stdin and stdout, one JSON object per line: requests carry
// ids, responses ({id, ok, r} or {id, ok: false, error, message}) come back in any order. Lines
// that are not JSON go to the log. The Java client's sidecar (./java/sidecar.ts) and the client
// host in a pod (./remote/) speak it.
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
