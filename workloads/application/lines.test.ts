// The line protocol of application containers, without a container: what a Recorder prints
// parses back to the same ops, bad lines are named, and instances' ops map to processes of their
// own, with what a dead instance had in flight closed as info.
import type { Producer, ProducerRecord, RecordMetadata } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { NewOp } from "../../core/history/writer.ts";
import { InstanceOps, lineSink, parseLine, recorderFromEnv } from "./lines.ts";
import { Recorder } from "./recorder.ts";

const producer = { send: async (r: ProducerRecord): Promise<RecordMetadata[]> => [{ topicName: r.topic, partition: r.messages[0].partition!, errorCode: 0, baseOffset: "41" }] } as unknown as Producer;

describe("line protocol", () => {
  it("a Recorder's ops printed by lineSink parse back unchanged, values from the given base", async () => {
    const lines: string[] = [];
    const rec = new Recorder(lineSink((l) => lines.push(l)), { partitions: { out: 2 }, firstValue: 5e12 + 1 });
    await rec.producer(producer).send({ topic: "out", messages: [{ partition: 1, value: "x" }] });
    expect(lines.map((l) => l.endsWith("\n") && parseLine(l.trimEnd()))).toEqual([
      { op: { process: 0, type: "invoke", f: "send", value: [["send", "out/1", 5e12 + 1]] } },
      { op: { process: 0, type: "ok", f: "send", value: [["send", "out/1", [41, 5e12 + 1]]] } },
    ]);
  });

  it("a log line is no op; a protocol line that is not an op says what is wrong", () => {
    expect(parseLine("enricher running")).toBeUndefined();
    expect(parseLine("@kc {oops")).toEqual({ problem: expect.stringContaining("not JSON") });
    expect(parseLine('@kc {"process":-1,"type":"ok","f":"send","value":[]}')).toEqual({ problem: "process must be an integer ≥ 0" });
    expect(parseLine('@kc {"process":0,"type":"done","f":"send","value":[]}')).toEqual({ problem: "type must be invoke, ok, fail or info" });
    expect(parseLine('@kc {"process":0,"type":"invoke","f":"send","value":[["send","out/0",[1,2]]]}')).toEqual({ problem: expect.stringContaining("a send micro-op is") });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"poll","value":[["poll",{"in/0":[[1]]}]]}')).toEqual({ problem: expect.stringContaining("a poll micro-op is") });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"subscribe","value":["in"]}')).toEqual({ problem: expect.stringContaining("lists keys") });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"commit","value":{"in/0":4}}')).toEqual({ op: { process: 0, type: "ok", f: "commit", value: { "in/0": 4 } } });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"commit","value":{"in/0":-1}}')).toEqual({ problem: expect.stringContaining("a commit value maps keys to the next offset") });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"commit","value":[["commit"]]}')).toEqual({ problem: expect.stringContaining("a commit value maps keys") });
    expect(parseLine('@kc {"process":0,"type":"ok","f":"txn","value":[]}')).toEqual({ problem: "f must be send, poll, subscribe, assign or commit" });
    // The harness stamps index and time; the application's are dropped.
    expect(parseLine('@kc {"process":0,"type":"invoke","f":"poll","value":[["poll"]],"index":9,"time":3}')).toEqual({ op: { process: 0, type: "invoke", f: "poll", value: [["poll"]] } });
  });

  it("recorderFromEnv says which variable is missing", () => {
    expect(() => recorderFromEnv({ KC_VALUE_BASE: "1" })).toThrow(/KC_PARTITIONS is not set/);
  });
});

describe("InstanceOps", () => {
  const setup = () => {
    const ops: NewOp[] = [];
    let next = 100;
    return { ops, io: new InstanceOps(() => next++, (op) => ops.push(op)) };
  };
  const line = (o: object) => `@kc ${JSON.stringify(o)}`;
  const invoke = { process: 0, type: "invoke", f: "send", value: [["send", "out/0", 7]], from: [["in/0", 3]] };

  it("maps each instance's processes to history processes of their own", () => {
    const { ops, io } = setup();
    io.line(1, line(invoke));
    io.line(1, line({ ...invoke, type: "ok", value: [["send", "out/0", [0, 7]]], from: undefined }));
    io.line(2, line({ ...invoke, value: [["send", "out/0", 8]] }));
    expect(ops.map((o) => [o.process, o.type])).toEqual([
      [100, "invoke"],
      [100, "ok"],
      [101, "invoke"],
    ]);
  });

  it("closes what an ended instance had in flight as info, with the invoke's value and source, and only that instance's", () => {
    const { ops, io } = setup();
    io.line(1, line(invoke));
    io.line(2, line({ ...invoke, process: 3, value: [["send", "out/0", 8]] }));
    expect(io.end(1, "application-killed")).toBe(1);
    expect(ops[2]).toEqual({ process: 100, type: "info", f: "send", value: [["send", "out/0", 7]], from: [["in/0", 3]], error: "application-killed" });
    expect(io.end(1, "application-killed")).toBe(0);
    expect(io.end(2, "application-exited")).toBe(1);
  });

  it("drops a send of a value sent before (it would read as a Kafka duplicate), naming KC_VALUE_BASE", () => {
    const { ops, io } = setup();
    io.line(1, line(invoke));
    io.line(1, line({ ...invoke, type: "ok", value: [["send", "out/0", [0, 7]]], from: undefined }));
    expect(io.line(2, line(invoke)).problem).toMatch(/value 7 was sent before.*KC_VALUE_BASE/);
    expect(io.line(2, line({ ...invoke, value: [["send", "out/0", 8], ["send", "out/1", 8]] })).problem).toMatch(/value 8 was sent before/);
    expect(ops).toHaveLength(2);
  });

  it("drops completions without an invoke and a second invoke in flight, saying why", () => {
    const { ops, io } = setup();
    expect(io.line(1, line({ ...invoke, type: "ok" })).problem).toMatch(/never invoked/);
    io.line(1, line(invoke));
    expect(io.line(1, line(invoke)).problem).toMatch(/while its send was in flight/);
    expect(io.line(1, line({ process: 0, type: "ok", f: "poll", value: [["poll", {}]] })).problem).toMatch(/in flight is a send/);
    expect(io.line(1, "just a log line")).toEqual({});
    expect(ops).toHaveLength(1);
  });
});
