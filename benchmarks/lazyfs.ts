// `npm run bench:lazyfs [-- --rounds N] [-- --mode zookeeper|kraft]`: what the power-loss layer
// costs. The same Docker cluster with every node's data dir on the container's filesystem and on
// kc-lazyfs, alternating in one run: time to a ready cluster (brokers registered, a topic with
// full ISR) and produce throughput through the proxies (acks=all, one producer, 5 s), with
// Kafka's default flush and with flush-every-message; then lazyfs / plain as ratios.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { KafkaCluster } from "../harness/cluster-builder.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, mode: { type: "string", default: "zookeeper" } } });
const rounds = Number(values.rounds);
const mode = values.mode === "kraft" ? "kraft" : "zookeeper";

interface Round { readyMs: number; msgsPerS: number; flush1MsgsPerS: number }

async function produce(bootstrap: string[], topic: string): Promise<number> {
  const producer = new Kafka({ brokers: bootstrap, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let n = 0;
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: String(i), value: "x".repeat(100) })) });
    n += 10;
  }
  await producer.disconnect();
  return n / 5;
}

async function once(lazyfs: boolean): Promise<Round> {
  const t0 = Date.now();
  const cluster = await new KafkaCluster().withMode(mode).withLazyfs(lazyfs).start();
  try {
    await cluster.createTopics([
      { name: "bench", partitions: 3, replicationFactor: 3 },
      { name: "bench-flush1", partitions: 3, replicationFactor: 3, config: { "flush.messages": "1" } },
    ]);
    const readyMs = Date.now() - t0;
    return { readyMs, msgsPerS: await produce(cluster.bootstrap, "bench"), flush1MsgsPerS: await produce(cluster.bootstrap, "bench-flush1") };
  } finally {
    await cluster.stop();
  }
}

const results: Record<string, Round[]> = { plain: [], lazyfs: [] };
for (let r = 0; r < rounds; r++) {
  for (const d of ["plain", "lazyfs"] as const) {
    const x = await once(d === "lazyfs");
    results[d].push(x);
    console.log(`round ${r + 1} ${d}: ready ${(x.readyMs / 1000).toFixed(1)} s, ${x.msgsPerS.toFixed(0)} msgs/s, flush.messages=1 ${x.flush1MsgsPerS.toFixed(0)} msgs/s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (d: string, k: keyof Round) => median(results[d].map((x) => x[k]));
console.log(`\n${mode}, ${rounds} rounds each, medians           plain      lazyfs   lazyfs/plain`);
for (const [label, k, unit] of [["ready cluster", "readyMs", "s"], ["produce (acks=all)", "msgsPerS", "msgs/s"], ["produce (acks=all, flush.messages=1)", "flush1MsgsPerS", "msgs/s"]] as const) {
  const a = m("plain", k);
  const b = m("lazyfs", k);
  const f = (v: number) => (unit === "s" ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ${unit}`);
  console.log(`${label.padEnd(38)} ${f(a).padStart(10)} ${f(b).padStart(11)} ${(b / a).toFixed(2).padStart(12)}`);
}
