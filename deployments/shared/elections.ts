// Preferred-leader elections through Kafka's own tool (LeaderElectionCommand, the code behind
// kafka-leader-election.sh), run in a broker over the run network's INTERNAL listener, so every
// deployment that can run a command in a node does it the same way. The class moved from
// kafka.admin to org.apache.kafka.tools in 3.7; the command tries the new one first.
import type { ElectionResult } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";

/** The shell command: a preferred election of the given partitions (all partitions when none), via `bootstrap`. */
export function preferredElectionCommand(bootstrap: string, partitions?: { topic: string; partition: number }[]): string {
  const which = partitions?.length
    ? `--path-to-json-file /tmp/kc-election.json`
    : "--all-topic-partitions";
  const json = partitions?.length ? JSON.stringify({ partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) }) : "";
  const write = json ? `printf '%s' '${json.replace(/'/g, "")}' > /tmp/kc-election.json; ` : "";
  const run = (cls: string) => `java -Dlog4j.configuration=file:/dev/null -cp "$CLASSPATH" ${cls} --bootstrap-server ${bootstrap} --election-type PREFERRED ${which} 2>&1`;
  return `. /etc/kc/node.env; ${write}out=$(${run("org.apache.kafka.tools.LeaderElectionCommand")}); ` +
    `case "$out" in *"find or load main class"*) out=$(${run("kafka.admin.LeaderElectionCommand")});; esac; echo "$out"`;
}

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/** Reads the tool's output: partitions elected, already led by their preferred replica, and failures. */
export function parseElection(via: string, output: string): ElectionResult {
  const r: ElectionResult = { via, elected: [], alreadyPreferred: [], failed: [] };
  for (const line of output.split("\n").map((l) => l.trim())) {
    let m = /^Successfully completed (?:leader|preferred replica) election \(?\w*\)? ?for partitions (.+)$/i.exec(line);
    if (m) r.elected.push(...list(m[1]));
    m = /^Valid replica already elected for partitions (.+)$/i.exec(line);
    if (m) r.alreadyPreferred.push(...list(m[1]));
    m = /^Error completing (?:leader|preferred replica) election \(?\w*\)? ?for partition: ([^:]+): (.+)$/i.exec(line);
    if (m) r.failed.push({ partition: m[1].trim(), error: m[2].trim() });
  }
  if (!r.elected.length && !r.alreadyPreferred.length && !r.failed.length) {
    throw new KcError("KC_ELECTION_FAILED", `the preferred-leader election through ${via} said nothing usable: ${output.trim().split("\n").slice(-3).join(" | ").slice(0, 400)}`, {
      hint: "see that node's container.log; the tool needs a live controller",
    });
  }
  return r;
}
