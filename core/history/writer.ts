// Appends ops to history.jsonl while the test runs: indices are dense and in file order, times
// are monotonic nanoseconds since the test started. Lines are buffered and flushed at least
// every second and on close, with a synchronous flush on process exit, so a harness killed
// mid-run leaves a history `check` can still read (at most the last second is lost on SIGKILL).
import fs from "node:fs";
import type { Op } from "./op.ts";

export type NewOp = Omit<Op, "index" | "time"> & { time?: number };

export class HistoryWriter {
  readonly path: string;
  private fd: number;
  private buffer: string[] = [];
  private nextIndex = 0;
  private readonly t0: bigint;
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = () => this.flush();
  private listeners: ((op: Op) => void)[] = [];
  private closed = false;

  constructor(path: string, t0: bigint = process.hrtime.bigint()) {
    this.path = path;
    this.fd = fs.openSync(path, "a");
    this.t0 = t0;
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
    process.on("exit", this.onExit);
  }

  /** Nanoseconds since the test started. */
  now(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  /** Appends an op, giving it the next index and (unless set) the current time. */
  append(op: NewOp): Op {
    if (this.closed) throw new Error("history is closed");
    const full = { ...op, index: this.nextIndex++, time: op.time ?? this.now() } as Op;
    // Keep index, time, process, type, f, value first: readable lines, and the checkers' fast path.
    const { index, time, process: p, type, f, value, ...rest } = full;
    this.buffer.push(JSON.stringify({ index, time, process: p, type, f, value, ...rest }));
    for (const l of this.listeners) l(full);
    return full;
  }

  /** Called with every op appended (progress display, live stats). */
  onAppend(listener: (op: Op) => void): void {
    this.listeners.push(listener);
  }

  get count(): number {
    return this.nextIndex;
  }

  flush(): void {
    if (!this.buffer.length || this.closed) return;
    const text = this.buffer.join("\n") + "\n";
    this.buffer = [];
    fs.writeSync(this.fd, text);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    process.off("exit", this.onExit);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
}
