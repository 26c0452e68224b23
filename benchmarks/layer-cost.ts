// What a layer under the nodes costs (kc-lazyfs, kc-clock): the same Docker cluster without and
// with it, alternating in one run: time to a ready cluster (brokers registered, topics with full
// ISR) and produce throughput through the proxies (acks=all, one producer, 5 s), with Kafka's
// default flush and with flush-every-message; then with / without as ratios of the medians.
import { parseArgs } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { KafkaCluster } from "../harness/cluster-builder.ts";

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

/** Runs the comparison from the command line's --rounds and --mode; `on` puts the builder's cluster on the layer. */
export async function compareLayer(layer: string, on: (b: KafkaCluster) => KafkaCluster): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, mode: { type: "string", default: "zookeeper" } }, strict: false });
  const rounds = Number(values.rounds);
  const mode = values.mode === "kraft" ? "kraft" : "zookeeper";
  const once = async (withLayer: boolean): Promise<Round> => {
    const t0 = Date.now();
    const builder = new KafkaCluster().withMode(mode);
    const cluster = await (withLayer ? on(builder) : builder).start();
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
  };
  const results: Record<string, Round[]> = { plain: [], [layer]: [] };
  for (let r = 0; r < rounds; r++) {
    for (const d of ["plain", layer]) {
      const x = await once(d === layer);
      results[d].push(x);
      console.log(`round ${r + 1} ${d}: ready ${(x.readyMs / 1000).toFixed(1)} s, ${x.msgsPerS.toFixed(0)} msgs/s, flush.messages=1 ${x.flush1MsgsPerS.toFixed(0)} msgs/s`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = (d: string, k: keyof Round) => median(results[d].map((x) => x[k]));
  console.log(`\n${mode}, ${rounds} rounds each, medians           plain ${layer.padStart(11)} ${`${layer}/plain`.padStart(14)}`);
  for (const [label, k, unit] of [["ready cluster", "readyMs", "s"], ["produce (acks=all)", "msgsPerS", "msgs/s"], ["produce (acks=all, flush.messages=1)", "flush1MsgsPerS", "msgs/s"]] as const) {
    const a = m("plain", k);
    const b = m(layer, k);
    const f = (v: number) => (unit === "s" ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ${unit}`);
    console.log(`${label.padEnd(38)} ${f(a).padStart(10)} ${f(b).padStart(11)} ${(b / a).toFixed(2).padStart(14)}`);
  }
}
