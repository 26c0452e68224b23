// The reassign nemesis: its plan, the reassignment tool's output (as Kafka 2.8.2 and 3.9.1 print
// it), the config checks, and the family against a fake cluster.
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.ts";
import type { PartitionMove, PartitionState, ReassignmentInProgress } from "../../core/cluster.ts";
import { parseReassignment, reassignmentCommand } from "../../deployments/shared/reassignments.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import type { Leadership, ReassignmentControl } from "../../nemeses/capabilities.ts";
import { planMove, reassignFamily } from "../../nemeses/reassign.ts";
import { errorOf } from "./support.ts";

const LOG4J = "log4j:WARN No appenders could be found for logger (org.apache.kafka.clients.admin.AdminClientConfig).";

describe("reassign: the plan", () => {
  const st: PartitionState = { partition: 0, leader: 2, replicas: [2, 3, 1], isr: [2, 3, 1] };

  it("swaps one replica, in place, for a broker that holds none", () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = planMove(st, [1, 2, 3, 4, 5], "replica", new Rng(seed))!;
      expect(st.replicas).toContain(p.out);
      expect([4, 5]).toContain(p.in);
      expect(p.replicas).toEqual(st.replicas.map((r) => (r === p.out ? p.in : r)));
    }
  });

  it("leader: the leader's replica is the one that moves", () => {
    for (let seed = 0; seed < 20; seed++) expect(planMove(st, [1, 2, 3, 4], "leader", new Rng(seed))).toEqual({ replicas: [4, 3, 1], out: 2, in: 4 });
  });

  it("has no plan when every broker holds a replica", () => {
    expect(planMove(st, [1, 2, 3], "replica", new Rng(1))).toBeUndefined();
  });
});

describe("reassign: the tool's output", () => {
  it("reads a started move, with its throttle (3.9.1)", () => {
    const out = [
      LOG4J,
      "Current partition replica assignment",
      "",
      '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1,2],"log_dirs":["any","any","any"]}]}',
      "",
      "Save this to use as the --reassignment-json-file option during rollback",
      "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.",
      "The inter-broker throttle limit was set to 1 B/s",
      "Successfully started partition reassignment for t-0",
    ].join("\n");
    expect(parseReassignment("broker-2", "execute", out)).toEqual({ via: "broker-2", done: ["t-0"], inProgress: [], failed: [], throttlesCleared: false });
  });

  it("reads --verify: complete (3.9.1 says completed, 2.8.2 complete), in progress, and a move that is not there", () => {
    const done = "Status of partition reassignment:\nReassignment of partition t-0 is completed.\n\nClearing broker-level throttles on brokers 1,2,3,4\nClearing topic-level throttles on topic t\n";
    expect(parseReassignment("b", "verify", done)).toMatchObject({ done: ["t-0"], inProgress: [], throttlesCleared: true });
    expect(parseReassignment("b", "verify", done.replace("is completed.", "is complete."))).toMatchObject({ done: ["t-0"] });
    expect(parseReassignment("b", "verify", "Status of partition reassignment:\nReassignment of partition t-0 is still in progress.\n")).toMatchObject({ done: [], inProgress: ["t-0"], throttlesCleared: false });
    const gone = "Status of partition reassignment:\nThere is no active reassignment of partition t-0, but replica set is 3,1,2 rather than 4,3,1.\n\nClearing broker-level throttles on brokers 1,2,3,4\n";
    expect(parseReassignment("b", "verify", gone).failed).toEqual([{ partition: "t-0", error: "no reassignment in progress, but the replica set is 3,1,2 rather than 4,3,1." }]);
  });

  it("reads --cancel: cancelled, and nothing to cancel (the throttle line glued to the one before, as 3.9.1 prints it)", () => {
    const cancelled = "Successfully cancelled partition reassignment for: t-0\nNone of the specified partition moves are active.Clearing broker-level throttles on brokers 1,2,3,4\nClearing topic-level throttles on topic t\n";
    expect(parseReassignment("b", "cancel", cancelled)).toMatchObject({ done: ["t-0"], throttlesCleared: true });
    const nothing = "None of the specified partition reassignments are active.\nNone of the specified partition moves are active.Clearing broker-level throttles on brokers 1,2,3,4\n";
    expect(parseReassignment("b", "cancel", nothing)).toMatchObject({ done: [], inProgress: [], failed: [], throttlesCleared: true });
  });

  it("refuses output it cannot read, with the tool's last lines", () => {
    const e = errorOf(() => parseReassignment("broker-1", "execute", `${LOG4J}\nError: org.apache.kafka.common.errors.InvalidReplicaAssignmentException: Unknown broker id 9`));
    expect(e.code).toBe("KC_REASSIGNMENT_FAILED");
    expect(e.message).toContain("Unknown broker id 9");
    const trace = ["Error: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: alterPartitionReassignments", "java.util.concurrent.ExecutionException: x", "\tat org.apache.kafka.tools.reassign.ReassignPartitionsCommand.executeAssignment(ReassignPartitionsCommand.java:747)", "\tat org.apache.kafka.tools.reassign.ReassignPartitionsCommand.handleAction(ReassignPartitionsCommand.java:260)"].join("\n");
    expect(errorOf(() => parseReassignment("broker-1", "execute", trace)).message).toContain("Timed out waiting for a node assignment");
  });

  it("writes the moves to the tool's JSON file, tries the 3.7+ class first, and refuses what is not a move", () => {
    const cmd = reassignmentCommand("broker-1:9091", "execute", [{ topic: "t", partition: 0, replicas: [4, 3, 1] }], 50_000);
    expect(cmd).toContain(`'{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4,3,1]}]}'`);
    expect(cmd).toContain("--execute --throttle 50000");
    expect(cmd.indexOf("org.apache.kafka.tools.reassign.ReassignPartitionsCommand")).toBeLessThan(cmd.indexOf("kafka.admin.ReassignPartitionsCommand"));
    expect(reassignmentCommand("b:9091", "verify", [{ topic: "t", partition: 0, replicas: [1] }], 5)).not.toContain("--throttle");
    expect(errorOf(() => reassignmentCommand("b:9091", "execute", [{ topic: "t'; rm -rf /", partition: 0, replicas: [1] }])).code).toBe("KC_BAD_ARGUMENT");
    expect(errorOf(() => reassignmentCommand("b:9091", "cancel", [])).code).toBe("KC_BAD_ARGUMENT");
  });
});

describe("reassign: config", () => {
  it("needs more brokers than the replication factor, and says how to get them", () => {
    const e = errorOf(() => validateConfig(parseRunFlags(["--nemesis", "reassign"]).config));
    expect(e.code).toBe("KC_BAD_FLAG");
    expect(e.hint).toContain("--brokers 4");
    validateConfig(parseRunFlags(["--nemesis", "reassign", "--brokers", "4"]).config);
    validateConfig(parseRunFlags(["--nemesis", "reassign", "--replication-factor", "2"]).config);
  });

  it("is refused on tansu, which keeps no replicas of its own", () => {
    const e = errorOf(() => validateConfig(parseRunFlags(["--product", "tansu", "--nemesis", "reassign", "--brokers", "4", "--no-idempotent"]).config));
    expect(e.message).toContain("--nemesis reassign");
  });
});

describe("reassign nemesis (fake cluster)", () => {
  /** A cluster whose moves finish after `finishAfter` polls of the reassignment list (never: Infinity). */
  function fake(finishAfter: number) {
    let st: PartitionState = { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] };
    let moving: PartitionMove | undefined;
    let polls = 0;
    const calls: string[] = [];
    const finish = () => {
      if (moving) st = { partition: 0, leader: moving.replicas.includes(st.leader) ? st.leader : moving.replicas[0], replicas: moving.replicas, isr: moving.replicas };
      moving = undefined;
    };
    const cluster = {
      nodes: [1, 2, 3, 4].map((id) => ({ name: `broker-${id}`, id, roles: ["broker"] })),
      leader: async () => `broker-${st.leader}`,
      nodeOfBrokerId: (id: number) => `broker-${id}`,
      partitionsVia: async () => [st],
      reassign: async (m: PartitionMove[], throttle?: number) => {
        calls.push(`execute ${m[0].replicas.join(",")}${throttle !== undefined ? ` @${throttle}` : ""}`);
        moving = m[0];
        return { via: "broker-2", done: ["t-0"], inProgress: [], failed: [], throttlesCleared: false };
      },
      liveBrokerIds: async () => [1, 2, 3, 4],
      reassignments: async (): Promise<ReassignmentInProgress[]> => {
        if (moving && ++polls > finishAfter) finish();
        return moving ? [{ partition: "t-0", replicas: [...new Set([...st.replicas, ...moving.replicas])], adding: [4], removing: [] }] : [];
      },
      verifyReassignment: async () => {
        calls.push("verify");
        return { via: "broker-2", done: moving ? [] : ["t-0"], inProgress: moving ? ["t-0"] : [], failed: [], throttlesCleared: !moving };
      },
      cancelReassignment: async () => {
        calls.push("cancel");
        const was = !!moving;
        moving = undefined;
        return { via: "broker-2", done: was ? ["t-0"] : [], inProgress: [], failed: [], throttlesCleared: true };
      },
    };
    const env = { cluster, mode: "zookeeper", keys: () => ["t/0"] } as unknown as NemesisEnv<ReassignmentControl & Leadership>;
    return { env, calls, state: () => st };
  }
  const fam = (target: string) => buildFamilies(["reassign"], [target], ["reassign", "leadership"])[0];
  const fast = { waitMs: 2_000, throttleBytes: 50_000, crawlBytes: 1, cancelAfterMs: 50 };

  it("waits for the move, verifies it (clearing the throttle), and leaves nothing for the stop", async () => {
    const { env, calls, state } = fake(2);
    const f = reassignFamily(fast);
    const op = await f.start(env, "throttled", new Rng(1));
    expect(op).toMatchObject({ target: "throttled", key: "t/0", from: [1, 2, 3], to: state().replicas, completed: true, throttleBytes: 50_000, throttlesCleared: true });
    expect(state().replicas).toContain(4);
    expect(calls).toEqual([`execute ${state().replicas.join(",")} @50000`, "verify"]);
    expect(f.active()).toBe(false);
    expect(await f.stop(env)).toEqual({ what: "no reassignment left to see through" });
    expect(fam("leader").targets).toEqual(["leader"]);
  });

  it("a move that does not finish in time is left to the stop, which cancels it", async () => {
    const { env, calls } = fake(Infinity);
    const f = reassignFamily(fast);
    const op = await f.start(env, "replica", new Rng(1));
    expect(op.completed).toBe(false);
    expect(String(op.what)).toContain("not done within 2 s (the stop sees it through)");
    expect(f.active()).toBe(true);
    const stop = await f.stop(env);
    expect(stop).toMatchObject({ finished: [], cancelled: ["t-0"] });
    expect(calls.slice(1)).toEqual(["verify", "cancel"]);
    expect(f.active()).toBe(false);
  });

  it("cancel: cancels the move in progress and waits for the old replicas", async () => {
    const { env, calls, state } = fake(Infinity);
    const f = reassignFamily(fast);
    const op = await f.start(env, "cancel", new Rng(1));
    expect(op).toMatchObject({ inProgressAtCancel: true, cancelled: ["t-0"], restored: true, replicasAfter: [1, 2, 3], throttleBytes: 1 });
    expect(state().replicas).toEqual([1, 2, 3]);
    expect(calls).toEqual([expect.stringMatching(/@1$/), "cancel"]);
    expect(f.active()).toBe(false);
  });
});
