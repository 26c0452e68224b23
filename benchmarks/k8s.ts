// `npm run bench:k8s [-- --rounds N] [-- --mode zookeeper|kraft]`: the same cluster on local
// Docker and on the local Kubernetes (npm run k8s:up), side by side and alternating in one run:
// time to a ready cluster (brokers registered, a topic with full ISR), produce throughput through
// the proxies (acks=all, one producer, 5 s), and teardown; then Kubernetes / Docker as ratios.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { KafkaCluster } from "../harness/cluster-builder.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, mode: { type: "string", default: "zookeeper" } } });
const rounds = Number(values.rounds);
const mode = values.mode === "kraft" ? "kraft" : "zookeeper";

interface Round { readyMs: number; msgsPerS: number; stopMs: number }

async function once(deployment: "docker" | "kubernetes"): Promise<Round> {
  const b = new KafkaCluster().withMode(mode);
  if (deployment === "kubernetes") b.withKubernetes({});
  const t0 = Date.now();
  const cluster = await b.start();
  let readyMs: number;
  let msgsPerS: number;
  let stopMs: number;
  try {
    await cluster.createTopics([{ name: "bench", partitions: 3, replicationFactor: 3 }]);
    readyMs = Date.now() - t0;
    const producer = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let n = 0;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      await producer.send({ topic: "bench", acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: String(i), value: "x".repeat(100) })) });
      n += 10;
    }
    msgsPerS = n / 5;
    await producer.disconnect();
  } finally {
    const t1 = Date.now();
    await cluster.stop();
    stopMs = Date.now() - t1;
  }
  return { readyMs, msgsPerS, stopMs };
}

const results: Record<string, Round[]> = { docker: [], kubernetes: [] };
for (let r = 0; r < rounds; r++) {
  for (const d of ["docker", "kubernetes"] as const) {
    const x = await once(d);
    results[d].push(x);
    console.log(`round ${r + 1} ${d}: ready ${(x.readyMs / 1000).toFixed(1)} s, ${x.msgsPerS.toFixed(0)} msgs/s, teardown ${(x.stopMs / 1000).toFixed(1)} s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (d: string, k: keyof Round) => median(results[d].map((x) => x[k]));
console.log(`\n${mode}, ${rounds} rounds each, medians     docker   kubernetes   kubernetes/docker`);
for (const [label, k, unit] of [["ready cluster", "readyMs", "s"], ["produce (acks=all)", "msgsPerS", "msgs/s"], ["teardown", "stopMs", "s"]] as const) {
  const a = m("docker", k);
  const b = m("kubernetes", k);
  const f = (v: number) => (unit === "s" ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ${unit}`);
  console.log(`${label.padEnd(36)} ${f(a).padStart(10)} ${f(b).padStart(12)} ${(b / a).toFixed(2).padStart(12)}`);
}
