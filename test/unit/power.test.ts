// The power nemesis against a fake cluster, kc-lazyfs's replies, and the flags that put nodes on it.
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.ts";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { parsePowerCut, powerCutCommand } from "../../deployments/shared/lazyfs.ts";
import { SUPERVISOR } from "../../products/supervisor.ts";
import { errorOf } from "./support.ts";


/** Three ZooKeeper nodes and three brokers; each cut reports 100 bytes per node id. */
function fakeEnv() {
  const calls: string[] = [];
  const nodes = [
    ...[1, 2, 3].map((id) => ({ name: `zk-${id}`, id, roles: ["zookeeper"] })),
    ...[1, 2, 3].map((id) => ({ name: `broker-${id}`, id, roles: ["broker"] })),
  ];
  const cluster = {
    nodes,
    leader: async () => "broker-2",
    powerCut: async (n: string, owner: string) => {
      calls.push(`cut ${n} ${owner}`);
      const id = nodes.find((x) => x.name === n)!.id;
      return { node: n, files: 1, droppedBytes: 100 * id, dropped: [{ path: "t-0/00000000000000000000.log", bytes: 100 * id, size: 100 * id, syncedSize: 0 }] };
    },
    start: async (n: string, _o: unknown, owner: string) => (calls.push(`start ${n} ${owner}`), true),
  };
  const env = { cluster: cluster as unknown as NemesisEnv["cluster"], mode: "zookeeper" as const, keys: () => ["t/0"] };
  return { env, calls };
}

describe("power nemesis (fake cluster)", () => {
  it("cuts every broker at once for `all`, records what each lost, and powers them on at the stop", async () => {
    const { env, calls } = fakeEnv();
    const [fam] = buildFamilies(["power"]);
    const op = await fam.start(env, "all", new Rng(1));
    expect(op.nodes).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(op.what).toBe("cut the power of every broker: 600 unsynced bytes lost");
    expect((op.cuts as { droppedBytes: number }[]).map((c) => c.droppedBytes)).toEqual([100, 200, 300]);
    expect(calls).toEqual(["cut broker-1 power", "cut broker-2 power", "cut broker-3 power"]);
    expect(fam.active()).toBe(true);
    expect(await fam.stop(env)).toEqual({ nodes: ["broker-1", "broker-2", "broker-3"], started: ["broker-1", "broker-2", "broker-3"] });
    expect(fam.active()).toBe(false);
  });

  it("`cluster` cuts ZooKeeper too, and powers the quorum on before the brokers", async () => {
    const { env, calls } = fakeEnv();
    const [fam] = buildFamilies(["power"]);
    const op = await fam.start(env, "cluster", new Rng(1));
    expect(op.nodes).toHaveLength(6);
    calls.length = 0;
    await fam.stop(env);
    const firstBroker = calls.findIndex((c) => c.includes("broker"));
    expect(calls.slice(0, firstBroker).every((c) => c.includes("zk-"))).toBe(true);
    expect(calls).toHaveLength(6);
  });

  it("`leader` cuts the leader of a key in use; `one` a single broker", async () => {
    const { env } = fakeEnv();
    const [fam] = buildFamilies(["power"]);
    expect((await fam.start(env, "leader", new Rng(1))).nodes).toEqual(["broker-2"]);
    await fam.stop(env);
    const one = await fam.start(env, "one", new Rng(3));
    expect(one.nodes).toHaveLength(1);
    expect(String(one.nodes)).toMatch(/^broker-/);
  });
});

describe("kc-lazyfs replies and commands", () => {
  it("parses off's JSON reply, and fails with the reason when the layer is absent or refuses", () => {
    const ok = parsePowerCut("broker-1", `{"ok":true,"state":"off","files":2,"droppedBytes":4096,"dropped":[{"path":"a","bytes":4000,"size":4000,"syncedSize":0}]}\n`);
    expect(ok).toEqual({ node: "broker-1", files: 2, droppedBytes: 4096, dropped: [{ path: "a", bytes: 4000, size: 4000, syncedSize: 0 }] });
    const e = errorOf(() => parsePowerCut("broker-1", "kc-lazyfs: no control socket at /var/lib/kc/lazyfs.sock"));
    expect(e.code).toBe("KC_POWER_FAILED");
    expect(e.message).toContain("no control socket");
    expect(errorOf(() => parsePowerCut("b", `{"ok":false,"error":"bad command"}`)).message).toContain("bad command");
  });

  it("freezes the process, then drops the unsynced writes, then kills it, in one command; thaws and kills nothing when off fails", () => {
    const cmd = powerCutCommand();
    const at = (x: string) => cmd.indexOf(x);
    expect(at("sig STOP")).toBeGreaterThan(0);
    expect(at("sig STOP")).toBeLessThan(at(" off)"));
    expect(at(" off)")).toBeLessThan(at("sig KILL"));
    expect(cmd).toContain(`|| { sig CONT; echo "$r"; exit 1; }; touch`);
  });

  it("the supervisor sources a deployment's mount.sh before the product's prestart", () => {
    expect(SUPERVISOR.indexOf("/etc/kc/mount.sh")).toBeGreaterThan(0);
    expect(SUPERVISOR.indexOf("/etc/kc/mount.sh")).toBeLessThan(SUPERVISOR.indexOf("prestart.sh"));
  });
});

describe("flags", () => {
  it("--nemesis power puts every node on kc-lazyfs; --no-lazyfs with it, and --lazyfs on an attached cluster, are refused", () => {
    const a = parseRunFlags(["--nemesis", "power"]).config;
    validateConfig(a);
    expect(a.cluster.lazyfs).toBe(true);
    const b = parseRunFlags(["--lazyfs"]).config;
    validateConfig(b);
    expect(b.cluster.lazyfs).toBe(true);
    expect(errorOf(() => validateConfig(parseRunFlags(["--nemesis", "power", "--no-lazyfs"]).config)).message).toContain("--no-lazyfs");
    validateConfig(parseRunFlags(["--lazyfs", "--deployment", "kubernetes"]).config);
    expect(errorOf(() => validateConfig(parseRunFlags(["--nemesis", "power", "--deployment", "kubernetes", "--attach", "--broker-selector", "app=kafka", "--namespace", "kafka"]).config)).message).toContain("an attached one's data dirs are not on kc-lazyfs");
  });

  it("a deployment without the power capability refuses the power nemesis before anything starts", () => {
    const e = errorOf(() => buildFamilies(["power"], [], ["process", "leadership"]));
    expect(e.code).toBe("KC_CAPABILITY_MISSING");
    expect(e.message).toContain('"power"');
  });
});
