// Reproducer of librdkafka's duplicate FETCH_STOP (confluentinc/librdkafka#5573, fixed upstream by
// #5574): a consumer whose assignment drops a started partition, takes it back and drops it again
// before the first stop is answered asks the partition's fetcher to stop twice, and the second
// answer aborts the process (rdkafka_assignment.c: `rd_kafka_assignment_partition_stopped:
// Assertion rktp->rktp_started failed`). Nothing but plain assign() calls of the public API.
//
//   node scripts/repro/rdkafka-double-stop.ts <library dir> <bootstrap> <topic> [rounds] [gap ms]
//
// With a gap (say 20 ms) between the assign() calls, each stop is answered before the next call
// and the same library survives every round: the control.
//
// The library dir is a @confluentinc/kafka-javascript package (e.g. node_modules/@confluentinc/
// kafka-javascript). It prints `survived N rounds` and exits 0 when the library held; a library
// with the bug dies of SIGABRT with the assertion on stderr. test/integration/librdkafka-bugs.test.ts
// runs it against a real cluster.
import { createRequire } from "node:module";
import path from "node:path";

const [libDir, bootstrap, topic, roundsArg] = process.argv.slice(2);
if (!libDir || !bootstrap || !topic) {
  console.error("usage: node scripts/repro/rdkafka-double-stop.ts <library dir> <bootstrap> <topic> [rounds] [gap ms]");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 2000);
const gapMs = Number(process.argv[6] ?? 0);
const gap = () => (gapMs > 0 ? new Promise((r) => setTimeout(r, gapMs)) : undefined);
interface TP { topic: string; partition: number; offset?: number }
interface Consumer {
  connect(o: object, cb: (err: unknown) => void): void;
  assign(tps: TP[]): void;
  consume(n: number, cb: (err: unknown, msgs: unknown[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  disconnect(cb: () => void): void;
}
const rdkafka = createRequire(path.resolve(libDir, "package.json"))(".") as { KafkaConsumer: new (conf: object, topicConf: object) => Consumer };
const consumer = new rdkafka.KafkaConsumer({ "bootstrap.servers": bootstrap, "group.id": `repro-${process.pid}`, "enable.auto.commit": false }, {});
await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
consumer.setDefaultConsumeTimeout(0);
const p0: TP = { topic, partition: 0, offset: -2 };
const p1: TP = { topic, partition: 1, offset: -2 };
const consume = () => new Promise<number>((resolve) => consumer.consume(100, (_e, msgs) => resolve(msgs?.length ?? 0)));
for (let i = 0; i < rounds; i++) {
  consumer.assign([p0, p1]);
  // Let the fetchers start (a consume call serves the queue), then drop p0, take it back and drop it again.
  await consume();
  await new Promise((r) => setTimeout(r, 1));
  consumer.assign([p1]);
  await gap();
  consumer.assign([p0, p1]);
  await gap();
  consumer.assign([p1]);
  await consume();
}
console.log(`survived ${rounds} rounds`);
await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
