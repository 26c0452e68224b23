// One test per fault family, through the nemesis runner as a test uses it: the fault has its
// effect on the real cluster, it is recorded in the history, and healing undoes it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { Cluster } from "../../deployments/docker/cluster.ts";
import { defaultConfig } from "../../harness/config.ts";
import { HistoryWriter } from "../../core/history/writer.ts";
import { ensureImages } from "../../deployments/docker/images.ts";
import { Rng } from "../../core/rng.ts";
import { buildFamilies, NemesisRunner, type NemesisEnv } from "../../nemeses/index.ts";
import { loneLeaderFamily } from "../../nemeses/lone-leader.ts";
import { eventually } from "./support.ts";

const TOPIC = "nem";
const KEY = `${TOPIC}/0`;

describe("nemeses on a real cluster (zookeeper, 3.9.1)", () => {
  let cluster: Cluster;
  let history: HistoryWriter;
  let env: NemesisEnv;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-nem-"));
    cluster = await Cluster.start({
      runId: `it-nem-${Date.now().toString(36)}`,
      runDir: dir,
      images: await ensureImages({ kafkaVersion: "3.9.1" }),
      // No automatic preferred-leader rebalance (every 300 s by default): the elect test needs
      // a non-preferred leader to stay until its own election (fresh-clone CI, 2026-12-03: the
      // preferred replica led again before the election ran).
      options: { ...defaultConfig().cluster, mode: "zookeeper", kafkaVersion: "3.9.1", brokerConfig: { "auto.leader.rebalance.enable": "false" } },
    });
    await cluster.createTopics([{ name: TOPIC, partitions: 1, replicationFactor: 3, config: { "message.timestamp.type": "LogAppendTime" } }]);
    // createTopics saw the full ISR through one broker; the first test asks others (leader
    // lookups go to any broker), whose metadata cache can lag for a moment: wait for all of them.
    for (const b of ["broker-1", "broker-2", "broker-3"]) {
      await eventually(async () => ((await cluster.partitionsVia(b, TOPIC).catch(() => []))[0]?.isr.length ?? 0) === 3, `${TOPIC} in ${b}'s metadata`, 30_000);
    }
    history = new HistoryWriter(path.join(dir, "history.jsonl"));
    env = { cluster, mode: "zookeeper", keys: () => [KEY] };
  });

  afterAll(async () => {
    history?.close();
    await cluster?.stop();
  });

  const runner = (name: string, seed = 1) => {
    const fams = buildFamilies([name]);
    return { fam: fams[0], runner: new NemesisRunner(env, fams, history, new Rng(seed)) };
  };
  /** Partition 0 of `topic` as broker `viewer` sees it. */
  const state0 = async (viewer: string, topic: string) => (await cluster.partitionsVia(viewer, topic))[0];
  /** Partition state of KEY as broker `viewer` sees it. */
  const state = (viewer: string) => state0(viewer, TOPIC);
  const idOf = (node: string) => cluster.nodes.find((n) => n.name === node)!.id;
  const nemesisOps = () => fs.readFileSync(history.path, "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((o) => o.process === "nemesis");

  it("partition: isolating the leader makes another broker leader; heal removes every rule", async () => {
    const { fam, runner: r } = runner("partition");
    const leader = (await cluster.leader(KEY))!;
    const viewer = ["broker-1", "broker-2", "broker-3"].find((b) => b !== leader)!;
    await r.start(fam, "leader");
    history.flush();
    const started = nemesisOps().filter((o) => o.f === "start-partition");
    expect(started).toHaveLength(2);
    expect(started[1].value.what).toContain(`isolated ${leader}`);
    await eventually(async () => {
      const s = await state(viewer);
      return s.leader >= 0 && s.leader !== idOf(leader);
    }, "a new leader on the majority side", 90_000);
    await r.stop(fam);
    for (const n of cluster.nodes) expect(await cluster.rules(n.name)).toEqual([]);
    expect(await cluster.leaks()).toEqual([]);
    await eventually(async () => (await state(viewer)).isr.length === 3, "full ISR after heal", 120_000);
  });

  it("partition + lone-leader together: each family's rules are kept and healed apart", async () => {
    const fams = buildFamilies(["partition", "lone-leader"]);
    // No writes here, so the lone leader's ISR never shrinks: its start cuts the followers off
    // and, after a short wait, reports that; the cut stays in force until its own stop.
    const lone = loneLeaderFamily({ shrinkTimeoutMs: 1_000, aloneMs: 1, electTimeoutMs: 1_000, pollMs: 200 });
    const part = fams[0];
    const r = new NemesisRunner(env, [part, lone], history, new Rng(21));
    await r.start(lone, "leader");
    const leader = Object.entries(cluster.grudge).find(([, peers]) => peers.every((p) => p.endsWith(":9091")))?.[0];
    expect(leader).toBeDefined();
    const loneRules = await cluster.rules(leader!);
    expect(loneRules.length).toBe(2);
    expect(loneRules.every((l) => l.includes("--dport 9091"))).toBe(true);

    await r.start(part, "one");
    const partitioned = cluster.nodes.filter((n) => (cluster.grudge[n.name] ?? []).some((p) => !p.includes(":"))).map((n) => n.name);
    expect(partitioned.length).toBeGreaterThan(0);
    // The partition healed alone: the lone leader's cut is still in force, nothing else is.
    await r.stop(part);
    expect(await cluster.rules(leader!)).toEqual(loneRules);
    for (const n of cluster.nodes) if (n.name !== leader) expect(await cluster.rules(n.name)).toEqual([]);
    expect(lone.active()).toBe(true);
    await r.stop(lone);
    for (const n of cluster.nodes) expect(await cluster.rules(n.name)).toEqual([]);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("finds the group and transaction coordinators: the leaders of the internal topics' partitions Kafka hashes them to", async () => {
    // Kafka: Utils.abs(id.hashCode) % 50 (offsets.topic.num.partitions, transaction.state.log.num.partitions).
    const javaHash = (s: string) => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 0);
    const partitionOf = (id: string) => {
      const h = javaHash(id);
      return (h === -2147483648 ? 0 : Math.abs(h)) % 50;
    };
    for (const [id, find, topic] of [
      ["kc-coordinator-group", (x: string) => cluster.groupCoordinator(x), "__consumer_offsets"],
      ["kc-coordinator-txn", (x: string) => cluster.transactionCoordinator(x), "__transaction_state"],
    ] as const) {
      const node = await find(id);
      expect(["broker-1", "broker-2", "broker-3"]).toContain(node);
      const leader = async () => (await cluster.partitionsVia("broker-1", topic)).find((p) => p.partition === partitionOf(id))?.leader;
      await eventually(async () => (await leader()) !== undefined, `${topic} in broker-1's metadata`, 30_000);
      expect(cluster.nodeOfBrokerId((await leader())!)).toBe(await find(id));
    }
  });

  it("coordinator-aware targets: kill finds the group coordinator, the transaction coordinator, and a transaction's partition leader that is not its coordinator", async () => {
    const group = "kc-target-group";
    let txnId = "kc-target-txn-0";
    const envC: NemesisEnv = { ...env, coordinated: () => ({ groups: [group], transactionalIds: [txnId] }) };
    const fams = buildFamilies(["kill"]);
    const r = new NemesisRunner(envC, fams, history, new Rng(7));
    // What each target must hit, asked of the cluster just before the fault (coordinators move when brokers die).
    const cases: [string, () => Promise<string | undefined>, string][] = [
      ["group-coordinator", () => cluster.groupCoordinator(group), `the group coordinator of ${group}`],
      ["txn-coordinator", () => cluster.transactionCoordinator(txnId), "the transaction coordinator of kc-target-txn-0"],
      [
        "txn-leader-not-coordinator",
        async () => {
          // A transactional id whose coordinator does not lead KEY (ids hash to __transaction_state partitions).
          const leader = await cluster.leader(KEY);
          for (let i = 1; i < 30; i++) {
            if ((await cluster.transactionCoordinator(`kc-target-txn-${i}`)) !== leader) {
              txnId = `kc-target-txn-${i}`;
              return leader;
            }
          }
          return undefined;
        },
        `the leader of ${KEY}, which transactions write to, not the coordinator`,
      ],
    ];
    for (const [target, expectedNow, says] of cases) {
      const expected = await expectedNow();
      expect(expected, target).toBeDefined();
      await r.start(fams[0], target);
      expect([...cluster.down], target).toEqual([expected]);
      history.flush();
      const op = nemesisOps().filter((o) => o.f === "kill" && o.type !== "invoke" && o.value?.target === target).at(-1);
      expect(op.value.nodes).toEqual([expected]);
      expect(op.value.what).toContain(says);
      // Restart only once its ZooKeeper session has expired (out of the ISR), or it cannot register again.
      const viewer = ["broker-1", "broker-2", "broker-3"].find((b) => b !== expected)!;
      await eventually(async () => !(await state(viewer)).isr.includes(idOf(expected!)), `${expected} out of the ISR`, 90_000);
      await r.stop(fams[0]);
      await eventually(async () => (await state(viewer)).isr.length === 3, `${expected} back in the ISR`, 120_000);
    }
  });

  it("kill holds: a broker killed by two families starts again only when both let go", async () => {
    const b = "broker-3";
    await cluster.kill(b, "kill");
    await cluster.kill(b, "lone-leader");
    expect(await cluster.start(b, { waitMs: 0 }, "kill")).toBe(false);
    expect((await cluster.leaks()).join("\n")).toContain(`${b} is down`);
    expect(await cluster.start(b, {}, "lone-leader")).toBe(true);
    expect(await cluster.leaks()).toEqual([]);
    await eventually(async () => (await state("broker-1")).isr.includes(idOf(b)), `${b} back in the ISR`, 120_000);
  });

  /** Starts a process fault on one broker, sees it leave the ISR, stops it, sees it return. */
  const leavesIsrAndReturns = async (name: "kill" | "pause", seed: number, affected: () => Set<string>) => {
    const { fam, runner: r } = runner(name, seed);
    await r.start(fam, "one");
    const nodes = [...affected()];
    expect(nodes).toHaveLength(1);
    const viewer = ["broker-1", "broker-2", "broker-3"].find((b) => b !== nodes[0])!;
    await eventually(async () => !(await state(viewer)).isr.includes(idOf(nodes[0])), `${nodes[0]} out of the ISR`, 90_000);
    await r.stop(fam);
    expect(affected().size).toBe(0);
    expect(await cluster.leaks()).toEqual([]);
    await eventually(async () => (await state(viewer)).isr.includes(idOf(nodes[0])), `${nodes[0]} back in the ISR`, 120_000);
  };

  it("elect: after the preferred leader was killed and came back as a follower, a preferred election makes it lead again", async () => {
    const viewer = "broker-1";
    const preferredId = (await state(viewer)).replicas[0];
    const preferred = cluster.nodeOfBrokerId(preferredId)!;
    await eventually(async () => (await state(viewer)).leader === preferredId || undefined, "the preferred replica leading", 30_000).catch(() => undefined);
    await cluster.kill(preferred, "test");
    const other = await eventually(async () => {
      const st = await state(viewer === preferred ? "broker-2" : viewer).catch(() => undefined);
      return st && st.leader > 0 && st.leader !== preferredId ? st.leader : undefined;
    }, "a leader other than the preferred replica", 60_000);
    await cluster.start(preferred, {}, "test");
    await eventually(async () => (await state(viewer)).isr.includes(preferredId) || undefined, "the preferred replica back in the ISR", 60_000);
    expect((await state(viewer)).leader).toBe(other);

    const [fam] = buildFamilies(["elect"], ["key"], cluster.capabilities);
    const op = await fam.start(env, "key", new Rng(1));
    const election = op.election as { elected: string[]; failed: unknown[] };
    expect(election.elected).toEqual([`${TOPIC}-0`]);
    expect(election.failed).toEqual([]);
    expect((op.leadersBefore as Record<string, string>)[KEY]).toBe(cluster.nodeOfBrokerId(other!));
    expect((op.leadersAfter as Record<string, string>)[KEY]).toBe(preferred);
    expect(op.notPreferred).toEqual([]);
    expect((await state(viewer)).leader).toBe(preferredId);
    // Asked again, there is nothing to do.
    const again = await fam.start(env, "key", new Rng(1));
    expect((again.election as { alreadyPreferred: string[] }).alreadyPreferred).toEqual([`${TOPIC}-0`]);
  });

  it("kill: the killed broker drops out of the ISR and returns after restart", async () => {
    await leavesIsrAndReturns("kill", 3, () => cluster.down);
  });

  it("pause: the paused broker is frozen and drops out of the ISR; resume brings it back", async () => {
    await leavesIsrAndReturns("pause", 5, () => cluster.paused);
  });

  it("corrupt: the leader's newest segment of the key is cut short, then bit-flipped, while it is down, as the op says; restarted, it recovers and rejoins the ISR, and nothing acknowledged is lost", async () => {
    const p = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING }).producer({ idempotent: true });
    await p.connect();
    for (let i = 0; i < 30; i++) await p.send({ topic: TOPIC, acks: -1, messages: [{ value: `corrupt-${i}` }] });
    await p.disconnect();
    const acked = (await cluster.endOffsets([KEY])).get(KEY)!;
    for (const [target, seed] of [["truncate", 7], ["bitflip", 8]] as const) {
      const fam = buildFamilies(["corrupt"])[0];
      expect([fam.startF, fam.stopF]).toEqual(["start-corrupt", "stop-corrupt"]);
      const value = await fam.start(env, target, new Rng(seed));
      const [node] = value.nodes as string[];
      const d = value.damage as any;
      expect(cluster.down.has(node)).toBe(true);
      expect(d.file).toMatch(new RegExp(`^/var/lib/kc/data/${TOPIC}-0/\\d{20}\\.log$`));
      // The damage is on disk as recorded.
      if (target === "truncate") {
        expect(d.sizeAfter).toBeLessThan(d.sizeBefore);
        expect(d.cut).toEqual([d.sizeAfter, d.sizeBefore]);
        expect(Number((await cluster.shell(node, `stat -c %s ${d.file}`)).output.trim())).toBe(d.sizeAfter);
      } else {
        expect(d.flips.length).toBeGreaterThan(0);
        for (const f of d.flips) {
          expect(f.after).not.toBe(f.before);
          expect(Number((await cluster.shell(node, `od -An -tu1 -j ${f.offset} -N1 ${d.file}`)).output.trim())).toBe(f.after);
        }
      }
      // Restart only once the cluster saw it go (its ZooKeeper session expired): a broker that
      // starts again within the 6 s session timeout finds its old registration and exits.
      const viewer = node === "broker-1" ? "broker-2" : "broker-1";
      await eventually(async () => !(await state(viewer)).isr.includes(idOf(node)), `${node} out of the ISR`, 90_000);
      await fam.stop(env);
      expect(await cluster.leaks()).toEqual([]);
      await eventually(async () => (await state(node === "broker-1" ? "broker-2" : "broker-1")).isr.includes(idOf(node)), `${node} back in the ISR after ${target}`, 120_000);
      expect((await cluster.endOffsets([KEY])).get(KEY)).toBeGreaterThanOrEqual(acked);
    }
  });

  it("link: a latency toxic raises produce latency, and stopping it removes every toxic", async () => {
    const p = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, requestTimeout: 30_000 }).producer();
    await p.connect();
    const timeSend = async () => {
      const t = Date.now();
      await p.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: "x" }] });
      return Date.now() - t;
    };
    const median = async () => {
      const xs = [];
      for (let i = 0; i < 5; i++) xs.push(await timeSend());
      return xs.sort((a, b) => a - b)[2];
    };
    const before = await median();
    // Through the family's own start: until the rng puts the latency on the leader's link
    // (a third of starts take every broker, the others one), each start recorded with its nodes.
    const { fam, runner: r } = runner("link", 3);
    const leader = (await cluster.leader(KEY))!;
    let started: { nodes: string[]; direction: string; attributes: { latency: number; jitter: number } } | undefined;
    for (let i = 0; i < 20 && !started?.nodes.includes(leader); i++) {
      if (i > 0) await r.stop(fam);
      await r.start(fam, "latency");
      history.flush();
      started = nemesisOps().filter((o) => o.f === "start-link").at(-1)!.value;
    }
    expect(started!.nodes).toContain(leader);
    expect(started!.attributes).toEqual({ latency: 500, jitter: 300 });
    expect(Object.values(await cluster.links.state()).some((s) => s.toxics.some((t) => t.includes("latency")))).toBe(true);
    const during = await median();
    await r.stop(fam);
    const state = await cluster.links.state();
    expect(Object.values(state).every((s) => s.enabled && s.toxics.length === 0)).toBe(true);
    const after = await median();
    await p.disconnect();
    // 500 ± 300 ms on the leader's link, one way at least.
    expect(during).toBeGreaterThan(before + 150);
    expect(after).toBeLessThan(during - 150);
  });

  it("link: the family's own start puts toxics or a down proxy on client links", async () => {
    const { fam, runner: r } = runner("link", 11);
    await r.start(fam, "down");
    const down = Object.entries(await cluster.links.state()).filter(([, s]) => !s.enabled);
    expect(down.length).toBeGreaterThan(0);
    // Containers on the run's network (an application under test) reach each broker through a twin proxy that shares its faults.
    const downNames = down.map(([name]) => name);
    for (const name of downNames.filter((n) => !n.endsWith("-network"))) expect(downNames).toContain(`${name}-network`);
    await r.start(fam, "latency");
    expect(Object.values(await cluster.links.state()).some((s) => s.toxics.length > 0)).toBe(true);
    // The leak check sees what is in force.
    expect((await cluster.leaks()).join("\n")).toMatch(/proxy broker-\d (is disabled|has toxics)/);
    await r.stop(fam);
    expect(Object.values(await cluster.links.state()).every((s) => s.enabled && !s.toxics.length)).toBe(true);
    expect(await cluster.leaks()).toEqual([]);
  });

  it("link lose-acks: with every broker's answers held and requests landing, a non-idempotent producer's retry after its request timeout writes the value twice; an idempotent one's does not", async () => {
    const topic = "lose-acks";
    await cluster.createTopics([{ name: topic, partitions: 1, replicationFactor: 3 }]);
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, requestTimeout: 1500, retry: { retries: 10, initialRetryTime: 100 } });
    const p = kafka.producer({ idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    // The control: an idempotent producer's retries carry the first attempt's sequence, and the broker drops them.
    const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await p.connect();
    await idem.connect();
    await p.send({ topic, acks: -1, messages: [{ value: "warm-up" }] });
    await idem.send({ topic, acks: -1, messages: [{ value: "warm-up" }] });
    const { fam, runner: r } = runner("link", 1);
    await r.start(fam, "lose-acks");
    history.flush();
    const started = nemesisOps().filter((o) => o.f === "start-link").at(-1)!.value as { nodes: string[]; direction: string };
    expect(started.nodes.sort()).toEqual(["broker-1", "broker-2", "broker-3"]);
    expect(started.direction).toBe("responses");
    const sent = p.send({ topic, acks: -1, messages: [{ value: "once" }] }).then(() => "ok", (e: Error) => e.name);
    const sentIdem = idem.send({ topic, acks: -1, messages: [{ value: "idempotent" }] }).then(() => "ok", (e: Error) => e.name);
    await new Promise((res) => setTimeout(res, 5_000));
    await r.stop(fam);
    expect(Object.values(await cluster.links.state()).every((s) => s.enabled && !s.toxics.length)).toBe(true);
    const outcome = await sent;
    expect(await sentIdem).toBe("ok");
    await p.disconnect();
    await idem.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const end = Number((await admin.fetchTopicOffsets(topic))[0].high);
    await admin.disconnect();
    const c = kafka.consumer({ groupId: `read-${topic}` });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(async () => seen.length >= end, `${topic} read to offset ${end}`, 60_000);
    await c.disconnect();
    console.info(`lose-acks: the send completed ${outcome}; "once" is in the log ${seen.filter((v) => v === "once").length} times`);
    expect(seen.filter((v) => v === "once").length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((v) => v === "idempotent")).toHaveLength(1);
  });

  it("peer-link: latency on the followers' fetches from the leader slows acks=all sends, not acks=1 ones; a partition still cuts a routed link; stop makes every link direct", async () => {
    const p = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, requestTimeout: 30_000 }).producer();
    await p.connect();
    const median = async (acks: number) => {
      const xs = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        await p.send({ topic: TOPIC, acks, messages: [{ partition: 0, value: "x" }] });
        xs.push(Date.now() - t);
      }
      return xs.sort((a, b) => a - b)[2];
    };
    const before = { all: await median(-1), one: await median(1) };
    const leader = (await cluster.leader(KEY))!;
    const followers = ["broker-1", "broker-2", "broker-3"].filter((b) => b !== leader);
    for (const f of followers) for (const stream of ["upstream", "downstream"] as const) await cluster.peerLinks.addToxic(f, leader, { type: "latency", attributes: { latency: 500 }, stream });
    const toxics = await cluster.links.state();
    for (const f of followers) expect(toxics[`peer-${f}-${leader}`].toxics).toHaveLength(2);
    // The client links carry nothing.
    expect(Object.entries(toxics).filter(([n, s]) => !n.startsWith("peer-") && s.toxics.length)).toEqual([]);
    const during = { all: await median(-1), one: await median(1) };
    // A partition of a routed link still cuts it: black-hole toxics both ways while it lasts.
    await cluster.partition({ [leader]: [followers[0]] }, "peer-link-test");
    expect((await cluster.links.state())[`peer-${followers[0]}-${leader}`].toxics).toEqual(expect.arrayContaining(["kc-cut-up", "kc-cut-down"]));
    await cluster.heal("peer-link-test");
    expect((await cluster.links.state())[`peer-${followers[0]}-${leader}`].toxics.filter((t) => t.startsWith("kc-cut"))).toEqual([]);
    expect((await cluster.leaks()).join("\n")).toMatch(/still routes 1 link\(s\) through Toxiproxy/);
    await cluster.peerLinks.reset();
    expect(Object.keys(await cluster.links.state()).filter((n) => n.startsWith("peer-"))).toEqual([]);
    expect(await cluster.leaks()).toEqual([]);
    const after = { all: await median(-1), one: await median(1) };
    await p.disconnect();
    console.info(`peer-link latency 500 ms both ways on the followers' fetches: median send acks=all ${before.all} → ${during.all} → ${after.all} ms, acks=1 ${before.one} → ${during.one} → ${after.one} ms`);
    // A follower learns of a write on one fetch and reports it on the next: each is 1 s slower.
    expect(during.all).toBeGreaterThan(before.all + 700);
    expect(during.one).toBeLessThan(before.one + 300);
    expect(after.all).toBeLessThan(during.all - 500);
    // Every follower back in the ISR.
    await eventually(async () => (await state(leader)).isr.length === 3, "full ISR after the links are direct", 60_000);
  });

  it("peer-link: a black hole between a broker and every ZooKeeper node expires its session (it leaves /brokers/ids); the family's start records its links, and stop brings the broker back", async () => {
    const ids = async () => (await cluster.shell("zk-1", "java -Xmx64m -cp '/opt/kafka/libs/*' org.apache.zookeeper.ZooKeeperMain -server localhost:2181 ls /brokers/ids 2>/dev/null")).output;
    expect(await ids()).toMatch(/\[1, 2, 3\]/);
    for (const zk of ["zk-1", "zk-2", "zk-3"]) for (const stream of ["upstream", "downstream"] as const) await cluster.peerLinks.addToxic("broker-3", zk, { type: "timeout", attributes: { timeout: 0 }, stream });
    // zookeeper.session.timeout.ms is 6000 here.
    await eventually(async () => /\[1, 2\]/.test(await ids()), "broker-3's registration gone from ZooKeeper", 60_000);
    await cluster.peerLinks.reset();
    await eventually(async () => /\[1, 2, 3\]/.test(await ids()), "broker-3 registered again", 60_000);
    // The family's own start: a scope drawn at random, its links recorded and faulted.
    const { fam, runner: r } = runner("peer-link", 5);
    const scopes = new Set<string>();
    for (let i = 0; i < 8 && scopes.size < 3; i++) {
      await r.start(fam, "bandwidth");
      history.flush();
      const v = nemesisOps().filter((o) => o.f === "start-peer-link").at(-1)!.value as { scope: string; links: string[]; what: string };
      scopes.add(v.scope);
      const state = await cluster.links.state();
      for (const l of v.links) expect(state[`peer-${l.replace("→", "-")}`].toxics.length).toBeGreaterThan(0);
      if (v.scope === "quorum") expect(v.links.every((l) => /→zk-\d$/.test(l))).toBe(true);
      else expect(v.what).toContain(`leader of ${KEY}`);
      await r.stop(fam);
      expect(await cluster.leaks()).toEqual([]);
    }
    expect([...scopes].sort()).toEqual(["follower", "leader", "quorum"]);
    await eventually(async () => (await state("broker-1")).isr.length === 3, "full ISR again", 60_000);
  });

  /**
   * lone-leader on a topic of its own (keys() → that topic), with acks=all writes going on in the
   * background (an ISR shrinks only while the leader gets writes its followers lack). Returns what
   * the start reported, the writes acknowledged, and the log read back after stop.
   */
  const loneLeaderRound = async (topic: string, unclean: boolean) => {
    await cluster.createTopics([{ name: topic, partitions: 1, replicationFactor: 3, config: { "unclean.leader.election.enable": String(unclean), "min.insync.replicas": "1" } }]);
    // createTopics saw the full ISR through one broker; the nemesis may ask another, whose
    // metadata cache can lag behind for a moment ("does not host this topic-partition").
    for (const b of ["broker-1", "broker-2", "broker-3"]) await eventually(async () => (await state0(b, topic))?.isr.length === 3, `${topic} in ${b}'s metadata`, 30_000);
    const key = `${topic}/0`;
    const fam = loneLeaderFamily({ shrinkTimeoutMs: 45_000, aloneMs: 3_000, electTimeoutMs: 20_000, pollMs: 500 });
    const envK = { ...env, keys: () => [key] };
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, requestTimeout: 2_000, retry: { retries: 0 } });
    const p = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await p.connect();
    const acked = new Map<string, number>(); // value → offset
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const value = String(i);
        try {
          const [res] = await p.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
          acked.set(value, Number(res.baseOffset));
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    })();
    const done = await fam.start(envK, "leader", new Rng(1));
    await fam.stop(envK);
    writing = false;
    await writer;
    await p.disconnect();
    expect(await cluster.leaks()).toEqual([]);
    // Read the whole log back once every replica is in sync again.
    const viewer = ["broker-1", "broker-2", "broker-3"].find((b) => b !== (done.nodes as string[])[0])!;
    await eventually(async () => (await state0(viewer, topic))?.isr.length === 3, "full ISR after the leader's return", 120_000);
    const logged = new Map<string, number>();
    // The first group of a fresh cluster waits for __consumer_offsets to be created: retry long.
    const c = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 2_000 } }).consumer({ groupId: `lone-${topic}` });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    const admin = kafka.admin();
    await admin.connect();
    const end = Number((await admin.fetchTopicOffsets(topic))[0].high);
    await admin.disconnect();
    await c.run({ eachMessage: async ({ message }) => void logged.set(String(message.value), Number(message.offset)) });
    await eventually(
      async () => {
        const max = Math.max(-1, ...logged.values());
        if (end > 0 && max < end - 1) throw new Error(`read ${logged.size} records, up to offset ${max}`);
        return true;
      },
      `the log read back to offset ${end - 1}`,
      60_000,
    );
    await c.disconnect();
    const lost = [...acked].filter(([v, o]) => logged.get(v) !== o);
    return { done, acked, lost };
  };

  it("lone-leader with unclean election: a stale follower is elected and acknowledged writes are lost", async () => {
    const { done, acked, lost } = await loneLeaderRound("unclean", true);
    expect(done.alone).toEqual(["unclean/0"]);
    expect(Object.keys(done.elected as object)).toEqual(["unclean/0"]);
    expect(acked.size).toBeGreaterThan(0);
    expect(lost.length).toBeGreaterThan(0);
  }, 240_000);

  it("lone-leader without unclean election: the partition waits for its leader, and nothing acknowledged is lost", async () => {
    const { done, acked, lost } = await loneLeaderRound("clean", false);
    expect(done.alone).toEqual(["clean/0"]);
    expect(done.elected).toEqual({});
    expect(acked.size).toBeGreaterThan(0);
    expect(lost).toEqual([]);
  }, 240_000);
});
