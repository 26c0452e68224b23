import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, deploymentSettings, parseRunFlags, validateConfig } from "../../harness/config.ts";
import { readClients, readMatrix, resolveRunArgs, detectionTable } from "../../cli/commands/run.ts";
import { createWorkload } from "../../workloads/index.ts";
import { errorOf } from "./support.ts";


describe("run flags", () => {
  it("--nemesis disk puts brokers' data on 256 MiB filesystems of their own unless --data-disk-mb says", () => {
    const a = parseRunFlags(["--nemesis", "disk"]).config;
    validateConfig(a);
    expect(a.cluster.dataDiskMb).toBe(256);
    const b = parseRunFlags(["--nemesis", "disk,corrupt", "--data-disk-mb", "64"]).config;
    validateConfig(b);
    expect(b.cluster.dataDiskMb).toBe(64);
    expect(errorOf(() => parseRunFlags(["--data-disk-mb", "1"])).message).toContain("an integer from 16");
  });

  it("parses values, =values, booleans and their negations", () => {
    const { config } = parseRunFlags(["--acks", "1", "--time-limit=30", "--idempotent", "--no-auto-commit", "--nemesis", "partition,kill", "--broker-config", "a=1", "--broker-config", "b=x=y"]);
    expect(config.producer.acks).toBe("1");
    expect(config.timeLimitSeconds).toBe(30);
    expect(config.producer.idempotent).toBe(true);
    expect(config.consumer.autoCommit).toBe(false);
    expect(config.nemesis.faults).toEqual(["partition", "kill"]);
    expect(config.cluster.brokerConfig).toEqual({ a: "1", b: "x=y" });
  });

  it("puts --topic-config on every test topic, and rejects a value without key=", () => {
    const { config } = parseRunFlags(["--topic-config", "unclean.leader.election.enable=true", "--topic-config", "min.insync.replicas=1"]);
    expect(config.workload.topicConfig).toEqual({ "unclean.leader.election.enable": "true", "min.insync.replicas": "1" });
    const topics = createWorkload(config, ["127.0.0.1:1"]).topics;
    expect(topics.length).toBe(config.workload.topics);
    for (const t of topics) expect(t.config).toEqual(config.workload.topicConfig);
    expect(createWorkload(defaultConfig(), ["127.0.0.1:1"]).topics.every((t) => t.config === undefined)).toBe(true);
    expect(errorOf(() => parseRunFlags(["--topic-config", "=true"])).message).toContain("key=value");
  });

  it("--abort-p, --crash-p, --subscribe-p, --poll-ms, --active-keys and --sends-per-key reach the workload", () => {
    const { config } = parseRunFlags(["--workload", "txn", "--abort-p", "0.5", "--crash-p", "0", "--subscribe-p", "0.25", "--poll-ms", "200", "--active-keys", "2", "--sends-per-key", "3"]);
    expect(config.workload).toMatchObject({ abortP: 0.5, crashP: 0, resubscribeP: 0.25, activeKeys: 2, sendsPerKey: 3 });
    expect(config.consumer.pollMs).toBe(200);
    const gen = createWorkload(config, ["127.0.0.1:1"]).generator();
    const ops = Array.from({ length: 4000 }, (_, i) => gen.next({ process: i % 4, worker: i % 4, time: i * 1_000_000 })).filter((o) => o !== undefined);
    const txns = ops.filter((o) => o.f === "txn" || o.f === "send");
    const aborted = txns.filter((o) => o.abort).length / txns.length;
    expect(aborted).toBeGreaterThan(0.4);
    expect(aborted).toBeLessThan(0.6);
    expect(ops.some((o) => o.f === "crash")).toBe(false);
    const resubscribes = ops.filter((o) => o.f === "assign").length / ops.length;
    expect(resubscribes).toBeGreaterThan(0.15);
    expect(errorOf(() => parseRunFlags(["--abort-p", "1.5"])).message).toContain("a probability from 0 to 1");
    expect(errorOf(() => parseRunFlags(["--crash-p", "x"])).message).toContain("--crash-p");
  });

  it("--consumer-mode assign,subscribe mixes both in one test and checks it as under subscribe", () => {
    const { config } = parseRunFlags(["--consumer-mode", "assign,subscribe", "--subscribe-p", "0.25"]);
    expect(config.consumer.mode).toBe("assign,subscribe");
    expect(config.workload.subscribe).toBe(true);
    const w = createWorkload(config, ["127.0.0.1:1"]);
    const gen = w.generator();
    const ops = Array.from({ length: 2000 }, (_, i) => gen.next({ process: i % 4, worker: i % 4, time: i * 1_000_000 })).filter((o) => o !== undefined);
    expect(ops.filter((o) => o.f === "assign").length).toBeGreaterThan(50);
    expect(ops.filter((o) => o.f === "subscribe").length).toBeGreaterThan(50);
    // Both kinds of group are the run's: each process's own (assign) and the shared one.
    const groups = w.coordinated!([0, 1]).groups;
    expect(groups.filter((g) => g.endsWith("-shared"))).toHaveLength(1);
    expect(groups).toHaveLength(3);
    expect(errorOf(() => parseRunFlags(["--consumer-mode", "subscribe,assign,x"])).message).toContain("one of assign, subscribe, assign,subscribe");
  });

  it("--ww-deps reaches the checker's settings, which test.json carries", () => {
    expect(parseRunFlags([]).config.checker?.wwDeps ?? false).toBe(false);
    expect(parseRunFlags(["--ww-deps"]).config.checker).toEqual({ wwDeps: true });
    expect(parseRunFlags(["--no-ww-deps"]).config.checker).toEqual({ wwDeps: false });
  });

  it("rejects a bad choice with the valid ones listed", () => {
    const e = errorOf(() => parseRunFlags(["--acks", "2"]));
    expect(e.code).toBe("KC_BAD_FLAG");
    expect(e.message).toContain("one of all, 1, 0");
    expect(errorOf(() => parseRunFlags(["--workload", "bank"])).message).toContain("queue, txn");
    expect(errorOf(() => parseRunFlags(["--nemesis", "partition,meteor"])).message).toContain("partition, kill, pause, link");
  });

  it("rejects unknown flags with a suggestion, and bad numbers", () => {
    const e = errorOf(() => parseRunFlags(["--time"]));
    expect(e.message).toContain("unknown flag --time");
    expect(e.hint).toContain("--time-limit");
    expect(errorOf(() => parseRunFlags(["--concurrency", "0"])).message).toContain("from 1 to 256");
    expect(errorOf(() => parseRunFlags(["--rate"])).message).toContain("needs a value");
    expect(errorOf(() => parseRunFlags(["--acks", "1", "--acks", "0"])).message).toContain("given twice");
  });

  it("checks combinations", () => {
    const zk4 = parseRunFlags(["--kafka-version", "4.1.1"]).config;
    expect(errorOf(() => validateConfig(zk4)).hint).toContain("--mode kraft");
    const rf = parseRunFlags(["--brokers", "2"]).config;
    expect(errorOf(() => validateConfig(rf)).message).toContain("exceeds --brokers 2");
    expect(() => validateConfig(defaultConfig())).not.toThrow();
  });

  it("applies presets before flags, so flags win", () => {
    const r = resolveRunArgs(["--preset", "acks1-lost-writes", "--time-limit", "20", "--seed", "7"]);
    if (r === "help") throw new Error("help");
    expect(r.config.producer.acks).toBe("1");
    expect(r.config.timeLimitSeconds).toBe(20);
    expect(r.config.seed).toBe(7);
    expect(r.config.name).toBe("acks1-lost-writes");
    expect(errorOf(() => resolveRunArgs(["--preset", "nope"])).message).toContain("safe");
  });

  it("names a test by workload and faults", () => {
    const r = resolveRunArgs(["--nemesis", "partition"]);
    if (r === "help") throw new Error("help");
    expect(r.config.name).toBe("queue-partition");
  });

  it("prints detection rates per anomaly type", () => {
    const t = detectionTable([
      { seed: 1, exitCode: 1, types: ["lost-write", "unseen"] },
      { seed: 2, exitCode: 0, types: [] },
      { seed: 3, exitCode: 1, types: ["lost-write"] },
      { seed: 4, exitCode: 2, types: [] },
    ]);
    expect(t).toContain("runs: 4; invalid 2 (50%), unknown 1, valid 1");
    expect(t).toMatch(/lost-write\s+2\/4 \(50%\)/);
    expect(t).toMatch(/unseen\s+1\/4 \(25%\)/);
  });
});

describe("--matrix", () => {
  const file = (text: string) => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-matrix-")), "m.json");
    fs.writeFileSync(p, text);
    return p;
  };

  it("reads flag lists and keeps the other flags for every entry", () => {
    const m = readMatrix(["--time-limit", "20", "--matrix", file('{"runs": [["--preset", "safe"], ["--nemesis", "kill"]]}')]);
    expect(m?.entries).toEqual([["--preset", "safe"], ["--nemesis", "kill"]]);
    expect(m?.rest).toEqual(["--time-limit", "20"]);
    expect(readMatrix(["--nemesis", "kill"])).toBeUndefined();
  });

  it("the shipped matrix is valid", () => {
    const m = readMatrix(["--matrix", "matrix/known-bugs.json"])!;
    for (const e of m.entries) expect(resolveRunArgs(e)).not.toBe("help");
  });

  it("says what is wrong with a bad matrix file", () => {
    expect(errorOf(() => readMatrix(["--matrix", file("{nope")])).code).toBe("KC_BAD_MATRIX");
    expect(errorOf(() => readMatrix(["--matrix", file('{"runs": [1]}')])).message).toContain('"runs" must be a list of flag lists');
    expect(errorOf(() => readMatrix(["--matrix"])).message).toContain("--matrix needs a file");
  });

  it("--clients: a differential run keeps the other flags for every client and refuses what cannot combine", () => {
    const d = readClients(["--time-limit", "20", "--clients", "kafkajs@1.16.0,kafkajs"]);
    expect(d).toEqual({ clients: ["kafkajs@1.16.0", "kafkajs"], rest: ["--time-limit", "20"] });
    expect(readClients(["--clients=kafkajs,confluent"])?.clients).toEqual(["kafkajs", "confluent"]);
    expect(readClients(["--nemesis", "kill"])).toBeUndefined();
    expect(errorOf(() => readClients(["--clients", "kafkajs"])).message).toContain("at least two clients");
    expect(errorOf(() => readClients(["--clients", "kafkajs,confluent", "--client", "kafkajs"])).message).toContain("cannot be combined");
  });

  it("--client NAME@VERSION sets the client and its release", () => {
    const r = resolveRunArgs(["--client", "kafkajs@1.16.0"]);
    if (r === "help") throw new Error("help");
    expect([r.config.client, r.config.clientVersion]).toEqual(["kafkajs", "1.16.0"]);
    expect(errorOf(() => resolveRunArgs(["--client", "kafkajs@1.0.0"])).code).toBe("KC_CLIENT_VERSION");
  });

  it("--clients-in: confluent runs in a child process on docker unless told, kafkajs in the harness, java never in a child", () => {
    const where = (args: string[]) => {
      const { config } = parseRunFlags(args);
      validateConfig(config);
      return config.clientsIn;
    };
    expect(where([])).toBe("host");
    expect(where(["--client", "confluent"])).toBe("process");
    expect(where(["--client", "confluent", "--clients-in", "host"])).toBe("host");
    expect(where(["--clients-in", "process"])).toBe("process");
    expect(where(["--client", "confluent", "--deployment", "kubernetes"])).toBe("host");
    const java = errorOf(() => where(["--client", "java", "--clients-in", "process"]));
    expect([java.code, java.message]).toEqual(["KC_BAD_FLAG", expect.stringContaining("the java client already runs in a JVM of its own")]);
    // One setting; the Kubernetes deployment is told pod or host (this process), docker nothing.
    const k8s = parseRunFlags(["--deployment", "kubernetes", "--clients-in", "host"]).config;
    validateConfig(k8s);
    expect([k8s.clientsIn, k8s.kubernetes, deploymentSettings(k8s)]).toEqual(["host", undefined, { clientsIn: "host" }]);
    const plain = parseRunFlags(["--deployment", "kubernetes"]).config;
    validateConfig(plain);
    expect(deploymentSettings(plain)).toEqual({ clientsIn: "host" });
    const docker = parseRunFlags(["--clients-in", "process"]).config;
    validateConfig(docker);
    expect(deploymentSettings(docker)).toBeUndefined();
  });

  it("--upgrade-to adds the upgrade nemesis, pins the old protocol in ZooKeeper mode, and refuses what cannot run", () => {
    const r = resolveRunArgs(["--kafka-version", "3.6.2", "--upgrade-to", "3.9.1", "--nemesis", "kill"]);
    if (r === "help") throw new Error("help");
    expect(r.config.kafka.upgradeTo).toBe("3.9.1");
    expect(r.config.nemesis.faults).toEqual(["kill", "upgrade"]);
    expect(r.config.cluster.brokerConfig["inter.broker.protocol.version"]).toBe("3.6");
    const kraft = resolveRunArgs(["--mode", "kraft", "--upgrade-to", "4.1.1"]);
    if (kraft === "help") throw new Error("help");
    expect(kraft.config.cluster.brokerConfig["inter.broker.protocol.version"]).toBeUndefined();
    expect(errorOf(() => resolveRunArgs(["--upgrade-to", "4.1.1"])).message).toMatch(/ZooKeeper/i);
    expect(errorOf(() => resolveRunArgs(["--nemesis", "upgrade"])).message).toContain("needs --upgrade-to");
    expect(errorOf(() => resolveRunArgs(["--upgrade-to", "1.1.1"])).code).toBe("KC_BAD_KAFKA_VERSION");
    const down = resolveRunArgs(["--kafka-version", "3.9.1", "--upgrade-to", "3.6.2"]);
    if (down === "help") throw new Error("help");
    expect(down.config.cluster.brokerConfig["inter.broker.protocol.version"], "a downgrade pins the older protocol").toBe("3.6");
    expect(errorOf(() => resolveRunArgs(["--mode", "kraft", "--kafka-version", "4.1.1", "--upgrade-to", "3.9.1"])).message).toContain("downgrade of a KRaft cluster");
  });

  it("--app-image runs a container application: topics and group default, the other --app-* flags fill it in, and bad ones are refused", () => {
    const r = resolveRunArgs(["--app-image", "my-service:test", "--app-kill-every", "10", "--app-env", "LOG=debug", "--app-env", "X=a=b", "--app-delivery", "exactly-once"]);
    if (r === "help") throw new Error("help");
    expect(r.config.name).toBe("app-none");
    expect(r.config.application).toEqual({ input: "kc-app-in", output: "kc-app-out", groupId: "kc-app", delivery: "exactly-once", container: { image: "my-service:test", killEverySeconds: 10, env: { LOG: "debug", X: "a=b" } } });
    const named = resolveRunArgs(["--app-input", "orders", "--app-output", "enriched", "--app-group", "enricher", "--app-rate", "50", "--app-partitions", "6", "--app-drain", "30", "--app-image", "svc:1"]);
    if (named === "help") throw new Error("help");
    expect(named.config.application).toMatchObject({ input: "orders", output: "enriched", groupId: "enricher", rate: 50, partitions: 6, drainSeconds: 30 });
    const noImage = errorOf(() => resolveRunArgs(["--app-input", "orders"]));
    expect([noImage.code, noImage.message]).toEqual(["KC_BAD_FLAG", expect.stringContaining("need --app-image")]);
    expect(errorOf(() => resolveRunArgs(["--app-image", "svc:1", "--app-output", "kc-app-in"])).code).toBe("KC_BAD_APPLICATION");
    expect(errorOf(() => resolveRunArgs(["--app-image", "svc:1", "--app-kill-every", "1"])).message).toContain("an integer from 2");
    expect(errorOf(() => resolveRunArgs(["--app-image", "svc:1", "--app-env", "novalue"])).message).toContain("key=value");
  });
});
