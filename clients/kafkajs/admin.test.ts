// Topic creation right after the brokers register: the controller may not count them yet, and
// answers INVALID_REPLICATION_FACTOR; the admin tries again instead of failing the run.
import { describe, expect, it } from "vitest";
import { Admin } from "./admin.ts";

function fakeAdmin(failures: (string | Error)[]) {
  const created: string[] = [];
  let calls = 0;
  const fake = {
    listTopics: async () => [...created],
    createTopics: async (o: { topics: { topic: string }[] }) => {
      calls++;
      const type = failures.shift();
      if (type instanceof Error) throw type;
      if (type) {
        // What kafkajs throws: an aggregate of per-topic protocol errors, each with its type.
        throw Object.assign(new Error("Topic creation errors"), { name: "KafkaJSAggregateError", errors: [{ type, topic: o.topics[0].topic }] });
      }
      created.push(...o.topics.map((t) => t.topic));
      return true;
    },
    fetchTopicMetadata: async () => ({ topics: created.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }] })) }),
  };
  const admin = new Admin(["127.0.0.1:1"]);
  (admin as unknown as { admin: typeof fake }).admin = fake;
  return { admin, calls: () => calls };
}

describe("Admin.createTopics", () => {
  it("tries again while the controller does not count the brokers yet", async () => {
    const { admin, calls } = fakeAdmin(["INVALID_REPLICATION_FACTOR", "INVALID_REPLICATION_FACTOR"]);
    await admin.createTopics([{ name: "t0", partitions: 1, replicationFactor: 3 }], 10_000);
    expect(calls()).toBe(3);
  });

  it("tries again when a broker that has just registered closes the connection (kafkajs says retriable)", async () => {
    const closed = Object.assign(new Error("Closed connection"), { name: "KafkaJSConnectionClosedError", retriable: true });
    const { admin, calls } = fakeAdmin([closed]);
    await admin.createTopics([{ name: "t0", partitions: 1, replicationFactor: 3 }], 10_000);
    expect(calls()).toBe(2);
  });

  it("fails at once on any other error", async () => {
    const { admin, calls } = fakeAdmin(["INVALID_CONFIG"]);
    await expect(admin.createTopics([{ name: "t0", partitions: 1, replicationFactor: 3 }], 10_000)).rejects.toThrow("Topic creation errors");
    expect(calls()).toBe(1);
    const fatal = Object.assign(new Error("Closed connection"), { name: "KafkaJSConnectionClosedError", retriable: false });
    const other = fakeAdmin([fatal]);
    await expect(other.admin.createTopics([{ name: "t0", partitions: 1, replicationFactor: 3 }], 10_000)).rejects.toThrow("Closed connection");
    expect(other.calls()).toBe(1);
  });
});
