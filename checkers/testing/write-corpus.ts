// Writes the corpus of hand-written histories in test/fixtures/histories and its expected.json:
// `node checkers/testing/write-corpus.ts`. Edit the cases here, then re-run it.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { history, pollPair, sendPair, type Row } from "./build.ts";
const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "histories");
const expected: Record<string, unknown> = {};
const out = (name: string, rows: Row[], exp: { valid: boolean | "unknown"; types: string[]; exit?: number; note: string }, opts: { msPerOp?: number; tail?: string } = {}) => {
  const ops = history(rows, opts.msPerOp ?? 5);
  writeFileSync(`${dir}/${name}.jsonl`, ops.map((o) => JSON.stringify(o)).join("\n") + "\n" + (opts.tail ?? ""));
  expected[name] = exp;
};
const assign = (p: number, keys: string[], extras?: Record<string, unknown>): Row[] => [[p, "invoke", "assign", keys, extras], [p, "ok", "assign", keys, extras]];
const nem = (f: string, v: unknown): Row[] => [["nemesis", "info", f, null], ["nemesis", "info", f, v]];

out("valid-queue", [
  ...assign(0, ["t0/0", "t0/1"]),
  ...sendPair(1, "ok", "t0/0", [1, 0]),
  ...sendPair(2, "ok", "t0/1", [2, 0]),
  ...pollPair(0, "ok", { "t0/0": [[0, 1]], "t0/1": [[0, 2]] }),
  ...nem("start-partition", { n1: ["n2", "n3"] }),
  ...sendPair(1, "info", "t0/0", [3]),
  ...sendPair(2, "ok", "t0/0", [4, 1]),
  ...nem("stop-partition", "healed"),
  ...pollPair(0, "ok", { "t0/0": [[1, 4]] }),
  ...sendPair(2, "fail", "t0/1", [5]),
  ...pollPair(0, "ok", {}),
], { valid: true, types: [], note: "assign mode, a partition, an info and a failed send: nothing wrong" });

out("valid-txn-markers", [
  [0, "invoke", "txn", [["send", "x", 1], ["send", "x", 2], ["poll"]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["send", "x", [1, 2]], ["poll", {}]]],
  [1, "invoke", "txn", [["send", "x", 3], ["send", "y", 4]]],
  [1, "fail", "txn", [["send", "x", 3], ["send", "y", 4]]],
  [0, "invoke", "txn", [["send", "x", 5], ["poll"]]],
  [0, "ok", "txn", [["send", "x", [6, 5]], ["poll", { x: [[0, 1], [1, 2]] }]]],
  ...pollPair(2, "ok", { x: [[0, 1], [1, 2], [6, 5]] }),
], { valid: true, types: [], note: "commit markers (offset 2, 5) and an aborted transaction (3, 4) leave gaps that are not skips" });

out("lost-write", [
  ...sendPair(0, "ok", "x", [1, 0]),
  ...sendPair(0, "ok", "x", [2, 1]),
  ...sendPair(1, "ok", "x", [3, 2]),
  ...pollPair(2, "ok", { x: [[0, 1], [2, 3]] }),
], { valid: false, types: ["int-poll-skip", "lost-write", "unseen"], note: "2 was acknowledged at offset 1 but no poll returned it, though 3 at offset 2 was read" });

out("unseen", [
  ...sendPair(0, "ok", "x", [1, 0]),
  ...pollPair(1, "ok", { x: [[0, 1]] }),
  ...sendPair(0, "ok", "x", [2, 1]),
  ...pollPair(1, "ok", {}),
], { valid: false, types: ["unseen"], note: "2 was acknowledged and never read, even by the last poll" });

out("duplicate-inconsistent", [
  ...sendPair(0, "ok", "x", [1, 0]),
  ...sendPair(1, "ok", "x", [2, 1]),
  ...pollPair(2, "ok", { x: [[0, 1], [1, 2], [2, 1]] }),
  ...sendPair(0, "ok", "x", [3, 3]),
  ...sendPair(1, "info", "x", [4]),
  ...pollPair(3, "ok", { x: [[3, 4]] }),
  ...pollPair(2, "ok", { x: [[3, 4]] }),
], { valid: false, types: ["duplicate", "inconsistent-offsets", "lost-write", "unseen"], note: "1 at offsets 0 and 2; offset 3 holds 3 (the ack) and 4 (the polls), so 3 is lost" });

const skipBase: Row[] = [
  [9, "invoke", "send", [1, 2, 3, 4].map((v) => ["send", "x", v])],
  [9, "ok", "send", [1, 2, 3, 4].map((v, i) => ["send", "x", [i, v]])],
];
out("poll-skip-assign", [...assign(0, ["x"]), ...skipBase, ...pollPair(0, "ok", { x: [[0, 1]] }), ...pollPair(0, "ok", { x: [[2, 3], [3, 4]] }), ...pollPair(1, "ok", { x: [[0, 1], [1, 2], [2, 3], [3, 4]] })],
  { valid: false, types: ["poll-skip"], note: "process 0 read offset 0, then 2: it skipped value 2" });
out("poll-skip-subscribe", [[0, "invoke", "subscribe", ["x"]], [0, "ok", "subscribe", ["x"]], ...skipBase, ...pollPair(0, "ok", { x: [[0, 1]] }), ...pollPair(0, "ok", { x: [[2, 3], [3, 4]] }), ...pollPair(1, "ok", { x: [[0, 1], [1, 2], [2, 3], [3, 4]] })],
  { valid: true, types: ["poll-skip"], note: "the same skip under subscribe: a rebalance explains it (informational)" });

out("nonmonotonic-poll", [...assign(0, ["x"]), ...skipBase, ...pollPair(0, "ok", { x: [[0, 1], [1, 2], [2, 3]] }), ...pollPair(0, "ok", { x: [[1, 2], [2, 3], [3, 4]] })],
  { valid: false, types: ["nonmonotonic-poll"], note: "the second poll starts at offset 1, before where the first ended (2)" });

out("int-poll", [...skipBase, ...pollPair(0, "ok", { x: [[0, 1], [2, 3]] }), ...pollPair(1, "ok", { x: [[1, 2], [0, 1]] }), ...pollPair(2, "ok", { x: [[0, 1], [1, 2], [2, 3], [3, 4]] })],
  { valid: false, types: ["int-nonmonotonic-poll", "int-poll-skip"], note: "one poll skips offset 1; another goes from offset 1 back to 0" });

out("nonmonotonic-send", [...sendPair(0, "ok", "x", [2, 1]), ...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1], [1, 2]] })],
  { valid: false, types: ["G0-process", "G0-realtime", "nonmonotonic-send"], note: "process 0 sent 2 (offset 1), then 1, which landed at offset 0" });

out("int-send", [
  [0, "invoke", "txn", [["send", "x", 1], ["send", "x", 3]]],
  [1, "invoke", "txn", [["send", "x", 2]]],
  [1, "ok", "txn", [["send", "x", [1, 2]]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["send", "x", [2, 3]]]],
  [0, "invoke", "txn", [["send", "y", 5], ["send", "y", 4]]],
  [0, "ok", "txn", [["send", "y", [1, 5]], ["send", "y", [0, 4]]]],
  ...pollPair(2, "ok", { x: [[0, 1], [1, 2], [2, 3]], y: [[0, 4], [1, 5]] }),
], { valid: false, types: ["G0", "int-nonmonotonic-send", "int-send-skip"], note: "x: another producer's 2 landed between 1 and 3 (fine); y: 5 then 4 landed reversed (bad)" });

out("g1a", [
  [0, "invoke", "txn", [["send", "x", 1], ["send", "y", 2]]],
  [0, "fail", "txn", [["send", "x", 1], ["send", "y", 2]], { error: "aborted" }],
  ...sendPair(1, "ok", "x", [3, 1]),
  ...pollPair(2, "ok", { x: [[0, 1], [1, 3]] }),
], { valid: false, types: ["G1a"], note: "1 was sent by a failed transaction, yet a poll returned it" });

out("precommitted-read", [
  [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["poll", { x: [[0, 1]] }]]],
  ...pollPair(1, "ok", { x: [[0, 1]] }),
], { valid: false, types: ["precommitted-read"], note: "a transaction read its own uncommitted write" });

out("g0-txn", [
  [0, "invoke", "txn", [["send", "x", 1], ["send", "y", 1]]],
  [1, "invoke", "txn", [["send", "x", 2], ["send", "y", 2]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["send", "y", [1, 1]]]],
  [1, "ok", "txn", [["send", "x", [1, 2]], ["send", "y", [0, 2]]]],
  ...pollPair(2, "ok", { x: [[0, 1], [1, 2]], y: [[0, 2], [1, 1]] }),
], { valid: true, types: ["G0"], note: "concurrent transactions' writes interleave in opposite orders: allowed in Kafka" });

out("g1c", [
  [0, "invoke", "txn", [["send", "x", 1], ["poll"]]],
  [1, "invoke", "txn", [["send", "y", 2], ["poll"]]],
  [0, "ok", "txn", [["send", "x", [0, 1]], ["poll", { y: [[0, 2]] }]]],
  [1, "ok", "txn", [["send", "y", [0, 2]], ["poll", { x: [[0, 1]] }]]],
], { valid: false, types: ["G1c"], note: "each transaction read the other's write: impossible under read committed" });

out("g1c-realtime", [...pollPair(0, "ok", { x: [[0, 7]] }), ...sendPair(1, "ok", "x", [7, 0]), ...pollPair(0, "ok", {})],
  { valid: false, types: ["G1c-realtime"], note: "a poll returned 7 before anyone had sent it" });

out("info-proven", [
  [0, "invoke", "txn", [["send", "x", 1], ["send", "y", 2]]],
  [0, "info", "txn", [["send", "x", 1], ["send", "y", [0, 2]]], { error: "timeout" }],
  ...sendPair(1, "ok", "y", [3, 1]),
  ...pollPair(2, "ok", { x: [[0, 1]] }),
  ...pollPair(3, "ok", { y: [[1, 3]] }),
], { valid: false, types: ["lost-write"], note: "the info transaction is proven committed by the read of 1, so its 2 at y offset 0 was lost" });

out("unknown-no-reads", [...sendPair(0, "ok", "x", [1, 0]), ...sendPair(0, "ok", "x", [2, 1])],
  { valid: "unknown", types: ["unseen"], note: "nothing was ever read: no verdict" });

out("truncated-last-line", [...sendPair(0, "ok", "x", [1, 0]), ...pollPair(1, "ok", { x: [[0, 1]] })],
  { valid: true, types: [], note: "the last line was cut short by a crash: ignored with a warning" }, { tail: '{"index":4,"time":20000000,"process":0,"ty' });

writeFileSync(`${dir}/malformed-line.jsonl`, [
  '{"index":0,"time":0,"process":0,"type":"invoke","f":"send","value":[["send","x",1]]}',
  '{"index":1,"time":5000000,"process":0,"type":"ok","f":"send","value":[["send","x",[0,1]]]}',
  '{"index":2,"time":10000000,"process":1,"type":"invoke","f":"poll","value":[["poll"]]',
  '{"index":3,"time":15000000,"process":1,"type":"ok","f":"poll","value":[["poll",{"x":[[0,1]]}]]}',
].join("\n") + "\n");
expected["malformed-line"] = { exit: 3, error: "line 3: not valid JSON", note: "line 3 lacks its closing brace" };
writeFileSync(`${dir}/expected.json`, JSON.stringify(expected, null, 2) + "\n");
