// The package as a user imports it: `import("kafka-chaos")` in a fresh process works, adds no
// process listeners, leaves nothing running (the process ends by itself), and so does the pure
// checkers entry. Also the spec a library user passes to runTest, and the CLI on an old Node.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSpec } from "../../harness/spec.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const PROBE = `
const events = ["exit", "warning", "SIGINT", "SIGTERM", "beforeExit", "uncaughtException", "unhandledRejection"];
const count = () => events.map((e) => process.listenerCount(e)).join(",");
// stdio handles are created on first touch (some dependency reads isTTY): not the library's doing.
void process.stdout.isTTY;
void process.stderr.isTTY;
const before = count();
const resourcesBefore = process.getActiveResourcesInfo();
const lib = await import("kafka-chaos");
const checkers = await import("kafka-chaos/checkers");
console.log(JSON.stringify({ exports: Object.keys(lib).sort(), check: typeof checkers.check, listeners: before === count(), resources: process.getActiveResourcesInfo().slice(resourcesBefore.length) }));
`;

describe("public API", () => {
  it("import('kafka-chaos') in a fresh process: works, adds no listeners, ends by itself", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.exports).toEqual(expect.arrayContaining(["runTest", "KafkaCluster", "check", "checkOps", "resolveSpec", "KcError", "EXIT"]));
    expect(out.check).toBe("function");
    expect(out.listeners).toBe(true);
    expect(out.resources).toEqual([]);
  });

  it("a spec merges over the defaults; a typo or a wrong type is refused with the field's name", () => {
    const c = resolveSpec({ nemesis: { faults: ["partition"] }, timeLimitSeconds: 20, seed: 7 });
    expect(c).toMatchObject({ seed: 7, timeLimitSeconds: 20, name: "queue-partition", nemesis: { faults: ["partition"], intervalSeconds: 15 }, cluster: { brokers: 3 } });
    expect(resolveSpec({ workload: { name: "txn" } }).workload.txn).toBe(true);
    expect(resolveSpec({ cluster: { brokerConfig: { "min.insync.replicas": "1" } } }).cluster.brokerConfig).toEqual({ "min.insync.replicas": "1" });
    expect(() => resolveSpec({ nemsis: { faults: ["partition"] } } as never)).toThrow(/unknown field nemsis in the test spec/);
    expect(() => resolveSpec({ timeLimitSeconds: "20" } as never)).toThrow(/timeLimitSeconds must be a number/);
    expect(() => resolveSpec({ nemesis: { faults: "partition" } } as never)).toThrow(/nemesis.faults must be a list/);
    expect(() => resolveSpec({ workload: { replicationFactor: 5 } })).toThrow(/--replication-factor 5 exceeds --brokers 3/);
  });

  it("the CLI on a Node that is too old says so in one line (no stack trace), exit 3", () => {
    // Simulated by asking for a newer Node than any: the check is the same code path.
    const r = spawnSync(process.execPath, [path.join(root, "cli", "kafka-chaos.mjs"), "run", "--help"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, KC_NO_SETUP: "1", KC_NEED_NODE: "99.0" },
    });
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/kafka-chaos: Node \d+\.\d+\.\d+ is too old \(kafka-chaos needs >= 99\.0\)\. Run `bash scripts\/setup\.sh`/);
  });
});
