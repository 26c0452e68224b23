// `npm run bench:compat [-- --cells 2.8.2:zookeeper,3.9.1:kraft,tansu --clients kafkajs,confluent,java --time-limit 20]`:
// what was tested, as a table of broker (Kafka release and mode, or tansu) × client. Each cell is
// one short `npm run chaos` run as a user types it: the safe preset (acks=all, idempotent,
// partitions, kills and pauses; on tansu the same faults, idempotent with java and confluent, and
// kafkajs, whose idempotent producer tansu cannot start, without retries), with one seed for every cell. Each row: the time from "starting" to "cluster
// ready" in the run's harness.log, the verdict, sends and polls ok, and the run directory. A cell
// that fails is a row too, with its error.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    cells: { type: "string", default: "2.0.1:zookeeper,2.8.2:zookeeper,3.6.2:kraft,3.9.1:zookeeper,3.9.1:kraft,4.1.1:kraft,tansu" },
    clients: { type: "string", default: "kafkajs,confluent,java" },
    "time-limit": { type: "string", default: "20" },
    seed: { type: "string", default: "21" },
    store: { type: "string" },
  },
});
const store = values.store ?? fs.mkdtempSync(path.join(os.tmpdir(), "kc-compat-"));
const cli = path.resolve(import.meta.dirname, "..", "cli", "main.ts");

function chaos(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Seconds from the run's "starting ..." line to "cluster ready" in harness.log (JSON lines with `time` in ms). */
function readySeconds(log: string): string {
  const lines = log.split("\n").filter(Boolean).map((l) => {
    try {
      return JSON.parse(l) as { time: number; msg?: string };
    } catch {
      return undefined;
    }
  });
  const at = (re: RegExp) => lines.find((l) => l && re.test(l.msg ?? ""))?.time;
  const a = at(/^starting /);
  const b = at(/^cluster ready/);
  return a !== undefined && b !== undefined ? `${((b - a) / 1000).toFixed(1)} s` : "-";
}

const rows: string[][] = [["broker", "mode", "client", "ready", "verdict", "sends ok", "polls ok", "run directory"]];
for (const cell of values.cells.split(",")) {
  const tansu = cell.startsWith("tansu");
  const [version, mode = "zookeeper"] = cell.split(":");
  for (const client of values.clients.split(",")) {
    const broker = tansu ? ["--product", cell] : ["--kafka-version", version, "--mode", mode];
    // tansu: the safe preset's faults and acks; idempotence where tansu serves it (not kafkajs's
    // InitProducerId), else no client retries (a retried plain send may be written twice).
    const tansuProducer = client.startsWith("kafkajs") ? ["--retries", "0"] : ["--idempotent"];
    const faults = tansu ? ["--nemesis", "partition,kill,pause", "--acks", "all", ...tansuProducer] : ["--preset", "safe"];
    const name = `compat-${tansu ? cell.replace("@", "-") : `${version}-${mode}`}-${client.replace("@", "-")}`;
    const args = [...broker, ...faults, "--client", client, "--time-limit", values["time-limit"], "--seed", values.seed, "--name", name, "--store", store];
    const row = [tansu ? cell : `Kafka ${version}`, tansu ? "shared PostgreSQL" : mode, client];
    const { code, out } = await chaos(args);
    const dir = path.join(store, name);
    const run = fs.existsSync(dir) ? fs.readdirSync(dir).sort().at(-1) : undefined;
    const runDir = run ? path.join(dir, run) : undefined;
    const resultsFile = runDir && path.join(runDir, "results.json");
    if (runDir && resultsFile && fs.existsSync(resultsFile)) {
      const r = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
      const counts = r.stats?.counts ?? {};
      const verdict = r.valid === true ? "VALID" : r.valid === false ? `INVALID: ${(r["anomaly-types"] ?? []).join(", ")}` : "unknown";
      row.push(readySeconds(fs.readFileSync(path.join(runDir, "harness.log"), "utf8")), verdict, String(counts.send?.ok ?? 0), String(counts.poll?.ok ?? 0), runDir);
    } else {
      const last = out.trim().split("\n").filter((l) => /KC_|error/i.test(l)).at(-1) ?? `exit ${code}`;
      row.push(runDir ? readySeconds(fs.readFileSync(path.join(runDir, "harness.log"), "utf8")) : "-", `FAILED: ${last.slice(0, 160)}`, "-", "-", runDir ?? "-");
    }
    console.log(row.join("\t"));
    rows.push(row);
  }
}
console.log("\n" + rows.map((r) => `| ${r.join(" | ")} |`).join("\n"));
