// A model of a correct Kafka, for property tests and the checker benchmark: it plays clients
// against ideal partitions and emits the history they would record. Every choice comes from
// `choose(n)` (a fast-check tape in tests, a seeded PRNG in benchmarks), so histories shrink.
//
// Ops take effect atomically at completion: sends append (transactional ones contiguously, then a
// commit marker that takes an offset no consumer sees), polls read from the consumer's position.
// Aborted transactions take offsets too (records + abort marker) but stay invisible, and may stop
// part-way (the micro-ops after that point never run). An info
// outcome may or may not have taken effect, and ends the process (the worker continues as a
// new process). After the main phase every key is read to its end by fresh consumers.

import { closeSync, openSync, writeSync } from "node:fs";
import type { Op } from "../../core/history/op.ts";

export interface ModelOptions {
  keys: number;
  processes: number;
  /** Client ops to invoke in the main phase. */
  ops: number;
  txn?: boolean;
  /** Max records a poll returns per key. */
  maxPoll?: number;
  /** Out of 1000 completions of send/txn ops: how many are info / fail. */
  infoPerMille?: number;
  failPerMille?: number;
  /** Emit a nemesis start/stop pair every this many ops (0: never). */
  nemesisEvery?: number;
  choose: (n: number) => number;
}

interface Rec {
  value: number;
  visible: boolean;
}

interface Planned {
  f: "send" | "poll" | "txn" | "assign";
  invokeIndex: number;
  value: unknown;
}

interface Client {
  id: number;
  assigned: number[];
  /** Next offset to read, per key (committed position). */
  pos: Map<number, number>;
  inflight: Planned | null;
}

/** A deterministic PRNG (mulberry32) as a choose function. */
export function seededChoose(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(r * n);
  };
}

export const keyName = (k: number): string => `t${k % 4}/${Math.floor(k / 4)}`;

/** Simulates a correct Kafka and calls emit for every op in order. Returns the final logs. */
export function simulate(o: ModelOptions, emit: (op: Op) => void): { logs: Rec[][]; ops: number } {
  const choose = o.choose;
  const maxPoll = o.maxPoll ?? 4;
  const infoPm = o.infoPerMille ?? 20;
  const failPm = o.failPerMille ?? 20;
  const logs: Rec[][] = Array.from({ length: o.keys }, () => []);
  let index = 0;
  let time = 0;
  let nextValue = 1;
  let nextProcess = 0;
  let invoked = 0;
  const newClient = (): Client => ({ id: nextProcess++, assigned: [], pos: new Map(), inflight: null });
  const clients = Array.from({ length: o.processes }, newClient);
  const put = (op: Omit<Op, "index" | "time">) => {
    time += 100_000 + choose(1_900_000);
    emit({ index: index++, time, ...op } as Op);
  };
  const visibleFrom = (k: number, from: number, max: number): [number, number][] => {
    const out: [number, number][] = [];
    const log = logs[k];
    for (let off = from; off < log.length && out.length < max; off++) if (log[off].visible) out.push([off, log[off].value]);
    return out;
  };
  const endOf = (k: number) => logs[k].length;

  const invoke = (c: Client, kind: number) => {
    let p: Planned;
    if (kind === 0 || c.assigned.length === 0) {
      const ks = Array.from({ length: 1 + choose(o.keys) }, () => choose(o.keys));
      p = { f: "assign", invokeIndex: index, value: [...new Set(ks)].sort((a, b) => a - b).map(keyName) };
      (p as Planned & { keys: number[] }).keys = [...new Set(ks)].sort((a, b) => a - b);
    } else if (!o.txn || kind === 1) {
      if (choose(2) === 0) p = { f: "send", invokeIndex: index, value: [["send", keyName(choose(o.keys)), nextValue++]] };
      else p = { f: "poll", invokeIndex: index, value: [["poll"]] };
    } else {
      const mops: unknown[] = [];
      const n = 1 + choose(4);
      for (let i = 0; i < n; i++) mops.push(choose(3) === 0 ? ["poll"] : ["send", keyName(choose(o.keys)), nextValue++]);
      const allSend = mops.every((m) => (m as unknown[])[0] === "send");
      const allPoll = mops.every((m) => (m as unknown[])[0] === "poll");
      p = { f: allSend ? "send" : allPoll ? "poll" : "txn", invokeIndex: index, value: mops };
    }
    c.inflight = p;
    put({ process: c.id, type: "invoke", f: p.f, value: p.value });
    invoked++;
  };

  const keyOf = (name: string) => {
    const [t, part] = name.slice(1).split("/").map(Number);
    return part * 4 + t;
  };

  /** Runs the micro-ops; returns the completion value and whether it committed. */
  const run = (c: Client, mops: unknown[], outcome: "ok" | "fail" | "info"): { value: unknown[]; committed: boolean } => {
    const commit = outcome === "ok" || (outcome === "info" && choose(2) === 0);
    // A transaction that fails may have stopped part-way (aborted on purpose after `abort-at`
    // micro-ops, or after an error): the rest never ran and stay as invoked.
    const ran = o.txn === true && outcome === "fail" && choose(2) === 0 ? choose(mops.length + 1) : mops.length;
    const pos = new Map(c.pos);
    const sends: { k: number; v: number; i: number }[] = [];
    const out: unknown[] = [];
    mops.forEach((m, i) => {
      const mop = m as unknown[];
      if (i >= ran) out.push(mop);
      else if (mop[0] === "send") {
        sends.push({ k: keyOf(mop[1] as string), v: mop[2] as number, i });
        out.push(mop);
      } else {
        const res: Record<string, [number, number][]> = {};
        for (const k of c.assigned) {
          const from = pos.get(k) ?? 0;
          const recs = visibleFrom(k, from, 1 + choose(maxPoll));
          if (recs.length > 0) {
            res[keyName(k)] = recs;
            pos.set(k, recs[recs.length - 1][0] + 1);
          } else if (choose(2) === 0) res[keyName(k)] = [];
        }
        out.push(["poll", res]);
      }
    });
    // Transactional sends always take offsets (aborted ones invisibly) and end with a marker.
    const txn = o.txn === true;
    const touched = new Set<number>();
    for (const s of sends) {
      if (!txn && !commit) continue;
      const off = endOf(s.k);
      logs[s.k].push({ value: s.v, visible: commit });
      touched.add(s.k);
      if (outcome === "ok") out[s.i] = ["send", keyName(s.k), [off, s.v]];
    }
    if (txn) for (const k of touched) logs[k].push({ value: -1, visible: false });
    if (outcome === "ok") c.pos = pos;
    return { value: out, committed: commit };
  };

  const complete = (c: Client, forceOk = false) => {
    const p = c.inflight!;
    c.inflight = null;
    if (p.f === "assign") {
      const keys = (p as Planned & { keys: number[] }).keys;
      const pos = new Map<number, number>();
      for (const k of keys) pos.set(k, c.pos.get(k) ?? 0);
      c.assigned = keys;
      c.pos = pos;
      put({ process: c.id, type: "ok", f: "assign", value: p.value });
      return;
    }
    const r = choose(1000);
    const writes = (p.value as unknown[][]).some((m) => m[0] === "send");
    let outcome: "ok" | "fail" | "info" = "ok";
    if (!forceOk && writes) outcome = r < infoPm ? "info" : r < infoPm + failPm ? "fail" : "ok";
    else if (!forceOk && r < infoPm) outcome = "info";
    const { value } = run(c, p.value as unknown[], outcome);
    put({ process: c.id, type: outcome, f: p.f, value: outcome === "info" && !writes ? p.value : value, ...(outcome === "ok" ? {} : { error: outcome === "info" ? "timeout" : "aborted" }) });
    if (outcome === "info") {
      const i = clients.indexOf(c);
      clients[i] = newClient();
    }
  };

  let nemesisOpen = false;
  while (invoked < o.ops) {
    if (o.nemesisEvery && invoked > 0 && invoked % o.nemesisEvery === 0 && index > 0) {
      const f = nemesisOpen ? "stop-partition" : "start-partition";
      put({ process: "nemesis", type: "info", f, value: null });
      put({ process: "nemesis", type: "info", f, value: nemesisOpen ? "healed" : { n1: ["n2", "n3"] } });
      nemesisOpen = !nemesisOpen;
    }
    const c = clients[choose(clients.length)];
    if (c.inflight) complete(c);
    else invoke(c, choose(16));
  }
  for (const c of clients) if (c.inflight) complete(c, true);
  if (nemesisOpen) {
    put({ process: "nemesis", type: "info", f: "stop-partition", value: null });
    put({ process: "nemesis", type: "info", f: "stop-partition", value: "healed" });
  }
  // Final reads: a fresh consumer per key reads it to its end.
  for (let k = 0; k < o.keys; k++) {
    const c = newClient();
    c.assigned = [k];
    put({ process: c.id, type: "invoke", f: "assign", value: [keyName(k)] });
    put({ process: c.id, type: "ok", f: "assign", value: [keyName(k)] });
    for (;;) {
      const from = c.pos.get(k) ?? 0;
      const recs = visibleFrom(k, from, 64);
      put({ process: c.id, type: "invoke", f: "poll", value: [["poll"]] });
      put({ process: c.id, type: "ok", f: "poll", value: [["poll", { [keyName(k)]: recs }]] });
      if (recs.length === 0) break;
      c.pos.set(k, recs[recs.length - 1][0] + 1);
    }
  }
  return { logs, ops: index };
}

/**
 * Writes a model history of about `lines` ops to `path` (16 keys, 12 processes, seeded by the
 * size, with info and failed ops and nemesis ops): the benchmarks' input. Returns the op count.
 */
export function writeModelHistory(path: string, lines: number, txn: boolean): number {
  const fd = openSync(path, "w");
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    writeSync(fd, chunk.join(""));
    chunk = [];
    size = 0;
  };
  const { ops } = simulate(
    { keys: 16, processes: 12, ops: Math.round(lines / 2), txn, maxPoll: 8, infoPerMille: 5, failPerMille: 5, nemesisEvery: 5000, choose: seededChoose(lines) },
    (op) => {
      const s = `${JSON.stringify(op)}\n`;
      chunk.push(s);
      size += s.length;
      if (size > 1 << 23) flush();
    },
  );
  flush();
  closeSync(fd);
  return ops;
}
