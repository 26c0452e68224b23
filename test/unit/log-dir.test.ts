// The log-dir nemesis against a fake cluster, kc-lazyfs's replies, the flags and the broker config.
import { describe, expect, it } from "vitest";
import { Rng } from "../../core/rng.ts";
import { parseFailedDirs } from "../../deployments/shared/lazyfs.ts";
import { defaultConfig, parseRunFlags, validateConfig } from "../../harness/config.ts";
import { buildFamilies, type NemesisEnv } from "../../nemeses/index.ts";
import { logDirPaths, nodesOf, serverProperties } from "../../products/kafka/topology.ts";
import { errorOf } from "./support.ts";

function fakeEnv() {
  const calls: string[] = [];
  const dirs = ["/var/lib/kc/data/logs-0", "/var/lib/kc/data/logs-1"];
  const cluster = {
    nodes: [1, 2, 3].map((id) => ({ name: `broker-${id}`, id, roles: ["broker"] })),
    leader: async () => "broker-2",
    logDirs: async () => dirs,
    logDirOf: async (n: string, topic: string, p: number) => (calls.push(`where ${n} ${topic}-${p}`), dirs[1]),
    failLogDir: async (n: string, dir: string) => (calls.push(`fail ${n} ${dir}`), { node: n, dir, partitions: ["t-0"] }),
    healLogDirs: async (n: string) => (calls.push(`heal ${n}`), [dirs[1]]),
    kill: async (n: string, owner: string) => void calls.push(`kill ${n} ${owner}`),
    start: async (n: string, _o: unknown, owner: string) => (calls.push(`start ${n} ${owner}`), true),
  };
  return { env: { cluster: cluster as unknown as NemesisEnv["cluster"], mode: "zookeeper" as const, keys: () => ["t/0"] }, calls };
}

describe("log-dir nemesis (fake cluster)", () => {
  it("`leader` fails the dir that holds the leader's replica; the stop heals it and restarts the broker", async () => {
    const { env, calls } = fakeEnv();
    const [fam] = buildFamilies(["log-dir"], [], ["log-dirs", "process", "leadership"]);
    const op = await fam.start(env, "leader", new Rng(1));
    expect(op.nodes).toEqual(["broker-2"]);
    expect(op.what).toBe("failed the log dir of broker-2 that holds t/0, which it leads: broker-2:/var/lib/kc/data/logs-1 (1 replicas)");
    expect(fam.active()).toBe(true);
    const stop = await fam.stop(env);
    expect(stop.healed).toEqual({ "broker-2": ["/var/lib/kc/data/logs-1"] });
    expect(calls).toEqual(["where broker-2 t-0", "fail broker-2 /var/lib/kc/data/logs-1", "heal broker-2", "kill broker-2 log-dir", "start broker-2 log-dir"]);
    expect(fam.active()).toBe(false);
  });

  it("`all` fails one dir of every broker", async () => {
    const { env, calls } = fakeEnv();
    const [fam] = buildFamilies(["log-dir"], ["all"], ["log-dirs", "process", "leadership"]);
    const op = await fam.start(env, "all", new Rng(3));
    expect(op.nodes).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(calls.filter((c) => c.startsWith("fail"))).toHaveLength(3);
  });

  it("kc-lazyfs's replies: the failed dirs, or its refusal as a clear error", () => {
    expect(parseFailedDirs("broker-1", '{"ok":true,"state":"on","failed":["logs-1"]}\n')).toEqual(["logs-1"]);
    const e = errorOf(() => parseFailedDirs("broker-1", '{"ok":false,"state":"on","error":"fail: \\"../x\\" is not a directory inside the mount"}'));
    expect(e.code).toBe("KC_LOG_DIR_FAILED");
    expect(e.message).toContain("not a directory inside the mount");
  });
});

describe("log dirs: flags and broker config", () => {
  it("the log-dir nemesis sets kc-lazyfs and two log dirs; one dir, --no-lazyfs and KRaft before 3.7 are refused", () => {
    const a = parseRunFlags(["--nemesis", "log-dir"]).config;
    validateConfig(a);
    expect(a.cluster.lazyfs).toBe(true);
    expect(a.cluster.logDirs).toBe(2);
    expect(errorOf(() => validateConfig(parseRunFlags(["--nemesis", "log-dir", "--log-dirs", "1"]).config)).message).toContain("at least two log dirs");
    expect(errorOf(() => validateConfig(parseRunFlags(["--nemesis", "log-dir", "--no-lazyfs"]).config)).message).toContain("--no-lazyfs");
    const k = errorOf(() => validateConfig(parseRunFlags(["--log-dirs", "2", "--mode", "kraft", "--kafka-version", "3.6.2"]).config));
    expect(k.message).toContain("3.7");
  });

  it("several log dirs: log.dirs lists them, and KRaft keeps its metadata log in a dir of its own", () => {
    const o = { ...defaultConfig().cluster, kafkaVersion: "3.9.1", mode: "kraft" as const, combined: true, logDirs: 2 };
    const broker = nodesOf(o).find((n) => n.name === "broker-1")!;
    const props = serverProperties(o, broker, 30000);
    expect(props).toContain("log.dirs=/var/lib/kc/data/logs-0,/var/lib/kc/data/logs-1\n");
    expect(props).toContain("metadata.log.dir=/var/lib/kc/data/meta\n");
    expect(logDirPaths({})).toEqual(["/var/lib/kc/data"]);
    expect(serverProperties({ ...o, logDirs: undefined }, broker, 30000)).not.toContain("metadata.log.dir");
  });
});
