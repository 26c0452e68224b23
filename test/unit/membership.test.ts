// The membership nemesis's plans: a drain moves every replica of the decommissioned broker to a
// live broker outside its partition's set, spreading the load; a fill gives an added broker one
// replica of each partition, never taking the leader's. The real thing: test/integration/reassign.test.ts.
import { describe, expect, it } from "vitest";
import { planDrain, planFill } from "../../nemeses/membership.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import type { PartitionState } from "../../core/cluster.ts";

const st = (partition: number, replicas: number[], leader = replicas[0]): PartitionState => ({ partition, leader, replicas, isr: replicas });

describe("planDrain", () => {
  it("moves each replica of the broker to a live broker outside the set, least loaded first", () => {
    const states = [st(0, [1, 2, 3]), st(1, [2, 3, 4]), st(2, [3, 1, 2]), st(3, [4, 1, 2])].map((state) => ({ topic: "t", state }));
    const moves = planDrain(states, 1, [1, 2, 3, 4])!;
    expect(moves.map((m) => [m.partition, m.replicas])).toEqual([
      [0, [4, 2, 3]],
      [2, [3, 4, 2]],
      [3, [4, 3, 2]],
    ]);
    // Nothing of broker 1 is left, and every set keeps three distinct brokers.
    for (const m of moves) expect(new Set(m.replicas).size).toBe(3);
    expect(moves.every((m) => !m.replicas.includes(1))).toBe(true);
  });
  it("is undefined when a partition has nowhere to go, and empty when the broker holds nothing", () => {
    const states = [st(0, [1, 2, 3])].map((state) => ({ topic: "t", state }));
    // Broker 4 exists but is not live: no destination either.
    expect(planDrain(states, 1, [1, 2, 3])).toBeUndefined();
    expect(planDrain(states, 1, [1, 2, 3, 4])).toEqual([{ topic: "t", partition: 0, replicas: [4, 2, 3] }]);
    expect(planDrain([{ topic: "t", state: st(0, [2, 3, 4]) }], 1, [1, 2, 3, 4])).toEqual([]);
  });
});

describe("planFill", () => {
  it("puts the added broker in each partition's set in place of its last follower", () => {
    const moves = planFill([st(0, [2, 3, 4], 3), st(1, [1, 2, 3])].map((state) => ({ topic: "t", state })), 1);
    expect(moves).toEqual([{ topic: "t", partition: 0, replicas: [2, 3, 1] }]);
  });
});

describe("membership flags", () => {
  it("needs more brokers than the replication factor, and is refused on tansu", () => {
    const e = (args: string[]) => {
      try {
        validateConfig(parseRunFlags(args).config);
      } catch (err) {
        return err as { message: string; hint?: string };
      }
      throw new Error("accepted");
    };
    expect(e(["--nemesis", "membership"]).hint).toContain("--brokers 4");
    expect(e(["--product", "tansu", "--nemesis", "membership", "--brokers", "4", "--no-idempotent"]).message).toContain("--nemesis membership");
    expect(() => validateConfig(parseRunFlags(["--nemesis", "membership", "--brokers", "4"]).config)).not.toThrow();
  });
});
