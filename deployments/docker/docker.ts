// The one place that talks to the Docker engine (dockerode). Every container and network created
// here carries the project label and the run's label; cleanup only ever removes labelled things.
import os from "node:os";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { LABEL } from "./images.ts";
import type { LogFollower } from "../log-follower.ts";

export const RUN_LABEL = `${LABEL}.run`;
/** `<hostname>:<pid>` of the harness process that owns a run, to tell live runs from leftovers. */
export const OWNER_LABEL = `${LABEL}.owner`;
const OWNER = `${os.hostname()}:${process.pid}`;

let client: Docker | undefined;
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

/** Fails with an actionable error when no engine answers. */
export async function assertDockerRunning(): Promise<void> {
  try {
    await docker().ping();
  } catch (err) {
    throw new KcError("KC_DOCKER_UNAVAILABLE", `no Docker engine answers (${(err as Error).message})`, {
      hint: "start Docker (e.g. `bash scripts/install-docker.sh` on Debian, or Docker Desktop), or set DOCKER_HOST",
      cause: err,
    });
  }
}

export const runLabels = (runId: string, extra: Record<string, string> = {}): Record<string, string> => ({
  [LABEL]: "1",
  [RUN_LABEL]: runId,
  [OWNER_LABEL]: OWNER,
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${LABEL}.${k}`, v])),
});

export async function createNetwork(name: string, runId: string): Promise<Docker.Network> {
  return docker().createNetwork({ Name: name, Driver: "bridge", CheckDuplicate: true, Labels: runLabels(runId) });
}

export interface ContainerSpec {
  name: string;
  image: string;
  runId: string;
  network: string;
  /** DNS name of the container on the run's network. */
  alias: string;
  cmd?: string[];
  env?: Record<string, string>;
  /** container port → published on 127.0.0.1 at a random host port. */
  publish?: number[];
  binds?: string[];
  capAdd?: string[];
  /** Host devices the container gets (e.g. /dev/fuse). */
  devices?: string[];
  /** e.g. apparmor=unconfined (a FUSE mount inside the container). */
  securityOpt?: string[];
  /** path → tmpfs options (e.g. size=256m): a filesystem of its own, of a fixed size. */
  tmpfs?: Record<string, string>;
  labels?: Record<string, string>;
}

export async function createContainer(spec: ContainerSpec): Promise<Docker.Container> {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.publish ?? []) {
    exposed[`${p}/tcp`] = {};
    bindings[`${p}/tcp`] = [{ HostIp: "127.0.0.1", HostPort: "" }];
  }
  try {
    return await docker().createContainer({
      name: spec.name,
      Hostname: spec.alias,
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: runLabels(spec.runId, spec.labels),
      ExposedPorts: exposed,
      HostConfig: {
        NetworkMode: spec.network,
        PortBindings: bindings,
        Binds: spec.binds,
        CapAdd: spec.capAdd,
        Devices: spec.devices?.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
        SecurityOpt: spec.securityOpt,
        Tmpfs: spec.tmpfs,
        Init: false,
      },
      NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [spec.alias] } } },
    });
  } catch (err) {
    const msg = (err as Error).message;
    if (/No such image/i.test(msg)) {
      throw new KcError("KC_IMAGE_MISSING", `image ${spec.image} is not present`, { hint: "run `npm run images`, or check --kafka-image/--toxiproxy-image", cause: err });
    }
    throw err;
  }
}

/** Host port (on 127.0.0.1) that Docker published for a container port. */
export async function publishedPort(container: Docker.Container, port: number): Promise<number> {
  const info = await container.inspect();
  const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
  if (!binding) throw new KcError("KC_PORT_NOT_PUBLISHED", `container ${info.Name} has no published port for ${port}`);
  return Number(binding.HostPort);
}

export async function containerIp(container: Docker.Container, network: string): Promise<string> {
  const info = await container.inspect();
  return info.NetworkSettings.Networks[network]?.IPAddress ?? "";
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** Runs a command inside a running container and returns its exit code and output. */
export async function exec(container: Docker.Container, cmd: string[]): Promise<ExecResult> {
  const e = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  let output = "";
  out.on("data", (c: Buffer) => (output += c.toString("utf8")));
  docker().modem.demuxStream(stream, out, out);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  const info = await e.inspect();
  return { exitCode: info.ExitCode ?? -1, output };
}

/** Follows a container's stdout/stderr (demultiplexed) into a LogFollower. */
export async function followContainer(log: LogFollower, container: Docker.Container): Promise<void> {
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
  const sink = new PassThrough();
  docker().modem.demuxStream(stream, sink, sink);
  stream.on("error", () => undefined);
  log.attach(sink, stream);
}

/**
 * Removes containers and networks that carry the project label (and, when given, this run's
 * label). Nothing without the label is touched. Returns what was removed.
 */
export async function removeLabelled(runId?: string): Promise<{ containers: number; networks: number }> {
  const filter = { label: [runId ? `${RUN_LABEL}=${runId}` : `${LABEL}=1`] };
  const d = docker();
  const containers = await d.listContainers({ all: true, filters: filter });
  await Promise.all(
    containers.map(async (c) => {
      const ct = d.getContainer(c.Id);
      if (c.State === "paused") await ct.unpause().catch(() => undefined);
      await ct.remove({ force: true, v: true }).catch(() => undefined);
    }),
  );
  const networks = await d.listNetworks({ filters: filter });
  await Promise.all(
    networks.map((n) =>
      d
        .getNetwork(n.Id)
        .remove()
        // Seen with Docker 20.10: a network whose containers are all gone still "has active
        // endpoints" in the engine's memory, until the engine restarts. Say so; nothing else is ours to do.
        .catch((e: Error) => component("docker").warn(`could not remove network ${n.Name}: ${e.message.split("\n")[0]} (remove it with \`docker network rm ${n.Name}\` once the engine lets it go)`)),
    ),
  );
  const volumes = await d.listVolumes({ filters: filter });
  await Promise.all((volumes.Volumes ?? []).map((v) => d.getVolume(v.Name).remove().catch(() => undefined)));
  return { containers: containers.length, networks: networks.length };
}

/** Is the harness process that labelled a resource gone (so the resource is a leftover)? */
export function ownerIsGone(owner: string | undefined): boolean {
  if (!owner) return true;
  const [host, pid] = owner.split(":");
  if (host !== os.hostname()) return false; // another machine's engine user: never ours to judge
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Runs with labelled resources still here, with whether their owner process is gone. */
export async function labelledRuns(): Promise<{ run: string; gone: boolean }[]> {
  const cs = await docker().listContainers({ all: true, filters: { label: [`${LABEL}=1`] } });
  const ns = await docker().listNetworks({ filters: { label: [`${LABEL}=1`] } });
  const runs = new Map<string, boolean>();
  for (const r of [...cs.map((c) => c.Labels), ...ns.map((n) => n.Labels ?? {})]) {
    const run = r[RUN_LABEL];
    if (run) runs.set(run, (runs.get(run) ?? true) && ownerIsGone(r[OWNER_LABEL]));
  }
  return [...runs].map(([run, gone]) => ({ run, gone }));
}

/** Removes what crashed runs left behind (runs whose harness process is gone); returns their ids. */
export async function removeLeftovers(): Promise<string[]> {
  const gone = (await labelledRuns()).filter((r) => r.gone).map((r) => r.run);
  for (const run of gone) await removeLabelled(run);
  return gone;
}
