// `npm run bench:cluster [-- --cold] [-- --rounds N]`: image build time (cold: our images
// removed and an empty jar/binary cache; cached: everything present) and the time from start
// to a ready cluster (brokers registered, a topic with full ISR) for each mode.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Cluster } from "../deployments/docker/cluster.ts";
import { defaultConfig } from "../harness/config.ts";
import { baseTag, ensureImages, kafkaTag, KAFKA_VERSIONS, toxiproxyTag } from "../deployments/docker/images.ts";
import { run } from "../core/proc.ts";

const { values } = parseArgs({ options: { cold: { type: "boolean" }, rounds: { type: "string", default: "2" } } });
const rounds = Number(values.rounds);
const rows: [string, string][] = [];
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function buildAll(): Promise<number> {
  const t = Date.now();
  for (const v of KAFKA_VERSIONS) await ensureImages({ kafkaVersion: v });
  return Date.now() - t;
}

if (values.cold) {
  await run("docker", ["rmi", baseTag(), toxiproxyTag(), ...KAFKA_VERSIONS.map(kafkaTag)]);
  process.env.KC_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "kc-cold-cache-"));
  rows.push(["images, cold (base + 2 Kafka versions + Toxiproxy)", secs(await buildAll())]);
  fs.rmSync(process.env.KC_CACHE, { recursive: true, force: true });
  delete process.env.KC_CACHE;
} else {
  await buildAll();
}
rows.push(["images, cached", secs(await buildAll())]);

const modes = [
  { label: "zookeeper 3.9.1 (3 zk + 3 brokers)", mode: "zookeeper" as const, kafkaVersion: "3.9.1", combined: false },
  { label: "kraft 3.9.1 (3 controllers + 3 brokers)", mode: "kraft" as const, kafkaVersion: "3.9.1", combined: false },
  { label: "kraft 4.1.1 (3 controllers + 3 brokers)", mode: "kraft" as const, kafkaVersion: "4.1.1", combined: false },
  { label: "kraft 4.1.1 (3 combined nodes)", mode: "kraft" as const, kafkaVersion: "4.1.1", combined: true },
];
for (const m of modes) {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-bench-"));
    const t = Date.now();
    const cluster = await Cluster.start({
      runId: `bench-${Date.now().toString(36)}`,
      runDir,
      images: await ensureImages({ kafkaVersion: m.kafkaVersion }),
      options: { ...defaultConfig().cluster, mode: m.mode, kafkaVersion: m.kafkaVersion, combined: m.combined },
    });
    try {
      await cluster.createTopics([{ name: "bench", partitions: 4, replicationFactor: 3 }]);
      times.push(Date.now() - t);
    } finally {
      await cluster.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  }
  rows.push([`ready cluster, ${m.label}`, times.map(secs).join(", ")]);
}

const w = Math.max(...rows.map((r) => r[0].length));
console.log(`\n${"what".padEnd(w)}  time (each round)`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
