import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryWriter } from "../../core/history/writer.ts";
import { Rng } from "../../core/rng.ts";
import { NemesisRunner, type NemesisEnv } from "../../nemeses/index.ts";
import { disagreements, observeTopicPartitions, type Observable } from "../../nemeses/observer.ts";
import type { PartitionState } from "../../core/cluster.ts";
import type { FaultFamily } from "../../nemeses/types.ts";

const nodes = [
  { name: "zk-1", roles: ["zookeeper"], id: 1 },
  { name: "broker-1", roles: ["broker"], id: 1 },
  { name: "broker-2", roles: ["broker"], id: 2 },
  { name: "broker-3", roles: ["broker"], id: 3 },
];

/** A cluster whose brokers answer with `views` (a view `"hang"` never answers, an Error rejects). */
function cluster(views: Record<string, PartitionState[] | "hang" | Error>, ends: Map<string, number> | Error = new Map()): Observable {
  return {
    nodes,
    capabilities: [],
    startAll: async () => [],
    leaks: async () => [],
    nodeOfBrokerId: (id: number) => nodes.find((n) => n.roles.includes("broker") && n.id === id)?.name,
    partitionsVia: (broker: string) => {
      const v = views[broker];
      if (v === "hang") return new Promise<PartitionState[]>(() => undefined);
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v);
    },
    endOffsets: async (keys) => {
      if (ends instanceof Error) throw ends;
      return new Map(keys.filter((k) => ends.has(k)).map((k) => [k, ends.get(k)!]));
    },
  } as Observable;
}

const p = (partition: number, leader: number, isr: number[]): PartitionState => ({ partition, leader, isr, replicas: [1, 2, 3] });

describe("debug-topic-partitions: the cluster's view", () => {
  it("records each broker's leader, ISR and replicas by node name for the asked keys only, and the log ends", async () => {
    const same = [p(0, 1, [1, 2, 3]), p(1, 2, [2, 3]), p(2, 3, [3])];
    const v = await observeTopicPartitions(cluster({ "broker-1": same, "broker-2": same, "broker-3": same }, new Map([["t/0", 5], ["t/1", 7]])), ["t/1", "t/0", "t/0"]);
    expect(Object.keys(v.brokers)).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(v.brokers["broker-2"]).toEqual({ "t/0": { leader: "broker-1", isr: ["broker-1", "broker-2", "broker-3"], replicas: ["broker-1", "broker-2", "broker-3"] }, "t/1": { leader: "broker-2", isr: ["broker-2", "broker-3"], replicas: ["broker-1", "broker-2", "broker-3"] } });
    expect(v.logEnds).toEqual({ "t/0": 5, "t/1": 7 });
    expect(v.disagree).toEqual([]);
  });

  it("a broker cut off keeps its stale view, one that fails or does not answer in time is recorded with its error, and disagreements are named", async () => {
    const majority = [p(0, 2, [2, 3])];
    const v = await observeTopicPartitions(cluster({ "broker-1": [p(0, 1, [1, 2, 3])], "broker-2": majority, "broker-3": "hang" }, new Error("no leader")), ["t/0"], 50);
    expect(v.brokers["broker-1"]).toEqual({ "t/0": { leader: "broker-1", isr: ["broker-1", "broker-2", "broker-3"], replicas: ["broker-1", "broker-2", "broker-3"] } });
    expect(v.brokers["broker-3"]).toEqual({ error: "broker-3 did not answer within 50 ms" });
    expect(v.logEnds).toEqual({ error: "no leader" });
    expect(v.disagree).toEqual(["t/0"]);
    const failed = await observeTopicPartitions(cluster({ "broker-1": new Error("Closed connection"), "broker-2": majority, "broker-3": majority }), ["t/0"]);
    expect(failed.brokers["broker-1"]).toEqual({ error: "Closed connection" });
    expect(failed.disagree).toEqual([]);
  });

  it("no leader is null, and ISR order does not make a disagreement", () => {
    const a = { "t/0": { leader: null, isr: ["broker-2", "broker-1"], replicas: [] } };
    const b = { "t/0": { leader: null, isr: ["broker-1", "broker-2"], replicas: [] } };
    expect(disagreements({ "broker-1": a, "broker-2": b, "broker-3": { error: "x" } }, ["t/0"])).toEqual([]);
    expect(disagreements({ "broker-1": a, "broker-2": { "t/0": { ...b["t/0"], leader: "broker-2" } } }, ["t/0"])).toEqual(["t/0"]);
  });

  it("the runner records one pair after each action and one after the heal, never interleaved, and none unless asked", async () => {
    const fam: FaultFamily<unknown> = {
      name: "kill",
      targets: ["one"],
      needs: [],
      startF: "kill",
      stopF: "restart",
      active: () => false,
      start: async () => ({ what: "killed", nodes: ["broker-1"] }),
      stop: async () => ({ what: "restarted" }),
    };
    const run = async (debugPartitions: boolean) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-observer-")), "history.jsonl");
      const history = new HistoryWriter(file);
      const same = [p(0, 1, [1, 2, 3])];
      const env = { cluster: cluster({ "broker-1": same, "broker-2": same, "broker-3": same }), mode: "zookeeper", keys: () => ["t/0"] } as unknown as NemesisEnv;
      const runner = new NemesisRunner(env, [fam], history, new Rng(1), { debugPartitions });
      await runner.run([{ at: 0, family: "kill", action: "start", target: "one" }, { at: 0, family: "kill", action: "stop" }], Date.now(), new AbortController().signal);
      await runner.healAll();
      history.close();
      return fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    };
    const ops = await run(true);
    const debug = ops.filter((o) => o.f === "debug-topic-partitions");
    expect(debug.map((o) => o.value.after)).toEqual(["kill", "kill", "restart", "restart", "check-healed", "check-healed"]);
    expect(debug[1].value).toMatchObject({ what: "3/3 brokers answered for 1 keys", disagree: [], brokers: { "broker-1": { "t/0": { leader: "broker-1" } } } });
    expect(ops.every((o) => o.process === "nemesis" && o.type === "info")).toBe(true);
    expect((await run(false)).some((o) => o.f === "debug-topic-partitions")).toBe(false);
  });
});

describe("the report's table of the cluster's views", () => {
  it("one row per observation: agreement in one cell, each broker's answer where they disagree, – for a key not asked about, silent brokers named", async () => {
    const { renderClusterViews } = await import("../../report/cluster-view.ts");
    const op = (index: number, value: unknown) => ({ index, time: index * 1e9, process: "nemesis" as const, type: "info" as const, f: "debug-topic-partitions", value });
    const view = (after: string, brokers: unknown, keys: string[], disagree: string[] = []) => ({ after, keys, brokers, logEnds: { "t/0": 9 }, disagree });
    const agreed = { "t/0": { leader: "broker-1", isr: ["broker-1", "broker-2"], replicas: [] } };
    const stale = { "t/0": { leader: "broker-2", isr: ["broker-2"], replicas: [] } };
    const page = renderClusterViews([
      op(1, { after: "kill" }),
      op(2, view("kill", { "broker-1": agreed, "broker-2": agreed, "broker-3": { error: "late" } }, ["t/0"])),
      op(3, { ...view("x", { "broker-1": agreed, "broker-2": stale }, ["t/0", "t/1"], ["t/0"]), after: undefined, tick: 5 }),
      op(4, { after: "restart" }), // an intent alone (or a failed observation) is no row
    ]).html;
    expect(page).toContain("2 observations");
    expect(page).toContain("<th>t/0</th><th>t/1</th>");
    expect(page).toContain('after kill<br><span class="muted">no answer: b3</span></td><td class="nowrap">b1 [b1,b2] · end 9</td><td class="muted">–</td>');
    expect(page).toContain('every 5 s</td><td class="bad">b1: b1 [b1,b2]<br>b2: b2 [b2] · end 9</td><td class="muted">no answer</td>');
    expect(renderClusterViews([op(1, { after: "kill" })]).html).toBe("");
  });
});
