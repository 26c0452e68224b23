import { describe, expect, it } from "vitest";
import { AdapterClient, abortPoint, type SendMop } from "./adapter.ts";
import { mergePolled, type Completion, type Invocation, type Polled } from "./types.ts";
import type { Mop } from "../core/history/op.ts";
import { SharedSlot } from "./sharing.ts";

/** A client whose transaction steps only record what they were asked, polls answering from a script. */
class Scripted extends AdapterClient<string> {
  readonly calls: string[] = [];
  protected readonly producer = new SharedSlot<string>(async () => "p", async () => undefined);
  protected readonly transactional = true;

  private readonly polls: Polled[];
  /** The assignments each poll goes through, in turn (what a consumer's rebalance callback adds). */
  readonly rebalances: string[][][] = [];
  private readonly failOn?: string;

  constructor(polls: Polled[], failOn?: string) {
    super();
    this.polls = polls;
    this.failOn = failOn;
  }

  private step(name: string): void {
    this.calls.push(name);
    if (name === this.failOn) throw new Error(`${name} broke`);
  }

  protected async produceOne(_p: string, m: SendMop): Promise<Mop> {
    this.step(`send ${m[1]} ${m[2]}`);
    return ["send", m[1], [7, m[2]]];
  }
  protected classifySend(): { type: "fail" | "info"; error: string } {
    return { type: "info", error: "?" };
  }
  protected transaction(inv: Invocation): Promise<Completion> {
    return this.runTransaction<string>(inv, {
      begin: async () => (this.step("begin"), "txn"),
      poll: async () => {
        this.step("poll");
        for (const keys of this.rebalances.shift() ?? []) this.rebalanceLog.add(keys);
        return this.polls.shift()!;
      },
      produce: (_t, m) => this.produceOne("p", m),
      offsets: async (_t, next) => this.step(`offsets ${[...next].map(([k, o]) => `${k}@${o}`).join(",")}`),
      abort: async (_t, polled, why, value) => {
        this.step(`abort rewind ${[...(polled?.from ?? [])].map(([k, o]) => `${k}@${o}`).join(",")}`);
        return { type: "fail", value, error: why };
      },
      commit: async (_t, _polled, done) => (this.step("commit"), { type: "ok", value: done }),
      describe: (e) => (e as Error).message,
    });
  }
  protected async poll(): Promise<Completion> {
    this.step("plain poll");
    return { type: "ok", value: [["poll", {}]] };
  }
  protected async resubscribe(): Promise<Completion> {
    return { type: "ok", value: [] };
  }
  async close(): Promise<void> {}
}

const polled = (key: string, offsets: number[]): Polled => ({
  records: { [key]: offsets.map((o) => [o, o * 10] as [number, number]) },
  from: new Map([[key, offsets[0]]]),
  next: new Map([[key, offsets[offsets.length - 1] + 1]]),
});

describe("AdapterClient.runTransaction", () => {
  const mops: Mop[] = [["poll"], ["send", "t0/0", 1], ["poll"], ["send", "t1/0", 2]];

  it("runs any mix in order and commits the offsets of every poll in it", async () => {
    const c = new Scripted([polled("t0/0", [3, 4]), { ...polled("t0/0", [5]), records: { "t0/0": [[5, 50]], "t1/0": [] } }]);
    const done = await c.invoke({ f: "txn", value: mops });
    expect(done).toEqual({ type: "ok", value: [["poll", { "t0/0": [[3, 30], [4, 40]] }], ["send", "t0/0", [7, 1]], ["poll", { "t0/0": [[5, 50]], "t1/0": [] }], ["send", "t1/0", [7, 2]]] });
    expect(c.calls).toEqual(["begin", "poll", "send t0/0 1", "poll", "send t1/0 2", "offsets t0/0@6", "commit"]);
  });

  it("aborts on purpose after abort-at micro-ops: none, some, or all and the offsets", async () => {
    const at0 = new Scripted([]);
    expect(await at0.invoke({ f: "txn", value: mops, abort: true, "abort-at": 0 })).toEqual({ type: "fail", value: mops, error: "aborted-on-purpose" });
    expect(at0.calls).toEqual(["begin", "abort rewind "]);

    const at3 = new Scripted([polled("t0/0", [3]), polled("t2/0", [9])]);
    const c3 = await at3.invoke({ f: "txn", value: mops, abort: true, "abort-at": 3 });
    expect(c3.value).toEqual([["poll", { "t0/0": [[3, 30]] }], ["send", "t0/0", [7, 1]], ["poll", { "t2/0": [[9, 90]] }], ["send", "t1/0", 2]]);
    // Both polls' reads rewind (each key to its first offset); no offsets joined the transaction.
    expect(at3.calls).toEqual(["begin", "poll", "send t0/0 1", "poll", "abort rewind t0/0@3,t2/0@9"]);

    const all = new Scripted([polled("t0/0", [3]), polled("t0/0", [4])]);
    await all.invoke({ f: "txn", value: mops, abort: true, "abort-at": 4 });
    expect(all.calls).toEqual(["begin", "poll", "send t0/0 1", "poll", "send t1/0 2", "offsets t0/0@5", "abort rewind t0/0@3"]);

    // Without abort-at (histories before it): after everything, as before.
    const old = new Scripted([polled("t0/0", [3]), polled("t0/0", [4])]);
    await old.invoke({ f: "txn", value: mops, abort: true });
    expect(old.calls.at(-2)).toBe("offsets t0/0@5");
  });

  it("aborts after an error part-way, the value showing what ran and the rest as invoked", async () => {
    const c = new Scripted([polled("t0/0", [3])], "send t0/0 1");
    expect(await c.invoke({ f: "txn", value: mops })).toEqual({ type: "fail", value: [["poll", { "t0/0": [[3, 30]] }], ...mops.slice(1)], error: "aborted after send t0/0 1 broke" });
    const b = new Scripted([], "begin");
    expect(await b.invoke({ f: "send", value: [["send", "t0/0", 1]] })).toEqual({ type: "fail", value: [["send", "t0/0", 1]], error: "begin: begin broke" });
  });

  it("keeps the rebalances of every poll of the op", async () => {
    const c = new Scripted([polled("t0/0", [3]), polled("t0/0", [4])]);
    c.rebalances.push([["t0/0"]], [["t1/0"], ["t0/0", "t1/0"]]);
    const done = await c.invoke({ f: "poll", value: [["poll"], ["poll"]] });
    expect(done["rebalance-log"]).toEqual([{ keys: ["t0/0"] }, { keys: ["t1/0"] }, { keys: ["t0/0", "t1/0"] }]);
    const one = new Scripted([polled("t0/0", [3]), polled("t0/0", [4])]);
    one.rebalances.push([], [["t1/0"]]);
    expect((await one.invoke({ f: "poll", value: [["poll"], ["poll"]] }))["rebalance-log"]).toEqual([{ keys: ["t1/0"] }]);
  });

  it("runs poll ops in a transaction too when the workload is transactional", async () => {
    const c = new Scripted([polled("t0/0", [0, 1])]);
    await c.invoke({ f: "poll", value: [["poll"]] });
    expect(c.calls).toEqual(["begin", "poll", "offsets t0/0@2", "commit"]);
  });
});

describe("abortPoint and mergePolled", () => {
  it("reads abort-at only on an aborted op, within its micro-ops", () => {
    expect(abortPoint({ f: "txn", value: [], abort: true, "abort-at": 1 }, 3)).toBe(1);
    expect(abortPoint({ f: "txn", value: [], "abort-at": 1 }, 3)).toBe(3);
    for (const bad of [-1, 1.5, "1", 3, 9, null]) expect(abortPoint({ f: "txn", value: [], abort: true, "abort-at": bad }, 3)).toBe(3);
  });

  it("keeps the first offset read and the last position per key, and every record", () => {
    const m = mergePolled(polled("a", [1, 2]), { records: { a: [[3, 30]], b: [[8, 80]] }, from: new Map([["a", 3], ["b", 8]]), next: new Map([["a", 4], ["b", 9]]) });
    expect(m.records).toEqual({ a: [[1, 10], [2, 20], [3, 30]], b: [[8, 80]] });
    expect([...m.from]).toEqual([["a", 1], ["b", 8]]);
    expect([...m.next]).toEqual([["a", 4], ["b", 9]]);
  });
});
