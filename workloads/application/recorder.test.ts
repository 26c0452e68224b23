// The recording layer without a broker: fake kafkajs clients, real Recorder.
import type { Consumer, EachBatchPayload, EachMessagePayload, Producer, ProducerBatch, ProducerRecord, RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { Op } from "../../core/history/op.ts";
import type { NewOp } from "../../core/history/writer.ts";
import { validateApplication, type Application } from "./index.ts";
import { Recorder, recordValue } from "./recorder.ts";

function sink() {
  const ops: Op[] = [];
  return { ops, append: (o: NewOp) => (ops.push({ index: ops.length, time: ops.length, ...o } as Op), ops[ops.length - 1]), now: () => ops.length };
}

/** A producer that answers each send with base offset 7 per partition, or throws `error`. */
function fakeProducer(error?: Error) {
  const sent: ProducerRecord[] = [];
  const p = {
    send: async (r: ProducerRecord): Promise<RecordMetadata[]> => {
      sent.push(r);
      if (error) throw error;
      const partitions = [...new Set(r.messages.map((m) => m.partition!))];
      return partitions.map((partition) => ({ topicName: r.topic, partition, errorCode: 0, baseOffset: "7" }));
    },
    connect: async () => undefined,
  };
  return { p: p as unknown as Producer, sent };
}

describe("Recorder", () => {
  it("records a send with the partition it pins (default partitioner over the key), a kc-value header and the offsets", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 4 } });
    const { p, sent } = fakeProducer();
    await rec.producer(p).send({ topic: "out", messages: [{ key: "a", value: "x" }, { key: "a", value: "y" }, { partition: 3, value: "z" }] });
    const partition = sent[0].messages[0].partition!;
    expect(sent[0].messages[1].partition).toBe(partition);
    expect(sent[0].messages.map((m) => m.headers?.["kc-value"])).toEqual(["1", "2", "3"]);
    expect(h.ops.map((o) => [o.type, o.value])).toEqual([
      ["invoke", [["send", `out/${partition}`, 1], ["send", `out/${partition}`, 2], ["send", "out/3", 3]]],
      ["ok", [["send", `out/${partition}`, [7, 1]], ["send", `out/${partition}`, [8, 2]], ["send", "out/3", [7, 3]]]],
    ]);
    expect(h.ops[0].from).toBeUndefined();
  });

  it("sorts a failed send with the kafkajs error table and rethrows it", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const { p } = fakeProducer(Object.assign(new Error("Request Produce timed out"), { name: "KafkaJSRequestTimeoutError" }));
    await expect(rec.producer(p).send({ topic: "out", messages: [{ value: "x" }] })).rejects.toThrow(/timed out/);
    expect(h.ops[1]).toMatchObject({ type: "info", f: "send" });
  });

  it("refuses a topic the run did not create, with a code", async () => {
    const rec = new Recorder(sink(), { partitions: { out: 1 } });
    const wrapped = rec.producer(fakeProducer().p);
    await expect(wrapped.send({ topic: "elsewhere", messages: [{ value: "x" }] })).rejects.toMatchObject({ code: "KC_APP_UNKNOWN_TOPIC" });
  });

  it("records a sendBatch over two topics as one send op, offsets per topic and partition", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1, audit: 1 } });
    const p = {
      sendBatch: async (b: ProducerBatch): Promise<RecordMetadata[]> => b.topicMessages!.map((t, i) => ({ topicName: t.topic, partition: 0, errorCode: 0, baseOffset: String(10 * (i + 1)) })),
    } as unknown as Producer;
    await rec.producer(p).sendBatch({ topicMessages: [{ topic: "out", messages: [{ value: "a" }, { value: "b" }] }, { topic: "audit", messages: [{ value: "c" }] }] });
    expect(h.ops.map((o) => [o.type, o.value])).toEqual([
      ["invoke", [["send", "out/0", 1], ["send", "out/0", 2], ["send", "audit/0", 3]]],
      ["ok", [["send", "out/0", [10, 1]], ["send", "out/0", [11, 2]], ["send", "audit/0", [20, 3]]]],
    ]);
  });

  describe("transactions", () => {
    /** A transactional producer whose transactions answer sends with base offset 5, and whose commit or abort throws when told to. */
    function txnProducer(o: { commitError?: Error } = {}) {
      const calls: string[] = [];
      const p = {
        transaction: async () => ({
          send: async (r: ProducerRecord): Promise<RecordMetadata[]> => (calls.push("send"), [{ topicName: r.topic, partition: r.messages[0].partition!, errorCode: 0, baseOffset: "5" }]),
          sendOffsets: async () => void calls.push("sendOffsets"),
          commit: async () => {
            calls.push("commit");
            if (o.commitError) throw o.commitError;
          },
          abort: async () => void calls.push("abort"),
          isActive: () => true,
        }),
      } as unknown as Producer;
      return { p, calls };
    }

    it("a committed transaction: each send invoked when made, ok with its offsets at the commit, then the offsets it sent to the group as a commit op", async () => {
      const h = sink();
      const rec = new Recorder(h, { partitions: { out: 1 } });
      const { p, calls } = txnProducer();
      const txn = await rec.producer(p).transaction();
      await txn.send({ topic: "out", messages: [{ value: "a" }] });
      await txn.send({ topic: "out", messages: [{ value: "b" }] });
      await txn.sendOffsets({ consumerGroupId: "g", topics: [{ topic: "in", partitions: [{ partition: 2, offset: "8" }] }] });
      expect(h.ops.map((o) => [o.process, o.type])).toEqual([[1, "invoke"], [2, "invoke"]]);
      await txn.commit();
      expect(calls).toEqual(["send", "send", "sendOffsets", "commit"]);
      expect(h.ops.map((o) => [o.process, o.type, o.f, o.value])).toEqual([
        [1, "invoke", "send", [["send", "out/0", 1]]],
        [2, "invoke", "send", [["send", "out/0", 2]]],
        [1, "ok", "send", [["send", "out/0", [5, 1]]]],
        [2, "ok", "send", [["send", "out/0", [5, 2]]]],
        [0, "invoke", "commit", { "in/2": 8 }],
        [0, "ok", "commit", { "in/2": 8 }],
      ]);
      expect(txn.isActive()).toBe(true); // what is not recorded passes through
    });

    it("an aborted transaction is fail; a commit that throws is info and rethrows; each holds a process of its own while open", async () => {
      const h = sink();
      const rec = new Recorder(h, { partitions: { out: 1 } });
      const aborted = await rec.producer(txnProducer().p).transaction();
      const failing = rec.producer(txnProducer({ commitError: Object.assign(new Error("Request timed out"), { name: "KafkaJSRequestTimeoutError" }) }).p);
      const open = await failing.transaction();
      await aborted.send({ topic: "out", messages: [{ value: "a" }] });
      await open.send({ topic: "out", messages: [{ value: "b" }] });
      await aborted.abort();
      await expect(open.commit()).rejects.toThrow(/timed out/);
      // Processes: the two transactions hold 0 and 1, their sends 2 and 3.
      expect(h.ops.map((o) => [o.process, o.type, o.error])).toEqual([
        [2, "invoke", undefined],
        [3, "invoke", undefined],
        [2, "fail", "aborted"],
        [3, "info", expect.stringContaining("commit: ")],
      ]);
    });

    it("a crashed application's transaction completes nothing at its end: its sends stay in flight", async () => {
      const h = sink();
      const rec = new Recorder(h, { partitions: { out: 1 } });
      const txn = await rec.producer(txnProducer().p).transaction();
      await txn.send({ topic: "out", messages: [{ value: "a" }] });
      rec.crash();
      await expect(txn.commit()).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
      expect(h.ops.map((o) => o.type)).toEqual(["invoke"]);
    });
  });

  it("records each delivered message as a poll, and a send made while it is handled names it (awaited or not); concurrent sends are separate processes", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const { p } = fakeProducer();
    const producer = rec.producer(p);
    let deliver: ((payload: EachMessagePayload) => Promise<void>) | undefined;
    const fake = {
      events: { GROUP_JOIN: "consumer.group_join" },
      on: () => () => undefined,
      run: async (cfg: { eachMessage: (payload: EachMessagePayload) => Promise<void> }) => {
        deliver = cfg.eachMessage;
      },
    };
    const consumer = rec.consumer(fake as unknown as Consumer);
    const pending: Promise<unknown>[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        pending.push(producer.send({ topic: "out", messages: [{ value: `${message.value!.toString()}!` }] }));
        pending.push(producer.send({ topic: "out", messages: [{ value: "again" }] }));
      },
    });
    await deliver!({ topic: "in", partition: 2, message: { offset: "5", value: Buffer.from("x"), headers: { "kc-value": Buffer.from("41") } } } as unknown as EachMessagePayload);
    await Promise.all(pending);
    const poll = h.ops.find((o) => o.f === "poll" && o.type === "ok")!;
    expect(poll.value).toEqual([["poll", { "in/2": [[5, 41]] }]]);
    const sends = h.ops.filter((o) => o.f === "send" && o.type === "invoke");
    expect(sends.map((o) => o.from)).toEqual([[["in/2", 41]], [["in/2", 41]]]);
    expect(new Set(sends.map((o) => o.process)).size).toBe(2);
    expect(sends.every((o) => o.process !== poll.process)).toBe(true);
  });

  it("crash(): clients wrapped before it throw KC_APP_CRASHED and record nothing; later ones go on", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const old = rec.producer(fakeProducer().p);
    rec.crash();
    await expect(old.send({ topic: "out", messages: [{ value: "x" }] })).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
    expect(h.ops).toEqual([]);
    await rec.producer(fakeProducer().p).send({ topic: "out", messages: [{ value: "y" }] });
    expect(h.ops.filter((o) => o.type === "ok")).toHaveLength(1);
  });

  it("a message handler that finishes after a crash throws, so its offset is not resolved", async () => {
    const rec = new Recorder(sink(), { partitions: {} });
    let deliver: ((payload: EachMessagePayload) => Promise<void>) | undefined;
    const fake = { events: { GROUP_JOIN: "j" }, on: () => undefined, run: async (cfg: { eachMessage: (p: EachMessagePayload) => Promise<void> }) => void (deliver = cfg.eachMessage) };
    await rec.consumer(fake as unknown as Consumer).run({ eachMessage: async () => rec.crash() });
    await expect(deliver!({ topic: "in", partition: 0, message: { offset: "0", value: Buffer.from("1") } } as unknown as EachMessagePayload)).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
    await expect(deliver!({ topic: "in", partition: 0, message: { offset: "1", value: Buffer.from("2") } } as unknown as EachMessagePayload)).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
  });

  it("gives every record sent a fresh kc-value, replacing one forwarded from the input (a reprocessed input's outputs stay two values)", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const { p, sent } = fakeProducer();
    const forwarded = { "kc-value": "41", trace: "t-1" };
    await rec.producer(p).send({ topic: "out", messages: [{ value: "x", headers: forwarded }] });
    await rec.producer(p).send({ topic: "out", messages: [{ value: "x", headers: forwarded }] });
    expect(sent.map((r) => r.messages[0].headers)).toEqual([
      { "kc-value": "1", trace: "t-1" },
      { "kc-value": "2", trace: "t-1" },
    ]);
  });

  /** A consumer whose run() keeps the handlers, and whose events can be fired by the test. */
  function fakeConsumer() {
    const listeners = new Map<string, (e: unknown) => void>();
    const state: { eachBatch?: (p: EachBatchPayload) => Promise<void>; resolved: string[] } = { resolved: [] };
    const c = {
      events: { GROUP_JOIN: "consumer.group_join", COMMIT_OFFSETS: "consumer.commit_offsets" },
      on: (event: string, fn: (e: unknown) => void) => void listeners.set(event, fn),
      run: async (cfg: { eachBatch?: (p: EachBatchPayload) => Promise<void> }) => void (state.eachBatch = cfg.eachBatch),
    };
    const batch = (partition: number, values: number[]) =>
      ({
        batch: { topic: "in", partition, highWatermark: "99", messages: values.map((v, i) => ({ offset: String(10 + i), value: Buffer.from(`order-${v}`), headers: { "kc-value": Buffer.from(String(v)) } })), isEmpty: () => false },
        resolveOffset: (o: string) => void state.resolved.push(o),
        heartbeat: async () => undefined,
      }) as unknown as EachBatchPayload;
    return { c: c as unknown as Consumer, state, batch, fire: (event: string, payload: unknown) => listeners.get(event)!({ payload }) };
  }

  it("eachBatch: the batch is one poll; each send names the message last taken from the batch where it was made, in a loop or a callback per message", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const producer = rec.producer(fakeProducer().p);
    const { c, state, batch } = fakeConsumer();
    await rec.consumer(c).run({
      eachBatch: async ({ batch: b, resolveOffset }) => {
        for (const m of b.messages) {
          await new Promise((r) => setTimeout(r, 1));
          await producer.send({ topic: "out", messages: [{ value: `${m.value!.toString()}!` }] });
          resolveOffset(m.offset);
        }
        // A callback per message, run concurrently: each keeps its own.
        await Promise.all(b.messages.map(async (m) => {
          await new Promise((r) => setTimeout(r, 5 - Number(m.offset) % 3));
          await producer.send({ topic: "out", messages: [{ value: "again" }] });
        }));
      },
    });
    await state.eachBatch!(batch(1, [41, 42, 43]));
    expect(h.ops.filter((o) => o.f === "poll").map((o) => o.value)).toEqual([[["poll"]], [["poll", { "in/1": [[10, 41], [11, 42], [12, 43]] }]]]);
    const froms = h.ops.filter((o) => o.f === "send" && o.type === "invoke").map((o) => (o.from as [string, number][])[0][1]);
    expect(froms.slice(0, 3)).toEqual([41, 42, 43]);
    expect(froms.slice(3).sort()).toEqual([41, 42, 43]);
    expect(state.resolved).toEqual(["10", "11", "12"]);
    // Outside the handler nothing is a source.
    await producer.send({ topic: "out", messages: [{ value: "later" }] });
    expect(h.ops.at(-2)!.from).toBeUndefined();
  });

  it("an output that forwards its input's kc-value names that input, even when sent together with others' outputs", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: { out: 1 } });
    const producer = rec.producer(fakeProducer().p);
    const { c, state, batch } = fakeConsumer();
    await rec.consumer(c).run({
      eachBatch: async ({ batch: b }) => {
        const outs = b.messages.map((m) => ({ value: "x", headers: m.headers }));
        await producer.send({ topic: "out", messages: [...outs, { value: "summary" }] });
      },
    });
    await state.eachBatch!(batch(0, [7, 8]));
    const send = h.ops.find((o) => o.f === "send" && o.type === "invoke")!;
    // The summary names the message last taken (8); the forwarded ones name their own.
    expect(send.from).toEqual([["in/0", 7], ["in/0", 8], ["in/0", 8]]);
  });

  it("records each commit the coordinator acknowledged as a commit op of the consumer's process: the next offset per key", async () => {
    const h = sink();
    const rec = new Recorder(h, { partitions: {} });
    const { c, fire } = fakeConsumer();
    rec.consumer(c);
    fire("consumer.commit_offsets", { groupId: "g", topics: [{ topic: "in", partitions: [{ partition: 0, offset: "12" }, { partition: 2, offset: "3" }] }] });
    fire("consumer.commit_offsets", { groupId: "g", topics: [] });
    expect(h.ops.map((o) => [o.type, o.f, o.value])).toEqual([
      ["invoke", "commit", { "in/0": 12, "in/2": 3 }],
      ["ok", "commit", { "in/0": 12, "in/2": 3 }],
    ]);
  });

  it("eachBatch after a crash: the handler's resolveOffset throws, and a handler finishing late throws, so nothing is resolved", async () => {
    const rec = new Recorder(sink(), { partitions: {} });
    const { c, state, batch } = fakeConsumer();
    await rec.consumer(c).run({
      eachBatch: async ({ batch: b, resolveOffset }) => {
        rec.crash();
        resolveOffset(b.messages[0].offset);
      },
    });
    await expect(state.eachBatch!(batch(0, [1]))).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
    expect(state.resolved).toEqual([]);
    await expect(state.eachBatch!(batch(0, [2]))).rejects.toMatchObject({ code: "KC_APP_CRASHED" });
  });

  it("recordValue: the kc-value header, else an integer payload, else nothing", () => {
    expect(recordValue({ headers: { "kc-value": Buffer.from("12") }, value: Buffer.from("{}") })).toBe(12);
    expect(recordValue({ value: Buffer.from("7") })).toBe(7);
    expect(recordValue({ value: Buffer.from("{\"a\":1}") })).toBeUndefined();
    expect(recordValue({ value: null })).toBeUndefined();
  });
});

describe("validateApplication", () => {
  const ok: Application = { input: "in", output: "out", groupId: "g", start: async () => async () => undefined };
  it("accepts a complete description", () => expect(() => validateApplication(ok)).not.toThrow());
  it.each([
    [{ input: "a b" }, /application.input is "a b"/],
    [{ output: "in" }, /both in/],
    [{ groupId: "" }, /groupId is missing/],
    [{ start: undefined }, /neither start nor container/],
    [{ start: 3 }, /start is not a function/],
    [{ container: { image: "app:1" } }, /both start and container/],
    [{ start: undefined, container: { image: "" } }, /container.image is ""/],
    [{ start: undefined, container: { image: "app:1", env: { A: 1 } } }, /env is not a map of strings/],
    [{ start: undefined, container: { image: "app:1", command: "node app.js" } }, /command is not a list of strings/],
    [{ start: undefined, container: { image: "app:1", killEverySeconds: 1 } }, /killEverySeconds is 1/],
    [{ delivery: "twice" }, /delivery is "twice"/],
    [{ rate: 0 }, /rate is 0/],
    [{ drainSeconds: -1 }, /drainSeconds is -1/],
  ])("refuses %j with KC_BAD_APPLICATION", (bad, message) => {
    expect(() => validateApplication({ ...ok, ...bad } as unknown as Application)).toThrow(expect.objectContaining({ code: "KC_BAD_APPLICATION", message: expect.stringMatching(message) }));
  });
});
