// `npm run bench:versions [-- --versions 2.8.2:zookeeper,3.6.2:kraft,...]`: for each Kafka release
// and mode (default: the newest patch of every line, in every mode it offers), the image build
// (jars from Maven Central + docker build; 0 when cached), the time to a ready cluster (3 brokers
// registered, a topic with full ISR), and a check that the cluster works: a produced record is
// read back, and the nemesis's controller lookup answers. Prints one row per run; a failure is a
// row too, with its error, so one broken line does not hide the others.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { ensureImages, imageExists, kafkaTag } from "../deployments/docker/images.ts";
import { KafkaCluster } from "../harness/cluster-builder.ts";
import { KAFKA_LINES, type KafkaMode } from "../products/kafka/versions.ts";

const { values } = parseArgs({ options: { versions: { type: "string" } } });
const targets: { version: string; mode: KafkaMode }[] = values.versions
  ? values.versions.split(",").map((s) => {
      const [version, mode = "zookeeper"] = s.split(":");
      return { version, mode: mode as KafkaMode };
    })
  : KAFKA_LINES.flatMap((l) => l.modes.map((mode) => ({ version: l.latest, mode })));

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rows: string[][] = [["version", "mode", "image build", "ready", "produce+read", "controller", "result"]];
for (const t of targets) {
  const row = [t.version, t.mode];
  try {
    const cached = await imageExists(kafkaTag(t.version));
    const b0 = Date.now();
    await ensureImages({ kafkaVersion: t.version });
    row.push(cached ? "cached" : secs(Date.now() - b0));
    const r0 = Date.now();
    await using cluster = await new KafkaCluster().withKafkaVersion(t.version).withMode(t.mode).start();
    await cluster.createTopics([{ name: "probe", partitions: 1, replicationFactor: 3 }]);
    row.push(secs(Date.now() - r0));
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const p = kafka.producer({ idempotent: true });
    await p.connect();
    await p.send({ topic: "probe", acks: -1, messages: [{ value: "v1" }] });
    await p.disconnect();
    const c = kafka.consumer({ groupId: "probe" });
    await c.connect();
    await c.subscribe({ topic: "probe", fromBeginning: true });
    const got = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("nothing read in 60 s")), 60_000);
      void c.run({ eachMessage: async ({ message }) => (clearTimeout(timer), resolve(String(message.value))) });
    });
    await c.disconnect();
    row.push(got === "v1" ? "ok" : `read ${got}`);
    row.push((await cluster.controller()) ?? "none found");
    row.push("works");
  } catch (err) {
    while (row.length < 6) row.push("-");
    row.push(`FAILED: ${(err as Error).message.split("\n")[0].slice(0, 160)}`);
  }
  console.log(row.join("\t"));
  rows.push(row);
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
console.log("\n" + rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join("  ")).join("\n"));
process.exit(0);
