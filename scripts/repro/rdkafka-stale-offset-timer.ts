// Reproducer of a stale offset-query timer in librdkafka's consumer (2.15.1 and 2.13.2): when a
// partition is assigned at a logical offset (BEGINNING or END) and assigned again before that
// offset's ListOffsets answer came back, the answer is outdated, and librdkafka arms a 500 ms "offset query
// timer" for it (rd_kafka_toppar_offset_retry, "outdated offset response"). Nothing stops that
// timer when the current answer arrives or when the application assigns the partition at an
// explicit offset, so half a second later the consumer looks the logical offset up again and
// moves there: back to the beginning (every record read again), or on to the end (records never
// delivered). Only public calls: assign() and consume().
//
//   node scripts/repro/rdkafka-stale-offset-timer.ts <library dir> <bootstrap> <topic> <end|beginning> [gap ms]
//
// With a gap (say 100 ms) between the assign() calls, every ListOffsets answer is current when
// it comes, and the same library reads 100..199: the control.
//
// The script creates the topic (one partition) and fills it with 200 records first (kafkajs). Then, back to back:
// assign(p0 @ END or BEGINNING), and assign(p0 @ 100). The application asked for offsets
// 100 on, so it should read 100..199 in order. It prints what it read, and exits 1 when the
// consumer moved on its own (skipped records after `end`, read below 100 after `beginning`).
import { createRequire } from "node:module";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";

const [libDir, bootstrap, topic, logical, gapArg] = process.argv.slice(2);
const gapMs = Number(gapArg ?? 0);
const gap = () => (gapMs > 0 ? new Promise((r) => setTimeout(r, gapMs)) : undefined);
if (!libDir || !bootstrap || !topic || !["end", "beginning"].includes(logical)) {
  console.error("usage: node scripts/repro/rdkafka-stale-offset-timer.ts <library dir> <bootstrap> <topic> <end|beginning> [gap ms]");
  process.exit(2);
}
const RECORDS = 200;
const FROM = 100;
interface Msg { offset: number }
interface Consumer {
  connect(o: object, cb: (err: unknown) => void): void;
  assign(tps: { topic: string; partition: number; offset: number }[]): void;
  consume(n: number, cb: (err: unknown, msgs: Msg[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  disconnect(cb: () => void): void;
  on(event: "event.log", cb: (l: { fac: string; message: string }) => void): void;
  committed(tps: { topic: string; partition: number }[], timeoutMs: number, cb: (err: unknown) => void): void;
  getMetadata(o: { topic: string; timeout: number }, cb: (err: unknown) => void): void;
}

const kafka = new Kafka({ brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
if (!(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }))) {
  console.error(`topic ${topic} exists already: give a new name (the script writes offsets 0-${RECORDS - 1} of its own)`);
  process.exit(2);
}
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
// In batches of 10, so that a fetch can return a few records at a time.
for (let b = 0; b < RECORDS; b += 10) await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: String(b + i) })) });
await producer.disconnect();

const rdkafka = createRequire(path.resolve(libDir, "package.json"))(".") as { KafkaConsumer: new (conf: object, topicConf: object) => Consumer };
// Small fetches, so that records are fetched as they are read rather than all at once.
const consumer = new rdkafka.KafkaConsumer(
  { "bootstrap.servers": bootstrap, "group.id": `repro-${process.pid}`, "enable.auto.commit": false, "max.partition.fetch.bytes": 200, "fetch.max.bytes": 1000, "message.max.bytes": 1000, "queued.min.messages": 1, "fetch.wait.max.ms": 10, "fetch.queue.backoff.ms": 10, ...(process.env.KC_RDKAFKA_DEBUG ? { debug: process.env.KC_RDKAFKA_DEBUG, event_cb: true } : {}) },
  {},
);
// KC_RDKAFKA_DEBUG=topic,fetch: librdkafka's debug lines on stderr (the timer shows in the OFFSET ones).
if (process.env.KC_RDKAFKA_DEBUG) consumer.on("event.log", (l: { fac: string; message: string }) => console.error(`${new Date().toISOString().slice(11, 23)} ${l.fac} ${l.message}`));
await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
consumer.setDefaultConsumeTimeout(0);
// First the group's coordinator and the topic's leader, so that the two assign() calls below are
// served at once (on a new cluster the coordinator takes a while, and assignments wait for it).
for (let tries = 0; ; tries++) {
  const err = await new Promise<unknown>((resolve) => consumer.committed([{ topic, partition: 0 }], 10_000, resolve));
  if (!err) break;
  if (tries === 30) throw err;
  await new Promise((r) => setTimeout(r, 500)); // NOT_COORDINATOR while __consumer_offsets comes up
}
await new Promise<void>((resolve, reject) => consumer.getMetadata({ topic, timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
const at = logical === "end" ? -1 : -2;
consumer.assign([{ topic, partition: 0, offset: at }]);
await gap();
consumer.assign([{ topic, partition: 0, offset: FROM }]);
// Read for up to 3 s, or until the 100 records asked for have come.
const read: number[] = [];
const until = Date.now() + 3000;
while (Date.now() < until && read.length < RECORDS - FROM) {
  const msgs = await new Promise<Msg[]>((resolve) => consumer.consume(10, (_e, m) => resolve(m ?? [])));
  for (const m of msgs) read.push(m.offset);
  if (!msgs.length) await new Promise((r) => setTimeout(r, 10));
}
await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));

const ranges: string[] = [];
for (let i = 0; i < read.length; ) {
  let j = i;
  while (j + 1 < read.length && read[j + 1] === read[j] + 1) j++;
  ranges.push(i === j ? `${read[i]}` : `${read[i]}-${read[j]}`);
  i = j + 1;
}
const expected = read.length > 0 && read.every((o, i) => o === FROM + i);
const skipped = read.length ? RECORDS - 1 - read[read.length - 1] : RECORDS - FROM;
console.log(`asked for offsets ${FROM}-${RECORDS - 1}; read ${read.length} record(s): ${ranges.join(", ") || "none"}`);
if (expected && read.length === RECORDS - FROM) process.exit(0);
if (read.some((o) => o < FROM)) console.log(`moved back below ${FROM} on its own: read again from offset ${Math.min(...read)}`);
else if (skipped > 0) console.log(`${skipped} record(s) after offset ${read[read.length - 1] ?? FROM - 1} were never delivered`);
process.exit(1);
