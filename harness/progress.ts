// Progress while a test runs: on a TTY one status line redrawn every second (phase, elapsed and
// remaining time, ops/s, ok/fail/info, faults in force); elsewhere a plain log line every 10 s.
import type { HistoryWriter } from "../core/history/writer.ts";
import { component } from "../core/log.ts";

export interface Counters {
  ok: number;
  fail: number;
  info: number;
  opsPerSecond: number;
}

export class Progress {
  private name = "setup";
  private phaseStart = Date.now();
  private phaseSeconds?: number;
  private readonly runStart = Date.now();
  private c: Counters = { ok: 0, fail: 0, info: 0, opsPerSecond: 0 };
  private readonly timer: NodeJS.Timeout;
  private readonly tty = process.stderr.isTTY === true;
  private readonly faults: () => string[];
  private ticks = 0;

  constructor(history: HistoryWriter, faults: () => string[]) {
    this.faults = faults;
    // Count completions from the history itself, so every phase is covered.
    let window: number[] = [];
    history.onAppend((op) => {
      if (op.process === "nemesis" || op.type === "invoke") return;
      if (op.type === "ok") this.c.ok++;
      else if (op.type === "fail") this.c.fail++;
      else this.c.info++;
      window.push(Date.now());
    });
    this.timer = setInterval(() => {
      const now = Date.now();
      window = window.filter((t) => now - t < 5000);
      this.c.opsPerSecond = window.length / 5;
      this.tick();
    }, 1000);
    this.timer.unref();
  }

  phase(name: string, seconds?: number): void {
    this.name = name;
    this.phaseStart = Date.now();
    this.phaseSeconds = seconds;
    if (!this.tty) component("progress").info(`phase: ${name}${seconds ? ` (${seconds} s)` : ""}`);
  }

  line(): string {
    const el = (Date.now() - this.phaseStart) / 1000;
    const left = this.phaseSeconds !== undefined ? ` ${Math.max(0, this.phaseSeconds - el).toFixed(0)} s left` : "";
    const faults = this.faults();
    return `[${this.name}] ${fmt((Date.now() - this.runStart) / 1000)} elapsed,${left} | ${this.c.opsPerSecond.toFixed(0)} ops/s | ok ${this.c.ok} fail ${this.c.fail} info ${this.c.info} | faults: ${faults.length ? faults.join("; ") : "none"}`;
  }

  private tick(): void {
    this.ticks++;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.line().slice(0, (process.stderr.columns ?? 160) - 1)}`);
    else if (this.ticks % 10 === 0) component("progress").info(this.line());
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write("\r\x1b[2K");
  }
}

const fmt = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
