// The rolling-restart and bounce nemeses against a fake cluster: the order of restarts, the
// chase of a moving role, skipped nodes, and the wait for the ISR.
import { describe, expect, it } from "vitest";
import { KcError } from "../../core/errors.ts";
import { Rng } from "../../core/rng.ts";
import type { PartitionState } from "../../core/cluster.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import type { NemesisEnv } from "../../nemeses/index.ts";
import type { Leadership, UpgradeControl } from "../../nemeses/capabilities.ts";
import { bounceFamily, rollingRestartFamily } from "../../nemeses/restart.ts";
import { errorOf } from "./support.ts";

type Env = NemesisEnv<UpgradeControl & Leadership>;

/** Three brokers (and, in KRaft, three controllers); restarting the role's holder hands it to the next broker. */
function fake(o: { kraft?: boolean; down?: string[] } = {}) {
  const restarted: string[] = [];
  let leader = 1;
  let controller = 2;
  const nodes = [
    ...(o.kraft ? [1, 2, 3].map((i) => ({ name: `controller-${i}`, id: 100 + i, roles: ["controller"] })) : [1, 2, 3].map((i) => ({ name: `zk-${i}`, id: i, roles: ["zookeeper"] }))),
    ...[1, 2, 3].map((id) => ({ name: `broker-${id}`, id, roles: ["broker"] })),
  ];
  const state = (): PartitionState => ({ partition: 0, leader, replicas: [1, 2, 3], isr: [1, 2, 3] });
  const cluster = {
    nodes,
    versionOf: () => "3.9.1",
    restartOn: async (node: string, version: string, opts: { ifUp?: boolean }) => {
      if (opts.ifUp && o.down?.includes(node)) throw new KcError("KC_NODE_DOWN", `${node} is held down by another fault: a clean restart would undo it`);
      restarted.push(`${node}@${version}`);
      const id = Number(node.split("-")[1]);
      if (node.startsWith("broker") && id === leader) leader = (leader % 3) + 1;
      if (node.startsWith("broker") && id === controller) controller = (controller % 3) + 1;
      return { node, from: version, to: version, clean: true, downMs: 5 };
    },
    leader: async () => `broker-${leader}`,
    controller: async () => `broker-${controller}`,
    partitionsVia: async () => [state()],
    nodeOfBrokerId: (id: number) => `broker-${id}`,
  };
  const env = { cluster, mode: o.kraft ? "kraft" : "zookeeper", keys: () => ["t/0"] } as unknown as Env;
  return { env, restarted };
}

describe("rolling-restart", () => {
  it("brokers: every broker in turn, each back in the ISR before the next", async () => {
    const { env, restarted } = fake();
    const op = await rollingRestartFamily().start(env, "brokers", new Rng(1));
    expect(restarted).toEqual(["broker-1@3.9.1", "broker-2@3.9.1", "broker-3@3.9.1"]);
    expect(op.what).toBe("rolling restart of the brokers: 3 clean restarts");
    expect((op.steps as { isrRejoinMs?: number }[]).every((s) => typeof s.isrRejoinMs === "number")).toBe(true);
  });

  it("all: the KRaft controllers first (no ISR to wait for), then the brokers; ZooKeeper is left alone", async () => {
    const k = fake({ kraft: true });
    await rollingRestartFamily().start(k.env, "all", new Rng(1));
    expect(k.restarted.map((r) => r.split("@")[0])).toEqual(["controller-1", "controller-2", "controller-3", "broker-1", "broker-2", "broker-3"]);
    const z = fake();
    await rollingRestartFamily().start(z.env, "all", new Rng(1));
    expect(z.restarted.map((r) => r.split("@")[0])).toEqual(["broker-1", "broker-2", "broker-3"]);
  });

  it("skips a node another family holds down, and says so", async () => {
    const { env, restarted } = fake({ down: ["broker-2"] });
    const op = await rollingRestartFamily().start(env, "brokers", new Rng(1));
    expect(restarted).toEqual(["broker-1@3.9.1", "broker-3@3.9.1"]);
    expect(op.what).toBe("rolling restart of the brokers: 2 clean restarts; skipped broker-2 (held by another fault)");
  });

  it("stops between brokers when the main phase ends", async () => {
    const { env, restarted } = fake();
    const ac = new AbortController();
    ac.abort();
    const op = await rollingRestartFamily().start({ ...env, stopping: ac.signal }, "brokers", new Rng(1));
    expect(restarted).toEqual([]);
    expect(op.what).toContain("the main phase ended before broker-1, broker-2, broker-3");
  });
});

describe("bounce", () => {
  it("controller: restarts whoever holds the role now, so the chase follows it", async () => {
    const { env, restarted } = fake();
    const op = await bounceFamily(3).start(env, "controller", new Rng(1));
    expect(restarted).toEqual(["broker-2@3.9.1", "broker-3@3.9.1", "broker-1@3.9.1"]);
    expect(op.what).toBe("bounce of the active controller, 3 rounds (broker-2 → broker-3 → broker-1): 3 clean restarts");
    expect(op.nodes).toEqual(["broker-2", "broker-3", "broker-1"]);
  });

  it("leader: the leader of one key in use, every round", async () => {
    const { env, restarted } = fake();
    const op = await bounceFamily(2).start(env, "leader", new Rng(1));
    expect(restarted).toEqual(["broker-1@3.9.1", "broker-2@3.9.1"]);
    expect(op.key).toBe("t/0");
    expect((op.steps as { holder?: string }[]).map((s) => s.holder)).toEqual(["broker-2", "broker-3"]);
  });

  it("has no leader target before any key is in use", async () => {
    const { env } = fake();
    const e = await bounceFamily().start({ ...env, keys: () => [] }, "leader", new Rng(1)).catch((x) => x);
    expect(e.code).toBe("KC_NEMESIS_NO_TARGET");
  });
});

describe("restart families: config", () => {
  it("are refused on tansu", () => {
    for (const f of ["rolling-restart", "bounce"]) {
      expect(errorOf(() => validateConfig(parseRunFlags(["--product", "tansu", "--nemesis", f, "--no-idempotent"]).config)).message).toContain(`--nemesis ${f}`);
    }
  });
});
