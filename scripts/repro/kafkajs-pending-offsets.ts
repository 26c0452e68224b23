// Reproducer of kafkajs 2.2.4's double consume across a rebalance
// (docs/findings/2026-12-05-kafkajs-double-consume-across-rebalance), step by step, with public
// calls only: a consumer in a group reads offsets 0-9 of a one-partition topic; a transaction
// commits its position (10) to the group with sendOffsets; a second member joins, so the group
// rebalances and whichever member is given the partition fetches the group's committed offset.
//
//   node scripts/repro/kafkajs-pending-offsets.ts <bootstrap> <topic> <pending|committed> [kafkajs|confluent]
//
// pending:   the second member joins while the transaction with the offsets is still open; it
//            is committed once the group has rebalanced. A consumer that honours the pending
//            commit (KIP-447: OffsetFetch with require_stable, retried while the broker answers
//            UNSTABLE_OFFSET_COMMIT) resumes at 10. kafkajs asks without it, gets the position
//            from before the transaction (none: the beginning), and reads 0-9 again.
// committed: the control. The transaction is committed before the second member joins; the
//            group resumes at 10.
//
// `confluent` runs the same steps with @confluentinc/kafka-javascript (librdkafka, which sends
// require_stable): the control on the client side.
//
// Then 10-14 are written. The script prints the offsets the group read after the rebalance, and
// exits 1 when it read any below 10 again (consumed twice), 0 otherwise.
import { createRequire } from "node:module";
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, order, client = "kafkajs"] = process.argv.slice(2);
if (!bootstrap || !topic || !["pending", "committed"].includes(order) || !["kafkajs", "confluent"].includes(client)) {
  console.error("usage: node scripts/repro/kafkajs-pending-offsets.ts <bootstrap> <topic> <pending|committed> [kafkajs|confluent]");
  process.exit(2);
}
const FIRST = 10;
const read: number[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (read ${read.join(",")})`);
    await sleep(50);
  }
}

const kafka = new Kafka({ brokers: bootstrap.split(","), clientId: "repro", logLevel: Number(process.env.KC_REPRO_LOG ?? logLevel.NOTHING) });
const admin = kafka.admin();
await admin.connect();
if (!(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }))) {
  console.error(`topic ${topic} exists already: give a new name (the script writes offsets of its own)`);
  process.exit(2);
}
await admin.disconnect();
const writer = kafka.producer();
await writer.connect();
const write = (from: number, to: number) => writer.send({ topic, acks: -1, messages: Array.from({ length: to - from }, (_, i) => ({ partition: 0, value: String(from + i) })) });
await write(0, FIRST);

const groupId = `${topic}-group`;
const timing = { sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 };
const onMessage = async ({ message }: { message: { offset: string } }) => void read.push(Number(message.offset));
const offsets = [{ topic, partitions: [{ partition: 0, offset: String(FIRST) }] }];

/** A member of the group that reads into `read`, and counts its joins. */
interface Member {
  joins: number;
  disconnect(): Promise<void>;
}
/** The consumer group and the transaction, in one client library. */
interface Library {
  member(): Promise<Member>;
  /** Opens a transaction that commits position FIRST to the group for `member`. */
  pendingOffsets(member: Member): Promise<{ commit(): Promise<void>; close(): Promise<void> }>;
}

const kafkajs = (): Library => ({
  async member() {
    const c = kafka.consumer({ groupId, readUncommitted: false, ...timing });
    const m = { joins: 0, disconnect: () => c.disconnect() };
    c.on(c.events.GROUP_JOIN, () => void m.joins++);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ autoCommit: false, eachMessage: onMessage });
    return m;
  },
  async pendingOffsets() {
    const producer = kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.sendOffsets({ consumerGroupId: groupId, topics: offsets });
    return { commit: () => txn.commit(), close: () => producer.disconnect() };
  },
});

/** @confluentinc/kafka-javascript's KafkaJS-like API (librdkafka: KIP-447). */
function confluent(): Library {
  type Any = any;
  const { KafkaJS } = createRequire(import.meta.url)("@confluentinc/kafka-javascript") as Any;
  const ck = new KafkaJS.Kafka({ kafkaJS: { brokers: bootstrap.split(","), logLevel: KafkaJS.logLevel.NOTHING } });
  const consumers = new Map<Member, Any>();
  return {
    async member() {
      const m: Member = { joins: 0, disconnect: () => c.disconnect() };
      const c = ck.consumer({
        kafkaJS: { groupId, fromBeginning: true, autoCommit: false, ...timing },
        "isolation.level": "read_committed",
        rebalance_cb: (err: { code: number }) => void (err.code === -175 /* ERR__ASSIGN_PARTITIONS */ ? m.joins++ : 0),
      });
      consumers.set(m, c);
      await c.connect();
      await c.subscribe({ topics: [topic] });
      await c.run({ eachMessage: onMessage });
      return m;
    },
    async pendingOffsets(member) {
      const producer = ck.producer({ kafkaJS: { transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 } });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.sendOffsets({ consumer: consumers.get(member), topics: offsets });
      return { commit: () => txn.commit(), close: () => producer.disconnect() };
    },
  };
}

const lib = client === "confluent" ? confluent() : kafkajs();
const first = await lib.member();
await until(`the first member to read offsets 0-${FIRST - 1}`, () => read.length >= FIRST);

// The transaction that consumed 0-9 commits position 10 to the group.
const txn = await lib.pendingOffsets(first);
if (order === "committed") {
  await txn.commit();
  await sleep(1000); // the markers are written
}

const before = read.length;
// The same topic (kafkajs' assigners hand every topic of the group to any member anyway).
const second = await lib.member();
await until("the group to rebalance", () => first.joins >= 2 && second.joins >= 1);
await sleep(1000); // the new owner's fetch of the committed offset is done
if (order === "pending") await txn.commit();
await write(FIRST, FIRST + 5);
await until(`the group to read offset ${FIRST + 4}`, () => read.slice(before).includes(FIRST + 4));
await sleep(500);

const again = read.slice(before);
await Promise.all([first.disconnect(), second.disconnect(), txn.close(), writer.disconnect()]);
const span = (xs: number[]) => (xs.length ? `${Math.min(...xs)}-${Math.max(...xs)}` : "none");
console.log(`the group's committed position: ${FIRST} (${order === "pending" ? "open during the rebalance, committed after" : "committed before the rebalance"})`);
console.log(`after the rebalance the group read offsets ${again.join(",")}`);
const twice = again.filter((o) => o < FIRST);
if (twice.length) {
  console.log(`read ${twice.length} offset(s) again (${span(twice)}): consumed twice`);
  process.exit(1);
}
console.log(`resumed at ${Math.min(...again)}: nothing consumed twice`);
