// The recording layer over confluent's KafkaJS-compatible clients, without a broker: classes
// shaped as that package's (state in private fields, no consumer events, a librdkafka client that
// emits rebalance and offset.commit), wrapped by a real Recorder.
import { EventEmitter } from "node:events";
import type { Consumer, EachMessagePayload, Producer, ProducerRecord, RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { Op } from "../../core/history/op.ts";
import type { NewOp } from "../../core/history/writer.ts";
import { flavourOf, overlay } from "./flavours.ts";
import { Recorder } from "./recorder.ts";

function sink() {
  const ops: Op[] = [];
  return { ops, append: (o: NewOp) => (ops.push({ index: ops.length, time: ops.length, ...o } as Op), ops[ops.length - 1]), now: () => ops.length };
}

class FakeConfluentProducer {
  #connected = true;
  readonly sent: ProducerRecord[] = [];
  #error: { code: number; message: string } | undefined;
  constructor(error?: { code: number; message: string }) {
    this.#error = error;
  }
  _getInternalClient() {
    return {};
  }
  async send(r: ProducerRecord): Promise<RecordMetadata[]> {
    if (!this.#connected) throw new Error("not connected");
    this.sent.push(r);
    if (this.#error) throw Object.assign(new Error(this.#error.message), this.#error);
    return [{ topicName: r.topic, partition: r.messages[0].partition!, errorCode: 0, baseOffset: "3" }];
  }
  async disconnect() {
    this.#connected = false;
  }
}

class FakeConfluentConsumer {
  readonly #rd = new EventEmitter();
  #handler: ((p: EachMessagePayload) => Promise<void>) | undefined;
  _getInternalClient() {
    return this.#rd;
  }
  on(): never {
    throw new Error("KafkaJSNotImplemented");
  }
  async run(cfg: { eachMessage: (p: EachMessagePayload) => Promise<void> }) {
    this.#handler = cfg.eachMessage;
  }
  deliver(p: EachMessagePayload) {
    return this.#handler!(p);
  }
  emit(event: string, ...args: unknown[]) {
    this.#rd.emit(event, ...args);
  }
}

describe("client flavours", () => {
  it("tells confluent's clients from kafkajs' by their librdkafka client", () => {
    expect(flavourOf(new FakeConfluentProducer()).name).toBe("confluent");
    expect(flavourOf({ send: async () => [] }).name).toBe("kafkajs");
  });

  it("overlay: replaced properties, and the rest bound to the target, so methods that read private fields work", async () => {
    const p = new FakeConfluentProducer();
    const o = overlay(p, { extra: 1 }) as FakeConfluentProducer & { extra: number };
    expect(o.extra).toBe(1);
    await o.disconnect();
    await expect(o.send({ topic: "t", messages: [{ partition: 0, value: "x" }] })).rejects.toThrow("not connected");
  });

  it("records a confluent producer's sends, and sorts its errors with the librdkafka table", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 2 } });
    await rec.producer(new FakeConfluentProducer() as unknown as Producer).send({ topic: "out", messages: [{ partition: 1, value: "a" }] });
    expect(h.ops.map((o) => [o.type, o.value])).toEqual([
      ["invoke", [["send", "out/1", 1]]],
      ["ok", [["send", "out/1", [3, 1]]]],
    ]);
    // ERR_MSG_SIZE_TOO_LARGE (10) proves nothing was written; ERR_REQUEST_TIMED_OUT (7) does not.
    await expect(rec.producer(new FakeConfluentProducer({ code: 10, message: "too large" }) as unknown as Producer).send({ topic: "out", messages: [{ partition: 0, value: "b" }] })).rejects.toThrow();
    await expect(rec.producer(new FakeConfluentProducer({ code: 7, message: "timed out" }) as unknown as Producer).send({ topic: "out", messages: [{ partition: 0, value: "c" }] })).rejects.toThrow();
    expect(h.ops.slice(2).filter((o) => o.type !== "invoke").map((o) => [o.type, o.error])).toEqual([
      ["fail", "ERR_MSG_SIZE_TOO_LARGE: too large"],
      ["info", "ERR_REQUEST_TIMED_OUT: timed out"],
    ]);
  });

  it("records a confluent consumer's assignments and acknowledged commits from its librdkafka client once it runs, and its messages as polls", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: {} });
    const fake = new FakeConfluentConsumer();
    const consumer = rec.consumer(fake as unknown as Consumer);
    await consumer.run({ eachMessage: async () => undefined });
    fake.emit("rebalance", { code: -175 }, [{ topic: "in", partition: 0 }, { topic: "in", partition: 2 }]);
    fake.emit("rebalance", { code: -174 }, [{ topic: "in", partition: 0 }]); // a revocation: not a join
    fake.emit("offset.commit", null, [{ topic: "in", partition: 0, offset: 7 }, { topic: "in", partition: 2, offset: -1001 }]);
    fake.emit("offset.commit", { code: 25 }, [{ topic: "in", partition: 0, offset: 9 }]); // failed: nothing committed
    await fake.deliver({ topic: "in", partition: 0, message: { offset: "7", value: Buffer.from("x"), headers: { "kc-value": Buffer.from("55") } } } as unknown as EachMessagePayload);
    expect(h.ops.map((o) => [o.type, o.f, o.value])).toEqual([
      ["invoke", "subscribe", ["in/0", "in/2"]],
      ["ok", "subscribe", ["in/0", "in/2"]],
      ["invoke", "commit", { "in/0": 7 }],
      ["ok", "commit", { "in/0": 7 }],
      ["invoke", "poll", [["poll"]]],
      ["ok", "poll", [["poll", { "in/0": [[7, 55]] }]]],
    ]);
  });
});
