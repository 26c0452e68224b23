// The power-loss layer on a node: kc-lazyfs (docker/lazyfs/, a FUSE filesystem in Go) serves the
// node's data dir from a backing dir beside it and keeps every write in memory until it is
// fsynced. A power cut (`off`) drops what was never synced and discards what the dying process
// still writes back; `on` lets the next start read only what the backing holds.
//
// The binary is built here once from the repository's source (a static Go binary, cached by a
// hash of its source) and bind-mounted into the nodes, so it works with any node image, the
// user's own (--kafka-image) included. The supervisor sources mount.sh before the product's
// prestart, so the product formats and runs on the layer without knowing of it.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../core/cache.ts";
import type { PowerCut } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { commandExists, runOk } from "../../core/proc.ts";
import { SUPERVISOR_HOLD as HOLD, SUPERVISOR_PID as PID } from "../../products/supervisor.ts";

const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docker/lazyfs");

/** Where the binary sits in a node, the directory it keeps durable data in, and its control socket. */
export const LAZYFS_BIN = "/opt/kc/kc-lazyfs";
export const LAZYFS_BACKING = "/var/lib/kc/durable";
export const LAZYFS_SOCKET = "/var/lib/kc/lazyfs.sock";
/** The data dir every product's nodes use (log.dirs, ZooKeeper's dataDir, tansu's database). */
export const NODE_DATA_DIR = "/var/lib/kc/data";
/** The file the supervisor sources before the product's prestart (products/supervisor.ts). */
export const MOUNT_SCRIPT = "mount.sh";

/** mount.sh: starts kc-lazyfs on the data dir and waits until the mount is live. */
export const lazyfsMountScript = (): string => `# kafka-chaos: the data dir on kc-lazyfs (a power cut loses what was never fsynced)
mkdir -p ${LAZYFS_BACKING} ${NODE_DATA_DIR}
${LAZYFS_BIN} serve --backing ${LAZYFS_BACKING} --mount ${NODE_DATA_DIR} --control ${LAZYFS_SOCKET} > /var/lib/kc/lazyfs.log 2>&1 &
i=0
until grep -q "kc-lazyfs: mounted" /var/lib/kc/lazyfs.log 2>/dev/null; do
  i=$((i+1))
  if [ $i -gt 200 ]; then echo "kafka-chaos: kc-lazyfs did not mount on ${NODE_DATA_DIR}:"; cat /var/lib/kc/lazyfs.log; break; fi
  sleep 0.05
done
echo "kafka-chaos: data dir on kc-lazyfs"
`;

const ctl = (cmd: string) => `${LAZYFS_BIN} ctl --control ${LAZYFS_SOCKET} ${cmd}`;

/**
 * One shell command that cuts the power: the process is frozen (SIGSTOP) first, so that it cannot
 * acknowledge anything once its writes are lost; then `off` (the unsynced writes are gone from
 * that instant, and what the dying process still writes back is discarded), the supervisor's hold
 * and SIGKILL. Without the freeze a broker went on for the few milliseconds until the kill, its
 * fsyncs discarded, and acknowledged writes that a real power cut could not have acknowledged.
 * Prints off's JSON reply; when `off` fails, the process is thawed and nothing else is done.
 */
export const powerCutCommand = (): string =>
  `p=$(cat ${PID} 2>/dev/null); sig() { [ -n "$p" ] && { kill -$1 -$p 2>/dev/null || kill -$1 $p 2>/dev/null; }; }; ` +
  `sig STOP; r=$(${ctl("off")}) || { sig CONT; echo "$r"; exit 1; }; touch ${HOLD}; sig KILL; echo "$r"`;

/** After the process exited: power back on (kernel caches dropped, writes accepted again). */
export const powerOnCommand = (): string => ctl("on");

/** Fails a dir of the mount (relative to the data dir): every I/O under it answers EIO. */
export const failDirCommand = (relDir: string): string => ctl(`fail '${relDir.replace(/'/g, "")}'`);
/** Makes every failed dir work again. */
export const healDirsCommand = (): string => ctl("heal");
/** The mount's state: which dirs fail (`failed`), among others. */
export const lazyfsStatsCommand = (): string => ctl("stats");

/** The `failed` list of a fail, heal or stats reply. */
export function parseFailedDirs(node: string, output: string): string[] {
  const line = output.split("\n").find((l) => l.trim().startsWith("{"));
  let r: { ok?: boolean; failed?: string[]; error?: string } | undefined;
  try {
    r = line ? JSON.parse(line) : undefined;
  } catch {
    r = undefined;
  }
  if (!r?.ok) {
    throw new KcError("KC_LOG_DIR_FAILED", `kc-lazyfs on ${node} refused: ${r?.error ?? output.trim().slice(0, 300)}`, { hint: "its data dir must be on kc-lazyfs (the log-dir nemesis sets --lazyfs); see nodes/<node>/container.log" });
  }
  return r.failed ?? [];
}

/** Reads kc-lazyfs's reply to `off`. */
export function parsePowerCut(node: string, output: string): PowerCut {
  const line = output.split("\n").find((l) => l.trim().startsWith("{"));
  let r: { ok?: boolean; files?: number; droppedBytes?: number; dropped?: PowerCut["dropped"]; error?: string } | undefined;
  try {
    r = line ? JSON.parse(line) : undefined;
  } catch {
    r = undefined;
  }
  if (!r?.ok) {
    throw new KcError("KC_POWER_FAILED", `could not cut ${node}'s power: ${r?.error ?? output.trim().slice(0, 300)}`, {
      hint: "its data dir must be on kc-lazyfs (--lazyfs, set by the power nemesis); see nodes/<node>/container.log",
    });
  }
  return { node, files: r.files ?? 0, droppedBytes: r.droppedBytes ?? 0, dropped: r.dropped ?? [] };
}

/** Builds kc-lazyfs (static, no cgo) from docker/lazyfs into the cache, once per source; returns the binary's path. */
export async function buildLazyfs(): Promise<string> {
  const hash = crypto.createHash("sha256");
  for (const f of fs.readdirSync(source).filter((f) => /\.(go|mod|sum)$/.test(f) && !f.endsWith("_test.go")).sort()) {
    hash.update(f).update(fs.readFileSync(path.join(source, f)));
  }
  const dir = path.join(cacheDir(), "lazyfs", hash.digest("hex").slice(0, 16));
  const bin = path.join(dir, "kc-lazyfs");
  if (fs.existsSync(bin)) return bin;
  if (!(await commandExists("go"))) {
    throw new KcError("KC_NO_GO", "Go (>= 1.23) is needed once to build kc-lazyfs, the power-loss layer (docker/lazyfs)", { hint: "install Go from go.dev, or drop the power nemesis and --lazyfs" });
  }
  fs.mkdirSync(dir, { recursive: true });
  component("images").info("building kc-lazyfs (docker/lazyfs) with Go");
  await runOk("KC_GO_BUILD_FAILED", "go", ["build", "-trimpath", "-ldflags=-s -w", "-o", `${bin}.tmp`, "."], {
    cwd: source,
    env: { ...process.env, CGO_ENABLED: "0" },
    what: "go build of kc-lazyfs",
    hint: "it needs the Go module proxy once for github.com/hanwen/go-fuse/v2",
  });
  fs.renameSync(`${bin}.tmp`, bin);
  return bin;
}

/**
 * A power cut through a node's supervisor (Docker and Kubernetes alike): refused when the node's
 * data dir is not on the layer; else the cut (SIGKILL, unsynced writes dropped), held down by
 * `owner`, then power back on for the next start. `powerOn` runs a command in the node and fails
 * with KC_POWER_FAILED.
 */
export async function cutPower(node: string, owner: string, onLayer: boolean, killWith: (node: string, owner: string, command: string, code: string) => Promise<string>, powerOn: (node: string, command: string) => Promise<unknown>): Promise<PowerCut> {
  if (!onLayer) {
    throw new KcError("KC_NO_LAZYFS", `${node}'s data dir is not on kc-lazyfs, so a power cut would lose nothing`, { hint: "the power nemesis sets --lazyfs; give it to start the cluster on the layer" });
  }
  const cut = parsePowerCut(node, await killWith(node, owner, powerCutCommand(), "KC_POWER_FAILED"));
  await powerOn(node, powerOnCommand());
  return cut;
}
