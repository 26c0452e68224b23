// The elect nemesis against a fake cluster, and the election tool's output.
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.ts";
import { parseElection, preferredElectionCommand } from "../../deployments/shared/elections.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { errorOf } from "./support.ts";

describe("preferred-leader election: the tool's output", () => {
  it("reads elected, already preferred and failed partitions", () => {
    const out = [
      "log4j:WARN No appenders could be found",
      "Successfully completed leader election (PREFERRED) for partitions t3-0, t1-0",
      "Valid replica already elected for partitions t0-0",
      "Error completing leader election (PREFERRED) for partition: t2-1: org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: Failed to elect leader",
    ].join("\n");
    expect(parseElection("broker-1", out)).toEqual({
      via: "broker-1",
      elected: ["t3-0", "t1-0"],
      alreadyPreferred: ["t0-0"],
      failed: [{ partition: "t2-1", error: "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: Failed to elect leader" }],
    });
    const e = errorOf(() => parseElection("broker-1", "Exception in thread main: Timed out waiting for a node assignment"));
    expect(e.code).toBe("KC_ELECTION_FAILED");
    expect(e.message).toContain("Timed out waiting");
  });

  it("names the partitions in a JSON file, or all of them, and falls back to the old class", () => {
    const some = preferredElectionCommand("broker-1:9091", [{ topic: "t3", partition: 0 }]);
    expect(some).toContain(`'{"partitions":[{"topic":"t3","partition":0}]}'`);
    expect(some).toContain("--path-to-json-file");
    const all = preferredElectionCommand("broker-1:9091");
    expect(all).toContain("--all-topic-partitions");
    expect(all).toContain("kafka.admin.LeaderElectionCommand");
  });
});

describe("elect nemesis (fake cluster)", () => {
  it("elects, waits for the preferred replica to lead, and records leaders before and after", async () => {
    let leader = "broker-2";
    const asked: unknown[] = [];
    const cluster = {
      nodes: [1, 2, 3].map((id) => ({ name: `broker-${id}`, id, roles: ["broker"] })),
      leader: async () => leader,
      nodeOfBrokerId: (id: number) => `broker-${id}`,
      partitionsVia: async () => [{ partition: 0, leader: Number(leader.slice(-1)), replicas: [1, 2, 3], isr: [1, 2, 3] }],
      electPreferred: async (p?: unknown) => {
        asked.push(p);
        leader = "broker-1";
        return { via: "broker-3", elected: ["t-0"], alreadyPreferred: [], failed: [] };
      },
    };
    const env: NemesisEnv = { cluster: cluster as unknown as NemesisEnv["cluster"], mode: "zookeeper", keys: () => ["t/0"] };
    const [fam] = buildFamilies(["elect"], ["key"], ["elections", "leadership"]);
    const op = await fam.start(env, "key", new Rng(1));
    expect(asked).toEqual([[{ topic: "t", partition: 0 }]]);
    expect(op.leadersBefore).toEqual({ "t/0": "broker-2" });
    expect(op.leadersAfter).toEqual({ "t/0": "broker-1" });
    expect(op.notPreferred).toEqual([]);
    expect(op.nodes).toEqual(["broker-1", "broker-2"]);
    expect(op.what).toBe("preferred-leader election (t/0): 1 elected, 0 already preferred, 0 failed; 1 of the keys in use moved");
    expect(fam.active()).toBe(false);
  });
});
