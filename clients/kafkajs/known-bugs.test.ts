// Client bugs the harness found, pinned down without a cluster so that a kafkajs upgrade that
// fixes one shows up here (then move it out of workloads/README.md, "Known client bugs").
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
type Msg = { offset: string; key: Buffer | null; batchContext: { producerId: string; inTransaction: boolean } };
const filterAbortedMessages = require("kafkajs/src/consumer/filterAbortedMessages.js") as (o: {
  messages: Msg[];
  abortedTransactions: { firstOffset: string; producerId: string }[];
}) => Msg[];

const record = (offset: number, producerId: string): Msg => ({ offset: String(offset), key: Buffer.from("k"), batchContext: { producerId, inTransaction: true } });

describe("kafkajs 2.2.4 read_committed filtering", () => {
  it("returns a record of an aborted transaction when two aborted transactions start at or before the fetch offset", () => {
    // Seen in a fault-free txn run: producers 1 and 2 both aborted, at offsets 540 and 541; a
    // consumer fetching from 541 got producer 2's aborted record. kafkajs activates at most one
    // aborted transaction per record (`if`, where Java's Fetcher loops with `while`).
    const out = filterAbortedMessages({
      messages: [record(541, "2")],
      abortedTransactions: [
        { firstOffset: "540", producerId: "1" },
        { firstOffset: "541", producerId: "2" },
      ],
    });
    expect(out.map((m) => m.offset)).toEqual(["541"]); // correct behaviour would be []
  });

  it("returns a record of an aborted transaction when the broker lists aborted transactions out of firstOffset order", () => {
    // Also seen in a fault-free txn run: producer 0's transaction began at 276, producer 2's at
    // 278, and producer 2 aborted first. The broker lists aborted transactions in the order of
    // their abort markers; kafkajs only ever looks at the head of the list, so 276 passed.
    const out = filterAbortedMessages({
      messages: [record(276, "0"), record(278, "2")],
      abortedTransactions: [
        { firstOffset: "278", producerId: "2" },
        { firstOffset: "276", producerId: "0" },
      ],
    });
    expect(out.map((m) => m.offset)).toEqual(["276"]); // correct behaviour would be []
  });

  it("filters correctly when aborted transactions start one per record", () => {
    const out = filterAbortedMessages({
      messages: [record(540, "1"), record(541, "2")],
      abortedTransactions: [
        { firstOffset: "540", producerId: "1" },
        { firstOffset: "541", producerId: "2" },
      ],
    });
    expect(out).toEqual([]);
  });
});
