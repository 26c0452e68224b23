// A client host: the process that runs the workload's clients where the brokers are (a pod of
// the run's clients image on Kubernetes), driven by the harness over its stdin and stdout with
// the line protocol of ../line-rpc.ts:
//   {"id":0,"ok":true,"r":{"hostname":...,"node":...}}      greeting
//   {"id":1,"op":"init","spec":{...}}                         load the library (./wire.ts)
//   {"id":2,"op":"open","process":3}                          a client for history process 3
//   {"id":3,"op":"invoke","process":3,"inv":{"f":"send",...}} -> {"id":3,"ok":true,"r":<completion>}
//   {"id":4,"op":"close","process":3}
// The harness keeps the history: it writes each invoke before the request leaves and each
// completion when the answer comes, so a lost host leaves `info` ops, never a gap. An invoke that
// throws answers ok:false, which the harness rethrows (the interpreter records info and replaces
// the client). Logs go to stderr.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import os from "node:os";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { clientsOf } from "../index.ts";
import type { Client, ClientFactory, Invocation } from "../types.ts";
import type { ClientName } from "../settings.ts";
import type { JavaLibrary } from "../java/client.ts";
import { specFromWire } from "./wire.ts";

/**
 * The library in `dir`: an npm package (its exports and package.json's version), or the Java
 * client's jars in libs/ with the sidecar compiled ahead in classes/ (the version is that of the
 * kafka-clients jar there).
 */
function loadLibrary(client: ClientName, dir: string, wanted: string): { module: unknown; version: string } {
  if (client === "java") {
    const jar = fs.readdirSync(path.join(dir, "libs")).find((f) => /^kafka-clients-.+\.jar$/.test(f));
    const version = jar?.replace(/^kafka-clients-|\.jar$/g, "") ?? "none";
    const module: JavaLibrary = { classpath: path.join(dir, "libs", "*"), version: wanted, sidecarClasses: path.join(dir, "classes") };
    return { module, version };
  }
  const require = createRequire(import.meta.url);
  return { module: require(dir), version: (require(`${dir}/package.json`) as { version: string }).version };
}

const out = (m: Record<string, unknown>) => process.stdout.write(JSON.stringify(m) + "\n");

export async function serve(): Promise<void> {
  let factory: ClientFactory | undefined;
  const clients = new Map<number, Client>();
  const handle = async (req: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const process = req.process as number;
    switch (req.op) {
      case "init": {
        const spec = specFromWire(req.spec as Record<string, unknown>);
        const { module, version } = loadLibrary(spec.client, spec.libraryDir, spec.version);
        if (version !== spec.version) throw new Error(`the host found ${spec.client} ${version} at ${spec.libraryDir}, not ${spec.version}`);
        factory = clientsOf({ name: spec.client, version, bundled: false, dir: spec.libraryDir, module }, spec.settings);
        return { version };
      }
      case "open": {
        if (!factory) throw new Error("open before init");
        clients.set(process, await factory.open(process));
        return {};
      }
      case "invoke": {
        const c = clients.get(process);
        if (!c) throw new Error(`no client open for process ${process}`);
        return (await c.invoke(req.inv as Invocation)) as unknown as Record<string, unknown>;
      }
      case "close": {
        const c = clients.get(process);
        clients.delete(process);
        await c?.close();
        return {};
      }
      default:
        throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    }
  };
  out({ id: 0, ok: true, r: { hostname: os.hostname(), node: globalThis.process.version, pid: globalThis.process.pid } });
  const lines = readline.createInterface({ input: globalThis.process.stdin });
  for await (const line of lines) {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(line);
    } catch {
      console.error(`not a request: ${line}`);
      continue;
    }
    handle(req).then(
      (r) => out({ id: req.id, ok: true, r }),
      (e: Error) => out({ id: req.id, ok: false, error: e.name, message: e.message }),
    );
  }
  // The harness closed stdin: close every client, then exit.
  await Promise.allSettled([...clients.values()].map((c) => c.close()));
  globalThis.process.exit(0);
}

if (globalThis.process.argv[1] === fileURLToPath(import.meta.url)) await serve();
