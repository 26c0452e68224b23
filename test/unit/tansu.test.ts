// tansu as a broker product: its nodes and files, the flags that choose it, what it refuses, and
// the nemesis targets it lacks. The real cluster is in test/integration/tansu.test.ts.
import { describe, expect, it } from "vitest";
import { parseRunFlags, validateConfig } from "../../harness/config.ts";
import { buildFamilies } from "../../nemeses/index.ts";
import { brokerProduct, parseProductSpec } from "../../products/index.ts";
import { storageUrl, tansu, tansuFiles, tansuNodes, TANSU_READY } from "../../products/tansu/index.ts";
import { schemaScript, TANSU_PG_SCHEMA } from "../../products/tansu/schema.ts";
import { errorOf } from "./support.ts";


describe("tansu product", () => {
  const o = { version: "0.6.0", brokers: 3, storage: "postgres" as const };

  it("PostgreSQL starts first, then brokers that share it", () => {
    expect(tansuNodes(o).map((n) => `${n.name}:${n.roles.join("+")}`)).toEqual(["storage-1:storage", "broker-1:broker", "broker-2:broker", "broker-3:broker"]);
    expect(tansu(o).startWaves().map((w) => w.map((n) => n.name))).toEqual([["storage-1"], ["broker-1", "broker-2", "broker-3"]]);
    expect(tansuNodes({ ...o, brokers: 1, storage: "sqlite" }).map((n) => n.name)).toEqual(["broker-1"]);
  });

  it("brokers advertise their proxy, share one cluster id and one database, and wait for it", () => {
    const [, b2] = tansuNodes(o).slice(1);
    const env = tansuFiles(o, b2, "kc-abc", 40002)["node.env"];
    expect(env).toContain("--advertised-listener-url tcp://127.0.0.1:40002");
    expect(env).toContain("--cluster-id kc-abc");
    expect(env).toContain(`--storage-engine '${storageUrl(o)}'`);
    expect(storageUrl(o)).toBe("postgres://tansu@storage-1:5432/postgres?sslmode=disable");
    expect(env).toMatch(/until bash -c '<\/dev\/tcp\/storage-1\/5432'.*exec \/usr\/local\/bin\/tansu broker/);
    expect(tansuFiles({ ...o, brokers: 1, storage: "memory" }, b2, "x", 1)["node.env"]).not.toContain("storage-1");
  });

  it("the storage node loads the schema once, in single-user mode, as a user that is not root", () => {
    const files = tansuFiles(o, tansuNodes(o)[0], "kc-abc");
    expect(files["prestart.sh"]).toContain("if [ ! -s /var/lib/kc/data/pg/PG_VERSION ]");
    expect(files["prestart.sh"]).toContain("postgres --single -j");
    expect(files["node.env"]).toContain("exec setsid setpriv --reuid=kc");
    expect(files["schema.sql"]).toBe(schemaScript());
    // single-user mode ends a statement at ";" and a blank line: none may hide one inside.
    for (const s of TANSU_PG_SCHEMA) expect(s).not.toMatch(/;\s*\n\s*\n/);
    expect(schemaScript().split(";\n\n").filter(Boolean)).toHaveLength(TANSU_PG_SCHEMA.length);
  });

  it("the schema has what the engine's statements need", () => {
    const ddl = TANSU_PG_SCHEMA.join("\n");
    for (const table of ["cluster", "topic", "topition", "watermark", "record", "header", "consumer_group", "consumer_group_detail", "consumer_offset", "producer", "producer_epoch", "producer_detail", "txn", "txn_detail"]) {
      expect(ddl).toContain(`create table if not exists ${table} (`);
    }
    expect(ddl).toContain("transaction_id xid8 default pg_current_xact_id() not null");
    expect(ddl).toContain("unique (consumer_group, topition)");
  });

  it("ready lines: tansu's and PostgreSQL's", () => {
    expect(TANSU_READY.test("ready in 12ms")).toBe(true);
    expect(TANSU_READY.test("2026-12-02 07:00:00.000 UTC [1] LOG:  database system is ready to accept connections")).toBe(true);
    expect(TANSU_READY.test("kafka-chaos: starting tansu 0.6.0 broker (postgres)")).toBe(false);
  });
});

describe("choosing tansu", () => {
  it("--product tansu[@V] and --storage, in either order", () => {
    expect(parseRunFlags(["--product", "tansu"]).config.product).toEqual({ name: "tansu", version: "0.6.0", storage: "postgres" });
    expect(parseRunFlags(["--storage", "sqlite", "--product", "tansu@0.6.0"]).config.product).toEqual({ name: "tansu", version: "0.6.0", storage: "sqlite" });
    expect(parseRunFlags(["--product", "kafka"]).config.product).toBeUndefined();
    expect(errorOf(() => parseRunFlags(["--product", "tansu@0.5.0"])).message).toContain("tansu 0.5.0 is not a release");
    expect(errorOf(() => parseRunFlags(["--product", "redpanda"])).hint).toContain("tansu[@VERSION]");
    expect(errorOf(() => parseRunFlags(["--storage", "memory", "--product", "kafka"])).message).toContain("--storage is tansu's");
  });

  it("refuses what tansu cannot do, saying why and what to do", () => {
    const refused = (args: string[]) => errorOf(() => validateConfig(parseRunFlags(["--product", "tansu", ...args]).config));
    expect(refused(["--workload", "txn"]).message).toContain("EndTxn is not implemented");
    expect(refused(["--upgrade-to", "4.1.1"]).hint).toBe("drop --upgrade-to");
    expect(refused(["--idempotent"]).message).toContain("InitProducerId reaches an unimplemented branch");
    expect(refused(["--nemesis", "disk"]).hint).toBe("drop disk from --nemesis");
    expect(refused(["--nemesis", "peer-link"]).message).toContain("tansu's brokers have none to each other");
    expect(() => validateConfig(parseRunFlags(["--product", "tansu", "--idempotent", "--client", "java"]).config)).not.toThrow();
    expect(refused(["--storage", "sqlite"]).hint).toContain("--brokers 1");
    expect(() => validateConfig(parseRunFlags(["--product", "tansu", "--storage", "sqlite", "--brokers", "1", "--replication-factor", "1"]).config)).not.toThrow();
  });

  it("nemesis targets tansu lacks are left out of the defaults and refused when asked for", () => {
    const product = brokerProduct({ mode: "zookeeper", kafkaVersion: "3.9.1", brokers: 3, zookeepers: 3, controllers: 3, combined: false, brokerConfig: {}, javaOpts: "" }, parseProductSpec("tansu"));
    const o = { unsupportedTargets: product.unsupportedTargets, product: product.description };
    const [kill, partition] = buildFamilies(["kill", "partition"], [], undefined, o);
    expect(kill.targets).toEqual(["one", "minority", "majority", "all", "quorum"]);
    expect(partition.targets).toEqual(["one", "halves", "minority-third", "majorities-ring", "bridge", "quorum"]);
    expect(errorOf(() => buildFamilies(["kill"], ["leader"], undefined, o)).message).toContain("every tansu broker leads every partition");
    expect(errorOf(() => buildFamilies(["lone-leader"], [], undefined, o)).message).toContain("the lone-leader nemesis has no target on tansu");
  });
});
