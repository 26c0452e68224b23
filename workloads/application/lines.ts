// The line protocol of an application in a container: it reports its ops as lines on stdout,
// `@kc ` and one JSON object each, an op of the history without its index and time:
//
//   @kc {"process":0,"type":"invoke","f":"send","value":[["send","orders-out/1",1000000000001]],"from":[["orders/2",17]]}
//   @kc {"process":0,"type":"ok","f":"send","value":[["send","orders-out/1",[42,1000000000001]]]}
//
// `process` is the application's own number (each of its clients, or each send in flight); the
// harness maps it to a history process of its own per container instance, stamps the time the
// line arrived, and closes whatever is still in flight when the container exits (`info`).
// Every other line is the application's log. A Node application gets these lines from the same
// Recorder the in-process shape uses: `recorderFromEnv()` below builds one from the environment
// the harness starts the container with (ENV). Another language writes the lines itself.
import type { NewOp } from "../../core/history/writer.ts";
import type { Op } from "../../core/history/op.ts";
import type { HistorySink } from "../interpreter.ts";
import { Recorder } from "./recorder.ts";

export { Recorder, recordValue, VALUE_HEADER } from "./recorder.ts";

export const LINE_PREFIX = "@kc ";

/** The environment an application container starts with. */
export const ENV = {
  /** Comma-separated host:port of every broker, by their names on the run's network (through Toxiproxy). */
  bootstrap: "KC_BOOTSTRAP",
  input: "KC_INPUT",
  output: "KC_OUTPUT",
  group: "KC_GROUP",
  /** JSON: topic → partition count, for the topics the application may write. */
  partitions: "KC_PARTITIONS",
  /** The first value this instance gives its outputs (instances never share a value). */
  valueBase: "KC_VALUE_BASE",
} as const;

/** Instance i of a container draws its output values from i × VALUE_SPAN on (the feeder's values stay below VALUE_SPAN). */
export const VALUE_SPAN = 1e12;

/** A HistorySink that prints each op as a protocol line (to stdout unless told otherwise). */
export function lineSink(write: (line: string) => void = (l) => void process.stdout.write(l)): HistorySink {
  const started = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - started);
  let index = 0;
  return {
    now,
    append(op: NewOp): Op {
      write(`${LINE_PREFIX}${JSON.stringify(op)}\n`);
      return { ...op, index: index++, time: now() } as Op;
    },
  };
}

/** Inside an application container: a Recorder whose ops go to stdout, set up from the harness's environment. */
export function recorderFromEnv(env: NodeJS.ProcessEnv = process.env): Recorder {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`${name} is not set: this process must be started by kafka-chaos as an application container`);
    return v;
  };
  return new Recorder(lineSink(), { partitions: JSON.parse(need(ENV.partitions)) as Record<string, number>, firstValue: Number(need(ENV.valueBase)) });
}

const TYPES = new Set(["invoke", "ok", "fail", "info"]);
const FS = new Set(["send", "poll", "subscribe", "assign", "commit"]);
const isKey = (k: unknown) => typeof k === "string" && /^.+\/\d+$/.test(k);
const isInt = (n: unknown) => Number.isSafeInteger(n);
const isPair = (p: unknown) => Array.isArray(p) && p.length === 2 && isInt(p[0]) && isInt(p[1]);

/** Why an op's value does not fit its function (undefined when it does). */
function valueProblem(f: string, type: string, value: unknown): string | undefined {
  if (f === "commit") {
    const ok = typeof value === "object" && value !== null && !Array.isArray(value) && Object.entries(value).every(([k, o]) => isKey(k) && isInt(o) && (o as number) >= 0);
    return ok ? undefined : 'a commit value maps keys to the next offset to consume, e.g. {"orders/0": 42}';
  }
  if (!Array.isArray(value)) return "value is not a list";
  if (f === "subscribe" || f === "assign") return value.every(isKey) ? undefined : "a subscribe/assign value lists keys, e.g. \"orders/0\"";
  for (const m of value) {
    if (!Array.isArray(m) || m[0] !== f) return `each micro-op of a ${f} starts with "${f}"`;
    if (f === "send" && !(m.length === 3 && isKey(m[1]) && (isInt(m[2]) || (type === "ok" && isPair(m[2]))))) return 'a send micro-op is ["send", key, value] (["send", key, [offset, value]] when ok)';
    if (f === "poll" && m.length === 2) {
      const read = m[1] as Record<string, unknown>;
      if (typeof read !== "object" || read === null || !Object.entries(read).every(([k, ps]) => isKey(k) && Array.isArray(ps) && ps.every(isPair))) return 'a poll micro-op is ["poll"] or ["poll", {key: [[offset, value], ...]}]';
    } else if (f === "poll" && m.length !== 1) return 'a poll micro-op is ["poll"] or ["poll", {key: [[offset, value], ...]}]';
  }
  return undefined;
}

/** A protocol line's op (process still the application's own), or why the line is not one. Lines without the prefix are undefined: log lines. */
export function parseLine(line: string): { op: NewOp & { process: number } } | { problem: string } | undefined {
  if (!line.startsWith(LINE_PREFIX)) return undefined;
  let op: Record<string, unknown>;
  try {
    op = JSON.parse(line.slice(LINE_PREFIX.length)) as Record<string, unknown>;
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  if (typeof op !== "object" || op === null || Array.isArray(op)) return { problem: "not a JSON object" };
  if (!isInt(op.process) || (op.process as number) < 0) return { problem: "process must be an integer ≥ 0" };
  if (!TYPES.has(op.type as string)) return { problem: "type must be invoke, ok, fail or info" };
  if (!FS.has(op.f as string)) return { problem: "f must be send, poll, subscribe, assign or commit" };
  const problem = valueProblem(op.f as string, op.type as string, op.value);
  if (problem) return { problem };
  if (op.from !== undefined && !(Array.isArray(op.from) && op.from.every((s) => Array.isArray(s) && s.length === 2 && isKey(s[0]) && isInt(s[1])))) return { problem: 'from is a list of [key, value], one per micro-op' };
  if ("index" in op || "time" in op) {
    delete op.index;
    delete op.time; // the harness stamps them
  }
  return { op: op as NewOp & { process: number } };
}

/**
 * The ops of an application's instances on their way into the history: each instance's processes
 * mapped to history processes of their own, what each has in flight tracked, and, when an
 * instance ends, its ops in flight closed as `info` (a dead process's op may or may not have
 * happened).
 */
export class InstanceOps {
  private readonly processes = new Map<number, Map<number, number>>();
  private readonly inFlight = new Map<number, NewOp>();
  /** Values sent so far: a value sent twice would read as a Kafka duplicate. */
  private readonly sent = new Set<number>();
  private readonly newProcess: () => number;
  private readonly append: (op: NewOp) => void;

  constructor(newProcess: () => number, append: (op: NewOp) => void) {
    this.newProcess = newProcess;
    this.append = append;
  }

  /** A line of instance `instance`'s output: `op` when it was recorded, `problem` when it was a protocol line that could not be (dropped), neither for a log line. */
  line(instance: number, line: string): { op?: NewOp; problem?: string } {
    const parsed = parseLine(line);
    if (!parsed) return {};
    if ("problem" in parsed) return { problem: parsed.problem };
    const { op } = parsed;
    let mine = this.processes.get(instance);
    if (!mine) this.processes.set(instance, (mine = new Map()));
    let process = mine.get(op.process);
    if (process === undefined) mine.set(op.process, (process = this.newProcess()));
    const open = this.inFlight.get(process);
    if (op.type === "invoke") {
      if (open) return { problem: `process ${op.process} invoked a ${op.f} while its ${open.f} was in flight` };
      if (op.f === "send") {
        const values = (op.value as [string, string, number][]).map((m) => m[2]);
        const again = values.find((v, i) => this.sent.has(v) || values.indexOf(v) !== i);
        if (again !== undefined) return { problem: `value ${again} was sent before: values must be unique in the run (count up from $${ENV.valueBase}, which differs per instance)` };
        for (const v of values) this.sent.add(v);
      }
      this.inFlight.set(process, { ...op, process });
    } else {
      if (!open) return { problem: `process ${op.process} completed a ${op.f} it never invoked` };
      if (open.f !== op.f) return { problem: `process ${op.process} completed a ${op.f}, but its op in flight is a ${open.f}` };
      this.inFlight.delete(process);
    }
    const recorded = { ...op, process };
    this.append(recorded);
    return { op: recorded };
  }

  /** The instance is gone: each op it had in flight is closed as info with `error`; returns how many. */
  end(instance: number, error: string): number {
    let closed = 0;
    for (const process of this.processes.get(instance)?.values() ?? []) {
      const open = this.inFlight.get(process);
      if (!open) continue;
      this.inFlight.delete(process);
      this.append({ ...open, type: "info", error });
      closed++;
    }
    this.processes.delete(instance);
    return closed;
  }
}
