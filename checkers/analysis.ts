// The streaming half of checking: ingest() takes each op once, in history order, and keeps only
// what the anomaly finders need, in compact per-key and per-process state (see key-state.ts).
// Whatever can be judged on the spot is (e.g. a poll going backwards is nonmonotonic whatever
// else turns up); what depends on the whole log (is there a value between two offsets? was
// that info send committed?) is kept as a small candidate row and judged in finish().
//
// Positions in the log are offsets as reported; "dense" distances (ignoring gaps, which Kafka
// leaves for transaction markers and aborted records) are computed once the log is complete.

import {
  E_READ,
  E_SEND,
  F_ASSIGN,
  F_CRASH,
  F_OTHER,
  F_POLL,
  F_SEND,
  F_SUBSCRIBE,
  F_TXN,
  KeyTable,
  ParsedOp,
  T_FAIL,
  T_INFO,
  T_INVOKE,
  T_OK,
} from "../core/history/reader.ts";
import { F64List, growF64, growI32, I32List, RowTable, U8List } from "./columns.ts";
import { KeyState, W_FAIL, W_INFO, W_NONE, W_OK } from "./key-state.ts";
import { StatsCollector } from "./stats.ts";

/** One client process: its op in flight and what it last polled and sent, per key. */
class Proc {
  readonly id: number;
  pending = false;
  invIndex = 0;
  invTime = 0;
  invF = 0;
  invFName = "";
  invInFault = false;
  /** ok graph nodes completed before this op was invoked. */
  invRtRank = 0;
  invKeys = new Int32Array(8);
  invVals = new Float64Array(8);
  invN = 0;
  /** The last graph node of this process (an ok op), for process-order edges. */
  lastNode = -1;
  // Last ok poll per key: offset (NaN: none), value, op.
  rOff = new Float64Array(0);
  rVal = new Float64Array(0);
  rOp = new Float64Array(0);
  // Last send per key (ok or info op): offset (NaN unknown), value, op (-1: none), node.
  sOff = new Float64Array(0);
  sVal = new Float64Array(0);
  sOp = new Float64Array(0);
  sNode = new Int32Array(0);
  // Realtime lag: highest offset polled per tracked key (NaN: not tracked), and which are tracked.
  lagOff = new Float64Array(0);
  /** Cache: the lagOff the expiry below was found for, and that expiry time (ns). */
  lagFor = new Float64Array(0);
  lagExp = new Float64Array(0);
  /** How many breakpoints the key had when an Infinity expiry was found (nothing newer yet). */
  lagN = new Float64Array(0);
  /** The breakpoint index that expiry was found at: where the next search starts when lagOff has not gone down. */
  lagIdx = new Int32Array(0);
  lagKeys: number[] = [];
  /** Largest lag of this process's polls so far (ns). */
  maxLag = -1;
  /** How it last got its partitions: F_ASSIGN, F_SUBSCRIBE, or -1 before any. */
  via = -1;
  constructor(id: number) {
    this.id = id;
  }
  ensure(nk: number): void {
    if (this.rOff.length >= nk) return;
    const c = Math.max(nk, this.rOff.length * 2, 8);
    this.rOff = growF64(this.rOff, c, NaN);
    this.rVal = growF64(this.rVal, c, NaN);
    this.rOp = growF64(this.rOp, c, -1);
    this.sOff = growF64(this.sOff, c, NaN);
    this.sVal = growF64(this.sVal, c, NaN);
    this.sOp = growF64(this.sOp, c, -1);
    this.sNode = growI32(this.sNode, c, -1);
    this.lagOff = growF64(this.lagOff, c, NaN);
    this.lagFor = growF64(this.lagFor, c, NaN);
    this.lagExp = growF64(this.lagExp, c, Infinity);
    this.lagN = growF64(this.lagN, c, -1);
    this.lagIdx = growI32(this.lagIdx, c, 0);
  }
}

// Candidate row layouts (all fields float64).
/**
 * Within one op, consecutive reads of a key not at adjacent offsets: key, o1, v1, o2, v2, op,
 * count. Forward jumps (o2 > o1 + 1: a skip, or just a transaction marker) are deduplicated per
 * key and (o1, o2): the first op's row, counted; every op crossing a marker would otherwise add
 * one. Backward ones (nonmonotonic for sure) get a row each.
 */
export const INT_POLL_W = 7;
/** Successive polls of one process: key, o1, v1, o2, v2, op1, op2, process, count (as above). */
export const POLL_W = 9;

/** Successive send ops of one process: key, o1, v1, o2, v2, op1, op2, process, node1, node2. */
export const SEND_W = 10;
/** Within one op, consecutive sends to a key: key, o1, v1, o2, v2, op, node. */
export const INT_SEND_W = 7;
/** A read of the op's own write: key, value, op, offset. */
export const PRECOMMIT_W = 4;
/** A value consumed by a second committed transaction of the shared group: key, value, offset, op1, process1, op2, process2. */
export const CONSUME_W = 7;
/** Sends of info ops, judged once all reads are known: node, key, slot, offset. */
const INFO_SEND_W = 4;

export class Analysis {
  readonly keys: KeyTable;
  readonly keyStates: KeyState[] = [];
  readonly stats = new StatsCollector();
  private readonly procs = new Map<number, Proc>();

  // Graph nodes: ok and info completions of send/poll/txn (op indices as int32, like KeyState's).
  readonly nodeOp = new I32List(1024);
  /** The node's invocation index (its place in time for cycle search). */
  readonly nodeInv = new I32List(1024);
  /** okRank → node. */
  readonly okNodeOf = new I32List(1024);
  readonly nodeProc = new F64List(1024);
  readonly nodeType = new U8List(1024);
  /** For ok nodes: their rank among ok completions (-1 for info nodes). */
  readonly nodeOkRank = new I32List(1024);
  /** Ok completions before the node's invocation. */
  readonly nodeRtRank = new I32List(1024);
  /** The previous node of the same process (an ok op), or -1. */
  readonly nodeProcPred = new I32List(1024);
  nodeCommitted = new Uint8Array(0);
  okNodes = 0;
  /**
   * Each key's log end as the cluster reported it after the faults were healed (`log-ends` ops of
   * the final reads), the highest reading per key: a log that ends below an acknowledged offset
   * lost what was there (finders/truncated-log.ts).
   */
  readonly logEnds = new Map<string, { end: number; op: number }>();
  /** The final reads asked for log ends (a `log-ends` op completed, ok or not). */
  logEndsAsked = false;
  /**
   * Each key's last stable offset as the last `stable-ends` op of the final reads gave it
   * (transactional runs, read_committed): read_committed readers stop there while a transaction
   * is open. It explains unread values (finders/unseen.ts); no anomaly rests on it alone.
   */
  readonly stableEnds = new Map<string, { end: number; op: number }>();
  /**
   * Liveness (finders/stuck.ts): the last send/poll/txn that completed ok (time ns, op index;
   * -1: none), the client completions since it that were not ok (any f but crash: an assign that
   * times out is an attempt too) and the first of them, the last client completion, and the
   * harness's final "check-healed" nemesis op.
   */
  lastOkRw = { time: -1, op: -1 };
  notOkSinceOk = 0;
  firstNotOkSinceOk = -1;
  lastClientTime = -1;
  checkHealed = { time: -1, op: -1 };
  /**
   * Reads that make write-read edges: key, slot, reader node (deduplicated per op and writer).
   * A read of a value whose writer completed ok before the reader was invoked is left out: the
   * realtime order already implies that edge (see finders/cycles.ts).
   */
  readonly wr = new I32List(4096);

  readonly intPoll = new RowTable(INT_POLL_W);
  readonly pollOrder = new RowTable(POLL_W);
  readonly sendOrder = new RowTable(SEND_W);
  readonly intSend = new RowTable(INT_SEND_W);
  readonly precommitted = new RowTable(PRECOMMIT_W);
  readonly doubleConsumed = new RowTable(CONSUME_W);
  private readonly infoSends = new RowTable(INFO_SEND_W);

  // Counters for the verdict and the unseen series.
  okSends = 0;
  okPolls = 0;
  okPollsWithData = 0;
  ops = 0;
  private unseen = 0;
  subscribeOps = 0;
  txnLike = 0;
  lastTime = 0;

  // Per-op scratch, indexed by key id; stamps mark which keys the current op touched.
  private stamp = 0;
  private sStamp = new Int32Array(0);
  private rStamp = new Int32Array(0);
  private sFirstOff = new Float64Array(0);
  private sFirstVal = new Float64Array(0);
  private sLastOff = new Float64Array(0);
  private sLastVal = new Float64Array(0);
  private rFirstOff = new Float64Array(0);
  private rFirstVal = new Float64Array(0);
  private rLastOff = new Float64Array(0);
  private rLastVal = new Float64Array(0);
  private maxOff = new Float64Array(0);
  private lastWrWriter = new Int32Array(0);
  private rebal = new Int32Array(0);
  // Keys the current op touched / sent to / read, as typed lists (no per-op allocation).
  private touched = new Int32Array(16);
  private sentKeys = new Int32Array(16);
  private readKeys = new Int32Array(16);

  finished = false;

  constructor(keys: KeyTable = new KeyTable()) {
    this.keys = keys;
  }

  private ensureScratch(nk: number): void {
    if (this.sStamp.length >= nk) return;
    const c = Math.max(nk, this.sStamp.length * 2, 16);
    this.sStamp = growI32(this.sStamp, c, 0);
    this.rStamp = growI32(this.rStamp, c, 0);
    this.rebal = growI32(this.rebal, c, 0);
    this.lastWrWriter = growI32(this.lastWrWriter, c, -1);
    this.sFirstOff = growF64(this.sFirstOff, c);
    this.sFirstVal = growF64(this.sFirstVal, c);
    this.sLastOff = growF64(this.sLastOff, c);
    this.sLastVal = growF64(this.sLastVal, c);
    this.rFirstOff = growF64(this.rFirstOff, c);
    this.rFirstVal = growF64(this.rFirstVal, c);
    this.rLastOff = growF64(this.rLastOff, c);
    this.rLastVal = growF64(this.rLastVal, c);
    this.maxOff = growF64(this.maxOff, c);
  }

  private proc(id: number): Proc {
    let p = this.procs.get(id);
    if (p === undefined) this.procs.set(id, (p = new Proc(id)));
    return p;
  }

  ingest(p: ParsedOp): void {
    this.ops++;
    const time = p.time;
    if (time > this.lastTime) this.lastTime = time;
    const stats = this.stats;
    stats.now = time;
    if (time < stats.minTime) stats.minTime = time;
    if (time > stats.maxTime) stats.maxTime = time;
    if (p.nemesis) {
      this.stats.onNemesis(p);
      if (p.f === F_OTHER && p.fName === "check-healed") this.checkHealed = { time: p.time, op: p.index };
      return;
    }
    if (p.f === F_SUBSCRIBE) this.subscribeOps++;
    if (p.f === F_TXN || p.mops > 1) this.txnLike++;
    const pr = this.proc(p.process);
    if (p.type === T_INVOKE) {
      pr.pending = true;
      pr.invIndex = p.index;
      pr.invTime = p.time;
      pr.invF = p.f;
      pr.invFName = p.fName;
      pr.invInFault = this.stats.inFault();
      pr.invRtRank = this.okNodes;
      let n = 0;
      for (let i = p.e0; i < p.e0 + p.n; i++) {
        if (p.kind[i] !== E_SEND) continue;
        if (n === pr.invKeys.length) {
          pr.invKeys = growI32(pr.invKeys, n + 1, 0);
          pr.invVals = growF64(pr.invVals, n + 1, 0);
        }
        pr.invKeys[n] = p.key[i];
        pr.invVals[n] = p.value[i];
        n++;
      }
      pr.invN = n;
      return;
    }
    this.complete(pr, p);
  }

  private complete(pr: Proc, p: ParsedOp): void {
    pr.pending = false;
    const f = p.f;
    const rw = f === F_SEND || f === F_POLL || f === F_TXN;
    const lat = p.time - pr.invTime;
    this.stats.onCompletion(p.fLabel, f, p.type, lat > 0 ? lat : 0, pr.invInFault, rw);
    this.stats.onError(p.type, p.error);
    // Liveness: any client op but a crash is an attempt; only an ok send/poll/txn is service.
    if (f !== F_CRASH) {
      this.lastClientTime = p.time;
      if (rw && p.type === T_OK) {
        this.lastOkRw = { time: p.time, op: p.index };
        this.notOkSinceOk = 0;
        this.firstNotOkSinceOk = -1;
      } else if (p.type !== T_OK && this.notOkSinceOk++ === 0) this.firstNotOkSinceOk = p.index;
    }
    if (rw) {
      this.stats.onLoad(p.type, p.sendMops, p.n > p.sendMops, pr.invTime);
      this.microOps(pr, p);
    }
    else if ((f === F_ASSIGN || f === F_SUBSCRIBE) && (p.type === T_OK || p.type === T_INFO)) this.reassign(pr, p);
    else if (f === F_OTHER && p.fName === "log-ends") {
      this.logEndsAsked = true;
      if (p.type === T_OK) this.logEndsOf(p);
    } else if (f === F_OTHER && p.fName === "stable-ends" && p.type === T_OK) this.stableEndsOf(p);
    if (p.type === T_INFO) this.procs.delete(pr.id); // the worker goes on as a new process
  }

  private logEndsOf(p: ParsedOp): void {
    const v = p.otherValue;
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    for (const [key, end] of Object.entries(v as Record<string, unknown>)) {
      if (typeof end !== "number" || !Number.isFinite(end)) continue;
      const had = this.logEnds.get(key);
      if (!had || end > had.end) this.logEnds.set(key, { end, op: p.index });
    }
  }

  private stableEndsOf(p: ParsedOp): void {
    const v = p.otherValue;
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    for (const [key, end] of Object.entries(v as Record<string, unknown>)) if (typeof end === "number" && Number.isFinite(end)) this.stableEnds.set(key, { end, op: p.index });
  }

  /** assign/subscribe: per-key memory of what this process polled/sent survives only for kept keys. */
  private reassign(pr: Proc, p: ParsedOp): void {
    pr.via = p.f;
    const nk = this.keys.size;
    pr.ensure(nk);
    this.ensureScratch(nk);
    const st = ++this.stamp;
    for (const k of p.keyIds) this.rStamp[k] = st;
    for (let k = 0; k < pr.rOff.length; k++) {
      const keep = this.rStamp[k] === st && !p.seekToBeginning;
      if (!keep) {
        pr.rOff[k] = NaN;
        pr.sOff[k] = NaN;
        pr.sVal[k] = NaN;
        pr.sOp[k] = -1;
      }
    }
    // Realtime lag (Jepsen): assign tracks exactly its keys (new ones from -1); subscribe forgets all.
    const keys: number[] = [];
    if (p.f === F_ASSIGN) {
      for (let k = 0; k < pr.lagOff.length; k++) if (this.rStamp[k] !== st) pr.lagOff[k] = NaN;
      for (const k of p.keyIds) {
        if (pr.lagOff[k] !== pr.lagOff[k]) pr.lagOff[k] = -1;
        if (!keys.includes(k)) keys.push(k);
      }
    } else pr.lagOff.fill(NaN);
    pr.lagKeys = keys;
  }

  /** One ok read of value slot s by the shared group (see KeyState.consumed). */
  private consume(ks: KeyState, k: number, s: number, o: number, idx: number, pid: number, committedTxn: boolean): void {
    ks.consumeAt(s);
    if (ks.consumed[s] < 255) ks.consumed[s]++;
    if (!committedTxn) return;
    const first = ks.consumedTxnOp[s];
    if (first < 0) {
      ks.consumedTxnOp[s] = idx;
      ks.consumedTxnProc[s] = pid;
    } else if (first !== idx) {
      const r = this.doubleConsumed.add();
      const a = this.doubleConsumed.a;
      a[r] = k;
      a[r + 1] = ks.vValue[s];
      a[r + 2] = o;
      a[r + 3] = first;
      a[r + 4] = ks.consumedTxnProc[s];
      a[r + 5] = idx;
      a[r + 6] = pid;
    }
  }

  /** The shared group's consumption counts (stats.consumption), or undefined without subscribed reads. */
  consumption(): { values: number; once: number; more: number; committedMore: number } | undefined {
    let values = 0;
    let once = 0;
    let more = 0;
    for (const ks of this.keyStates) {
      for (let s = 0; s < ks.consumed.length; s++) {
        const c = ks.consumed[s];
        if (c === 0) continue;
        values++;
        if (c === 1) once++;
        else more++;
      }
    }
    return values === 0 ? undefined : { values, once, more, committedMore: this.doubleConsumed.n };
  }

  private newNode(pr: Proc, p: ParsedOp): number {
    const node = this.nodeOp.n;
    this.nodeOp.push(p.index);
    this.nodeInv.push(pr.invIndex);
    this.nodeProc.push(pr.id);
    this.nodeType.push(p.type);
    this.nodeRtRank.push(pr.invRtRank);
    this.nodeProcPred.push(pr.lastNode);
    if (p.type === T_OK) {
      this.okNodeOf.push(node);
      this.nodeOkRank.push(this.okNodes++);
      pr.lastNode = node;
    } else this.nodeOkRank.push(-1);
    return node;
  }

  private microOps(pr: Proc, p: ParsedOp): void {
    const nk = this.keys.size;
    this.ensureScratch(nk);
    pr.ensure(nk);
    const t = p.type;
    const ok = t === T_OK;
    const idx = p.index;
    const node = ok || t === T_INFO ? this.newNode(pr, p) : -1;
    const st = ++this.stamp;
    if (this.touched.length < nk) {
      this.touched = new Int32Array(nk * 2);
      this.sentKeys = new Int32Array(nk * 2);
      this.readKeys = new Int32Array(nk * 2);
    }
    const touched = this.touched;
    const sentKeys = this.sentKeys;
    const readKeys = this.readKeys;
    let nTouched = 0;
    let nSent = 0;
    let nRead = 0;
    if (p.rebalanceKeys !== null) for (const k of p.rebalanceKeys) this.rebal[k] = st;
    let unseenChanged = false;

    const keyStates = this.keyStates;
    while (keyStates.length < nk) keyStates.push(new KeyState(keyStates.length, this.keys.names[keyStates.length]));
    const e0 = p.e0;
    const e1 = e0 + p.n;
    const kindA = p.kind;
    const keyA = p.key;
    const valA = p.value;
    const offA = p.offset;
    const sStamp = this.sStamp;
    const rStamp = this.rStamp;
    const maxOff = this.maxOff;

    // Sends first: an op's reads of its own writes are then recognisable.
    if (p.sendMops > 0) {
      if (ok) this.okSends++;
      const wType = ok ? W_OK : t === T_INFO ? W_INFO : W_FAIL;
      const sLastOff = this.sLastOff;
      const sLastVal = this.sLastVal;
      for (let i = e0; i < e1; i++) {
        if (kindA[i] !== E_SEND) continue;
        const k = keyA[i];
        const v = valA[i];
        let o = offA[i];
        if (o < 0) o = NaN;
        const ks = keyStates[k];
        const s = ok && o === o ? ks.insert(o, v, idx) : ks.slot(v);
        if (ks.writerType[s] !== W_OK) {
          ks.writerOp[s] = idx;
          ks.writerType[s] = wType;
          ks.writerProc[s] = pr.id;
          ks.writerNode[s] = node;
          ks.sendOffset[s] = o;
        }
        if (ok) {
          if (ks.okReader[s] < 0) {
            this.unseen++;
            unseenChanged = true;
          }
        } else if (t === T_INFO) {
          const r = this.infoSends.add();
          const a = this.infoSends.a;
          a[r] = node;
          a[r + 1] = k;
          a[r + 2] = s;
          a[r + 3] = o;
        }
        if (sStamp[k] !== st) {
          touched[nTouched++] = k;
          maxOff[k] = -1;
        }
        if (o === o && o > maxOff[k]) maxOff[k] = o;
        if (t === T_FAIL) {
          sStamp[k] = st;
          continue;
        }
        if (sStamp[k] !== st) {
          sStamp[k] = st;
          sentKeys[nSent++] = k;
          this.sFirstOff[k] = o;
          this.sFirstVal[k] = v;
        } else {
          const o1 = sLastOff[k];
          if (!(o1 === o1 && o === o1 + 1)) {
            const r = this.intSend.add();
            const a = this.intSend.a;
            a[r] = k;
            a[r + 1] = o1;
            a[r + 2] = sLastVal[k];
            a[r + 3] = o;
            a[r + 4] = v;
            a[r + 5] = idx;
            a[r + 6] = node;
          }
        }
        sLastOff[k] = o;
        sLastVal[k] = v;
      }
    }

    if (p.pollMops > 0 && ok) {
      this.okPolls++;
      if (p.n > p.sendMops) this.okPollsWithData++;
    }
    if (p.n > p.sendMops) {
      const rLastOff = this.rLastOff;
      const rLastVal = this.rLastVal;
      const rebal = this.rebal;
      const lastWr = this.lastWrWriter;
      const okRank = this.nodeOkRank.a;
      const rtr = pr.invRtRank;
      const pid = pr.id;
      const hasSends = p.sendMops > 0;
      // The shared group's consumption: ok reads by a subscribed process; committed if a txn op.
      const grouped = ok && pr.via === F_SUBSCRIBE;
      const committedTxn = grouped && p.f === F_TXN;
      for (let i = e0; i < e1; i++) {
        if (kindA[i] !== E_READ) continue;
        const k = keyA[i];
        const v = valA[i];
        let o = offA[i];
        if (o < 0) o = NaN;
        const ks = keyStates[k];
        const s = o === o ? ks.insert(o, v, idx) : ks.slot(v);
        if (grouped) this.consume(ks, k, s, o, idx, pid, committedTxn);
        if (!ok) {
          if (ks.anyReader[s] < 0) ks.anyReader[s] = idx;
        } else if (ks.okReader[s] < 0) {
          ks.okReader[s] = idx;
          ks.okReaderProc[s] = pid;
          if (ks.writerType[s] === W_OK) {
            this.unseen--;
            unseenChanged = true;
          }
        }
        if (hasSends && ks.writerOp[s] === idx && ks.writerType[s] !== W_NONE) {
          const r = this.precommitted.add();
          const a = this.precommitted.a;
          a[r] = k;
          a[r + 1] = v;
          a[r + 2] = idx;
          a[r + 3] = o;
        }
        const first = rStamp[k] !== st;
        if (node >= 0) {
          const w = ks.writerNode[s];
          const implied = w >= 0 && okRank[w] >= 0 && okRank[w] < rtr;
          if (!implied && (w < 0 || w !== lastWr[k] || first)) {
            this.wr.push(k);
            this.wr.push(s);
            this.wr.push(node);
            lastWr[k] = w;
          }
        }
        if (first) {
          if (sStamp[k] !== st) {
            touched[nTouched++] = k;
            maxOff[k] = -1;
          }
          rStamp[k] = st;
          readKeys[nRead++] = k;
          this.rFirstOff[k] = o;
          this.rFirstVal[k] = v;
        } else if (rebal[k] !== st) {
          const o1 = rLastOff[k];
          if (o === o && o1 === o1 && o !== o1 + 1) {
            if (!(o > o1 && ks.repeatJump(o1, 0, o))) {
              if (o > o1) {
                ks.setJump(o1, 0, o, this.intPoll.n);
                if (ks.replacedMore > 0) this.intPoll.a[ks.replacedRow * INT_POLL_W + 6] += ks.replacedMore;
              }
              const r = this.intPoll.add();
              const a = this.intPoll.a;
              a[r] = k;
              a[r + 1] = o1;
              a[r + 2] = rLastVal[k];
              a[r + 3] = o;
              a[r + 4] = v;
              a[r + 5] = idx;
              a[r + 6] = 1;
            }
          }
        }
        if (o === o && o > maxOff[k]) maxOff[k] = o;
        rLastOff[k] = o;
        rLastVal[k] = v;
      }
    }

    // Successive polls of this process (any outcome is compared; only ok polls move it on).
    for (let j = 0; j < nRead; j++) {
      const k = readKeys[j];
      const o0 = pr.rOff[k];
      const o = this.rFirstOff[k];
      if (o0 === o0 && o === o && o !== o0 + 1 && this.rebal[k] !== st) {
        const ks = keyStates[k];
        if (!(o > o0 && ks.repeatJump(o0, 1, o))) {
          if (o > o0) {
            ks.setJump(o0, 1, o, this.pollOrder.n);
            if (ks.replacedMore > 0) this.pollOrder.a[ks.replacedRow * POLL_W + 8] += ks.replacedMore;
          }
          const r = this.pollOrder.add();
          const a = this.pollOrder.a;
          a[r] = k;
          a[r + 1] = o0;
          a[r + 2] = pr.rVal[k];
          a[r + 3] = o;
          a[r + 4] = this.rFirstVal[k];
          a[r + 5] = pr.rOp[k];
          a[r + 6] = idx;
          a[r + 7] = pr.id;
          a[r + 8] = 1;
        }
      }
      if (ok && this.rLastOff[k] === this.rLastOff[k]) {
        pr.rOff[k] = this.rLastOff[k];
        pr.rVal[k] = this.rLastVal[k];
        pr.rOp[k] = idx;
      }
    }

    // Successive send ops of this process (ok and info).
    for (let j = 0; j < nSent; j++) {
      const k = sentKeys[j];
      const o0 = pr.sOff[k];
      const op0 = pr.sOp[k];
      const o = this.sFirstOff[k];
      if (op0 >= 0 && !(o0 === o0 && o === o && o > o0)) {
        const r = this.sendOrder.add();
        const a = this.sendOrder.a;
        a[r] = k;
        a[r + 1] = o0;
        a[r + 2] = pr.sVal[k];
        a[r + 3] = o;
        a[r + 4] = this.sFirstVal[k];
        a[r + 5] = op0;
        a[r + 6] = idx;
        a[r + 7] = pr.id;
        a[r + 8] = pr.sNode[k];
        a[r + 9] = node;
      }
      pr.sOff[k] = this.sLastOff[k];
      pr.sVal[k] = this.sLastVal[k];
      pr.sOp[k] = idx;
      pr.sNode[k] = node;
    }

    // Realtime lag (Jepsen's definition): offsets revealed by this op, then the lag of each key
    // this process tracks, as of the poll's invocation.
    if (ok || t === T_INFO) {
      for (let j = 0; j < nTouched; j++) {
        const k = touched[j];
        const m = maxOff[k];
        const ks = keyStates[k];
        if (m > ks.expMax) {
          ks.expMax = m;
          ks.expOff.push(m);
          ks.expTime.push(p.time);
        }
      }
      if (ok && p.pollMops > 0) {
        for (let j = 0; j < nTouched; j++) {
          const k = touched[j];
          const m = maxOff[k];
          const cur = pr.lagOff[k];
          if (cur !== cur) {
            pr.lagOff[k] = m;
            pr.lagKeys.push(k);
          } else if (m > cur) pr.lagOff[k] = m;
        }
        // Per key, the largest lag; for the time series, the worst key of this poll.
        let worst = -1;
        let worstKey = -1;
        const lagKeys = pr.lagKeys;
        for (let j = 0; j < lagKeys.length; j++) {
          const k = lagKeys[j];
          const ks = keyStates[k];
          // Once known, when an offset stopped being the newest never changes: cache it.
          const off = pr.lagOff[k];
          let exp = pr.lagExp[k];
          const nb = ks.expOff.n;
          if (pr.lagFor[k] !== off || (exp === Infinity && pr.lagN[k] !== nb)) {
            // Breakpoints only grow: for an offset no lower than last time, the answer is at or
            // after the last one (usually right there).
            const e = ks.expiredIndex(off + 1, off >= pr.lagFor[k] ? pr.lagIdx[k] : 0);
            exp = e < nb ? ks.expTime.a[e] : Infinity;
            pr.lagFor[k] = off;
            pr.lagExp[k] = exp;
            pr.lagN[k] = nb;
            pr.lagIdx[k] = e;
          }
          const lag = exp < pr.invTime ? pr.invTime - exp : 0;
          if (lag > ks.maxLag) ks.maxLag = lag;
          if (lag > worst) {
            worst = lag;
            worstKey = k;
          }
        }
        if (worstKey >= 0) {
          this.stats.lagAt = pr.invTime;
          this.stats.onLag(pr.id, worstKey, worst, worst > pr.maxLag);
          if (worst > pr.maxLag) pr.maxLag = worst;
        }
      }
    }
    if (unseenChanged || ok) this.stats.onUnseen(this.unseen);
  }

  /** Judges what needed the whole history; after this the finders can run. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    // An op still in flight when the history ends has an unknown outcome: treat it as info.
    const p = new ParsedOp();
    for (const pr of [...this.procs.values()]) {
      if (!pr.pending || !(pr.invF === F_SEND || pr.invF === F_POLL || pr.invF === F_TXN)) continue;
      p.reset();
      p.index = pr.invIndex;
      p.time = this.lastTime;
      p.process = pr.id;
      p.type = T_INFO;
      p.f = pr.invF;
      p.fName = pr.invFName;
      for (let i = 0; i < pr.invN; i++) p.addEntry(E_SEND, i, pr.invKeys[i], NaN, pr.invVals[i]);
      p.e0 = 0;
      p.sendMops = pr.invN;
      p.mops = pr.invN;
      this.danglingOps.push(pr.invIndex);
      this.microOps(pr, p);
    }
    // Info ops are committed when any of their values was read by an ok poll; their
    // acknowledged offsets then join the log.
    const nodes = this.nodeOp.n;
    const committed = new Uint8Array(nodes);
    for (let i = 0; i < nodes; i++) if (this.nodeType.a[i] === T_OK) committed[i] = 1;
    const a = this.infoSends.a;
    for (let r = 0; r < this.infoSends.n * INFO_SEND_W; r += INFO_SEND_W) {
      const ks = this.keyStates[a[r + 1]];
      if (ks.okReader[a[r + 2]] >= 0) committed[a[r]] = 1;
    }
    for (let r = 0; r < this.infoSends.n * INFO_SEND_W; r += INFO_SEND_W) {
      const o = a[r + 3];
      if (committed[a[r]] === 1 && o === o) {
        const ks = this.keyStates[a[r + 1]];
        ks.insert(o, ks.vValue[a[r + 2]], this.nodeOp.a[a[r]]);
      }
    }
    this.nodeCommitted = committed;
    for (const ks of this.keyStates) {
      ks.flushJumps((t, row, more) => {
        if (t === 0) this.intPoll.a[row * INT_POLL_W + 6] += more;
        else this.pollOrder.a[row * POLL_W + 8] += more;
      });
      ks.finish();
    }
  }

  /** Invocations with no completion, treated as info. */
  readonly danglingOps: number[] = [];

  /** Unseen messages right now (acknowledged sends no ok poll has read). */
  get unseenNow(): number {
    return this.unseen;
  }
}
