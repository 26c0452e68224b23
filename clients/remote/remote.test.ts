// Clients in a client host (another process, as in a pod): the protocol end to end with a real
// host process on this machine (no broker: the op's outcome is an error the adapter sorted), the
// spec's round trip, and a host that dies.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { keySpace } from "../keys.ts";
import type { ConfluentSettings } from "../confluent/client.ts";
import { remoteClients, type ClientHostLauncher, type HostInfo } from "./remote.ts";
import { specFromWire, specToWire } from "./wire.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const kafkajsDir = path.join(root, "node_modules", "kafkajs");
const kafkajsVersion = (await import(path.join(kafkajsDir, "package.json"), { with: { type: "json" } })).default.version as string;

const settings = (): ConfluentSettings => ({
  // Nothing listens on port 1: every request fails fast.
  bootstrap: ["127.0.0.1:1"],
  producer: { acks: "all", idempotent: false, retries: 0, requestTimeoutMs: 1000 } as ConfluentSettings["producer"],
  consumer: { isolation: "read_uncommitted", mode: "assign", pollMs: 200 } as ConfluentSettings["consumer"],
  txn: false,
  keySpace: keySpace({ topics: 1, partitions: 2, replicationFactor: 1 }),
  tag: "remote-test",
  concurrency: 1,
});

const local = (command: string[] = [process.execPath, path.join(here, "host.ts")]): ClientHostLauncher => ({
  where: "a local process",
  libraryDir: kafkajsDir,
  spawn: () => spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "pipe"] }) as ChildProcessWithoutNullStreams,
});

describe("remote clients", () => {
  it("carries the settings through JSON, the key space's map included", () => {
    const spec = { client: "kafkajs" as const, version: "2.2.4", libraryDir: "/app/lib/client", settings: settings() };
    const back = specFromWire(JSON.parse(JSON.stringify(specToWire(spec))));
    expect(back.settings.keySpace.partitionsOf).toEqual(spec.settings.keySpace.partitionsOf);
    expect(back).toEqual(spec);
  });

  it("runs a client in the host: it says where it runs, and an op completes with the adapter's own sorting of the error", async () => {
    const hosts: HostInfo[] = [];
    const factory = remoteClients({ client: "kafkajs", version: kafkajsVersion, libraryDir: kafkajsDir, settings: settings() }, [local()], (h) => hosts.push(h));
    const client = await factory.open(0);
    expect(hosts).toHaveLength(1);
    expect(hosts[0].version).toBe(kafkajsVersion);
    expect(hosts[0].node).toBe(process.version);
    const done = await client.invoke({ f: "send", value: [["send", "t0/0", 1]] }).catch((e: Error) => e);
    // Either a completion the adapter classified (no broker: not ok), or a thrown error the interpreter records as info.
    if (done instanceof Error) expect(done.message).not.toBe("");
    else expect(done.type).not.toBe("ok");
    await client.close();
  }, 60_000);

  it("spreads processes over the hosts, process p to host p mod n", async () => {
    const hosts: HostInfo[] = [];
    const spawned: string[] = [];
    const launcher = (name: string): ClientHostLauncher => ({ ...local(), where: name, spawn: () => (spawned.push(name), local().spawn()) });
    const factory = remoteClients({ client: "kafkajs", version: kafkajsVersion, libraryDir: kafkajsDir, settings: settings() }, [launcher("a"), launcher("b")], (h) => hosts.push(h));
    const clients = await Promise.all([0, 1, 2, 3].map((p) => factory.open(p)));
    expect(spawned).toEqual(["a", "b"]);
    expect(hosts).toHaveLength(2);
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);

  it("refuses a library version the host does not have, naming both", async () => {
    const factory = remoteClients({ client: "kafkajs", version: "0.0.1", libraryDir: kafkajsDir, settings: settings() }, [local()]);
    await expect(factory.open(0)).rejects.toThrow(`not 0.0.1`);
  }, 30_000);

  it("fails every op with KC_CLIENT_HOST when the host process dies, and starts a new host on the next open", async () => {
    const dead = remoteClients({ client: "kafkajs", version: kafkajsVersion, libraryDir: kafkajsDir, settings: settings() }, [local([process.execPath, "-e", "process.exit(3)"])]);
    await expect(dead.open(0)).rejects.toMatchObject({ code: "KC_CLIENT_HOST", message: expect.stringContaining("exited (code 3)") });
    await expect(dead.open(1)).rejects.toMatchObject({ code: "KC_CLIENT_HOST" });
  }, 30_000);

  it("says how a host that aborts died, with its last output, in the error every op in flight gets", async () => {
    // A host that comes up, then aborts on the first open, as librdkafka does on a failed assertion.
    const script = `console.log(JSON.stringify({ id: 0, ok: true, r: { hostname: "h", node: process.version } }));
      require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
        const m = JSON.parse(l);
        if (m.op === "init") return console.log(JSON.stringify({ id: m.id, ok: true, r: { version: "1" } }));
        console.error("first line"); console.error("node: rd.c:1: f: Assertion failed."); process.abort();
      });`;
    const aborting = remoteClients({ client: "kafkajs", version: "1", libraryDir: kafkajsDir, settings: settings() }, [local([process.execPath, "-e", script])]);
    await expect(aborting.open(0)).rejects.toMatchObject({ code: "KC_CLIENT_HOST", message: "client host exited (SIGABRT): first line | node: rd.c:1: f: Assertion failed." });
  }, 30_000);
});
