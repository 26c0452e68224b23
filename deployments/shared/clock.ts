// The clock layer on a node: kc-clock (docker/clock/kc-clock.c), an LD_PRELOAD library every
// process of the node loads, moves the wall clock it reads by what the node's state file says.
// The harness writes that file on the host (nodes/<node>/clock/state in the run directory,
// bind-mounted read-only into the node); the processes map it and see each change at once. The
// monotonic clocks are untouched, as a bumped system clock leaves them.
//
// The library is built here once from the repository's source with the host's C compiler
// (cached by a hash of its source) and bind-mounted into the nodes, so it works with any node
// image whose processes link glibc dynamically (the project's images, Kafka's JVM).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../core/cache.ts";
import type { ClockReading, ClockSetting } from "../../core/cluster.ts";
import { describeClock, isZeroClock } from "../../core/clock.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { commandExists, runOk } from "../../core/proc.ts";

const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docker/clock/kc-clock.c");

/** Where the library sits in a node, and the directory its state file is mounted on. */
export const CLOCK_LIB = "/opt/kc/libkc-clock.so";
export const CLOCK_DIR = "/var/lib/kc/clock";
/** The environment that puts a node's processes on the layer. */
export const clockEnv = (): Record<string, string> => ({ LD_PRELOAD: CLOCK_LIB, KC_CLOCK_FILE: `${CLOCK_DIR}/state` });

const STATE_BYTES = 4096;
const FIELDS = 7;
/** Strobes last until the stop resets them. */
const FOREVER_NS = 2n ** 62n;

/** The state file of a setting (kc-clock.c's layout), `nowMs` the real wall clock it anchors a drift at. */
export function encodeClock(s: ClockSetting, nowMs: number, seq = 0n): Buffer {
  const b = Buffer.alloc(STATE_BYTES);
  const ns = (ms: number) => BigInt(Math.round(ms * 1e6));
  const f: bigint[] = [
    seq,
    ns(s.offsetMs),
    ns(s.strobe?.deltaMs ?? 0),
    ns(s.strobe?.periodMs ?? 0),
    s.strobe ? FOREVER_NS : 0n,
    BigInt(Math.round(s.driftPpm ?? 0)),
    ns(nowMs),
  ];
  f.forEach((v, i) => b.writeBigInt64LE(v, i * 8));
  return b;
}

/** The setting a state file holds (zero when it is missing or short). */
export function decodeClock(b: Buffer): ClockSetting {
  if (b.length < FIELDS * 8) return { offsetMs: 0 };
  const at = (i: number) => Number(b.readBigInt64LE(i * 8));
  const s: ClockSetting = { offsetMs: at(1) / 1e6 };
  if (at(3) > 0) s.strobe = { deltaMs: at(2) / 1e6, periodMs: at(3) / 1e6 };
  if (at(5) !== 0) s.driftPpm = at(5);
  return s;
}

/**
 * One node's state file on the host. Writes go through a seqlock (kc-clock.c reads a sequence
 * number, the fields, and the number again, and retries while it is odd or moved), so a process
 * never reads half of an old setting and half of a new one.
 */
export class ClockFile {
  readonly file: string;
  private seq = 0n;
  constructor(file: string) {
    this.file = file;
  }

  /** Creates the file, zero (the real clock); before the node's processes start. */
  create(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, Buffer.alloc(STATE_BYTES));
  }

  set(s: ClockSetting): void {
    const body = encodeClock(s, Date.now());
    const fd = fs.openSync(this.file, "r+");
    try {
      const seq = Buffer.alloc(8);
      seq.writeBigInt64LE(++this.seq * 2n - 1n);
      fs.writeSync(fd, seq, 0, 8, 0);
      fs.writeSync(fd, body, 8, (FIELDS - 1) * 8, 8);
      seq.writeBigInt64LE(this.seq * 2n);
      fs.writeSync(fd, seq, 0, 8, 0);
    } finally {
      fs.closeSync(fd);
    }
  }

  get(): ClockSetting {
    return fs.existsSync(this.file) ? decodeClock(fs.readFileSync(this.file)) : { offsetMs: 0 };
  }
}

/** The node's state file, or the error that says its processes are not on the layer. */
export function clockFileOf(node: string, clocks: Map<string, ClockFile>): ClockFile {
  const clock = clocks.get(node);
  if (!clock) throw new KcError("KC_NO_CLOCK_LAYER", `${node}'s processes do not read the clock through kc-clock, so its clock cannot be moved`, { hint: "the clock nemesis sets --clock-layer; give it to start the cluster on the layer" });
  return clock;
}

/**
 * For the leak check: what is wrong with a node's clock, if anything. The clock as the node
 * reads it counts, not only the file: a tenth of a second off is a clock left moved.
 */
export async function clockLeft(node: string, clock: ClockFile | undefined, read: (node: string) => Promise<ClockReading>): Promise<string | undefined> {
  if (!clock) return undefined;
  const c = await read(node);
  const setting = clock.get();
  return !isZeroClock(setting) || Math.abs(c.offsetMs) > 100 + c.errorMs ? `${node}'s clock is moved (${describeClock(setting)}; reads ${c.offsetMs} ms off)` : undefined;
}

/**
 * A command printing, inside a node, the real wall clock, the clock as the node's processes read
 * it, and the real clock again (ns since the epoch): the layer is left out of the first and last.
 */
export const READ_CLOCK_COMMAND = "r() { env -u LD_PRELOAD date +%s%N; }; r; date +%s%N; r";

/**
 * A node's offset from READ_CLOCK_COMMAND's output: its clock against the real clock read just
 * before and after it in the same node (the same kernel clock the harness reads), so the round
 * trip to the node does not blur it; the error bound is half the time between those two reads.
 */
export function parseClockReading(node: string, out: string): ClockReading {
  const ns = out.split("\n").map((l) => l.trim()).filter((l) => /^\d{16,}$/.test(l)).map((l) => BigInt(l));
  if (ns.length !== 3) throw new KcError("KC_CLOCK_FAILED", `could not read ${node}'s clock: ${out.trim().slice(0, 200)}`, { hint: "the node needs `date` and `env` from coreutils; see nodes/<node>/container.log" });
  const [before, fake, after] = ns;
  const ms = (v: bigint) => Number(v / 1000n) / 1000;
  return { node, offsetMs: Math.round(ms(fake) - (ms(before) + ms(after)) / 2), errorMs: Math.ceil(ms(after - before) / 2) };
}

/** Builds kc-clock with the host's C compiler into the cache, once per source; returns the library's path. */
export async function buildClockLib(): Promise<string> {
  const text = fs.readFileSync(source);
  const dir = path.join(cacheDir(), "clock", crypto.createHash("sha256").update(text).digest("hex").slice(0, 16));
  const lib = path.join(dir, "libkc-clock.so");
  if (fs.existsSync(lib)) return lib;
  const cc = (await commandExists("cc")) ? "cc" : (await commandExists("gcc")) ? "gcc" : undefined;
  if (!cc) {
    throw new KcError("KC_NO_CC", "a C compiler is needed once to build kc-clock, the clock layer (docker/clock/kc-clock.c)", { hint: "install one (Debian: apt-get install gcc), or drop the clock nemesis and --clock-layer" });
  }
  fs.mkdirSync(dir, { recursive: true });
  component("images").info("building kc-clock (docker/clock) with the C compiler");
  await runOk("KC_CC_FAILED", cc, ["-O2", "-Wall", "-shared", "-fPIC", "-o", `${lib}.tmp`, source, "-ldl"], { what: "cc of kc-clock" });
  fs.renameSync(`${lib}.tmp`, lib);
  return lib;
}
