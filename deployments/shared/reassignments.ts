// Partition reassignment through Kafka's own tool (ReassignPartitionsCommand, the code behind
// kafka-reassign-partitions.sh), run in a broker over the INTERNAL listener, as an operator runs
// it: --execute (with --throttle), --verify (which also clears the throttles once every move is
// complete) and --cancel. The class moved from kafka.admin to org.apache.kafka.tools.reassign in
// 3.7; the command tries the new one first. What is in progress is asked of the controller
// through the client protocol (ListPartitionReassignments), which needs no JVM.
import type { PartitionMove, ReassignmentAnswer } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";

export type ReassignAction = "execute" | "verify" | "cancel";

const JSON_FILE = "/tmp/kc-reassign.json";

/** The tool's JSON file of target replica lists. */
export function reassignmentJson(moves: PartitionMove[]): string {
  return JSON.stringify({ version: 1, partitions: moves.map((m) => ({ topic: m.topic, partition: m.partition, replicas: m.replicas })) });
}

/** The shell command for one action on the given moves, via `bootstrap`; `throttleBytes` with execute only. */
export function reassignmentCommand(bootstrap: string, action: ReassignAction, moves: PartitionMove[], throttleBytes?: number): string {
  if (!moves.length) throw new KcError("KC_BAD_ARGUMENT", `--${action} of a reassignment needs at least one partition`);
  for (const m of moves) {
    if (!/^[A-Za-z0-9._-]+$/.test(m.topic) || !Number.isInteger(m.partition) || m.partition < 0 || !m.replicas.length || m.replicas.some((r) => !Number.isInteger(r) || r < 0)) {
      throw new KcError("KC_BAD_ARGUMENT", `not a partition move: ${JSON.stringify(m)}`, { hint: "a topic name of letters, digits, '.', '_' and '-', a partition number and broker ids" });
    }
  }
  const throttle = action === "execute" && throttleBytes !== undefined ? ` --throttle ${Math.max(1, Math.round(throttleBytes))}` : "";
  const run = (cls: string) =>
    `java -Dlog4j.configuration=file:/dev/null -cp "$CLASSPATH" ${cls} --bootstrap-server ${bootstrap} --reassignment-json-file ${JSON_FILE} --${action}${throttle} 2>&1`;
  return (
    `. /etc/kc/node.env; printf '%s' '${reassignmentJson(moves)}' > ${JSON_FILE}; out=$(${run("org.apache.kafka.tools.reassign.ReassignPartitionsCommand")}); ` +
    `case "$out" in *"find or load main class"*) out=$(${run("kafka.admin.ReassignPartitionsCommand")});; esac; echo "$out"`
  );
}

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/** Reads the tool's output for an action. Throws when it said nothing this parser knows. */
export function parseReassignment(via: string, action: ReassignAction, output: string): ReassignmentAnswer {
  const r: ReassignmentAnswer = { via, done: [], inProgress: [], failed: [], throttlesCleared: false };
  for (const line of output.split("\n").map((l) => l.trim())) {
    let m: RegExpExecArray | null;
    if ((m = /^Successfully started partition reassignments? for (.+)$/i.exec(line))) r.done.push(...list(m[1]));
    else if ((m = /^Successfully cancelled partition reassignments? for:? (.+)$/i.exec(line))) r.done.push(...list(m[1]));
    else if ((m = /^Reassignment of partition (\S+) is complete/i.exec(line))) r.done.push(m[1]);
    else if ((m = /^Reassignment of partition (\S+) is still in progress/i.exec(line))) r.inProgress.push(m[1]);
    else if ((m = /^There is no active reassignment of partition (\S+), but replica set is (.+)$/i.exec(line))) r.failed.push({ partition: m[1].replace(/,$/, ""), error: `no reassignment in progress, but the replica set is ${m[2]}` });
    else if ((m = /^Reassignment of partition (\S+) failed/i.exec(line))) r.failed.push({ partition: m[1], error: line });
    if (/Clearing (broker|topic)-level throttles/i.test(line)) r.throttlesCleared = true;
  }
  // Nothing to cancel (the moves had finished): a fine answer, with nothing done.
  const nothingActive = /None of the specified partition reassignments are active/i.test(output);
  if (!r.done.length && !r.inProgress.length && !r.failed.length && !nothingActive) {
    // A Java stack trace ends in "at ..." lines: the exception's own line says what went wrong.
    const lines = output.trim().split("\n").filter((l) => !l.startsWith("log4j:"));
    const cause = lines.find((l) => /(Exception|Error)\b/.test(l) && !/^\s*at /.test(l));
    throw new KcError("KC_REASSIGNMENT_FAILED", `the reassignment tool's --${action} through ${via} said nothing usable: ${(cause ?? lines.slice(-3).join(" | ")).trim().slice(0, 400)}`, {
      hint: "see that node's container.log; the tool needs a live controller, and every target broker registered",
    });
  }
  return r;
}
