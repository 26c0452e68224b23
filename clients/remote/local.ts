// Client hosts on this machine (`--clients-in process`): the workload's clients run in a child
// process of the harness (./host.ts, spoken to over its stdin and stdout as a pod's host is), so a
// client that takes its process down (librdkafka aborts on a failed assertion) costs the ops in
// flight, recorded `info`, and a new host, not the harness and its run.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientHostLauncher } from "./remote.ts";

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "host.ts");

/** One launcher: every process's client shares one host (as they share the harness's process with `host`). */
export function localClientHosts(libraryDir: string): ClientHostLauncher[] {
  return [
    {
      where: "a child process of the harness",
      libraryDir,
      spawn: () => spawn(process.execPath, [HOST], { stdio: ["pipe", "pipe", "pipe"] }) as ChildProcessWithoutNullStreams,
    },
  ];
}
