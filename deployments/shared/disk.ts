// A full disk on a node whose data dir is a filesystem of its own (options.dataDiskMb: a tmpfs in
// Docker, a memory-backed emptyDir of that size on Kubernetes): a filler file written to the last
// byte, and removed again. Shared by every deployment that runs shell commands in its nodes.
import { KcError } from "../../core/errors.ts";
import { NODE_DATA_DIR } from "./lazyfs.ts";

export const FILLER = `${NODE_DATA_DIR}/kc-disk-filler`;
/** A command that prints `full` while a node's filler is in place (for the leak checks). */
export const DISK_FULL_CHECK = `[ -e ${FILLER} ] && echo full`;

type Shell = (node: string, command: string) => Promise<{ exitCode: number; output: string }>;

export interface DiskFill {
  node: string;
  sizeBytes: number;
  freeBefore: number;
  filler: number;
}

async function shellOk(shell: Shell, node: string, command: string, what: string): Promise<string> {
  const r = await shell(node, command);
  if (r.exitCode !== 0) throw new KcError("KC_DAMAGE_FAILED", `${what} failed: ${r.output.trim().slice(0, 300)}`);
  return r.output;
}

/** Fills the node's data filesystem with a filler file to the last byte (1 MiB blocks, then 4 KiB ones). */
export async function fillDisk(node: string, dataDiskMb: number | undefined, shell: Shell): Promise<DiskFill> {
  if (!dataDiskMb) throw new KcError("KC_NO_DATA_DISK", `${node}'s data is not on a filesystem of its own`, { hint: "the disk nemesis sets --data-disk-mb; give it, e.g. --data-disk-mb 256" });
  const out = await shellOk(shell, node, `df -B1 --output=size,avail ${NODE_DATA_DIR} | tail -1`, `reading ${node}'s free space`);
  const [sizeBytes, freeBefore] = out.trim().split(/\s+/).map(Number);
  // dd stops at ENOSPC (exit 1): that is the point.
  await shell(node, `dd if=/dev/zero of=${FILLER} bs=1M 2>/dev/null; dd if=/dev/zero of=${FILLER}.tail bs=4k 2>/dev/null; sync; true`);
  const filler = Number((await shellOk(shell, node, `du -cb ${FILLER} ${FILLER}.tail | tail -1 | cut -f1`, `sizing the filler on ${node}`)).trim());
  return { node, sizeBytes, freeBefore, filler };
}

/** Removes the node's filler; whether there was one. */
export async function freeDisk(node: string, shell: Shell): Promise<boolean> {
  const r = await shell(node, `[ -e ${FILLER} ] && rm -f ${FILLER} ${FILLER}.tail && echo freed || echo none`);
  return r.output.includes("freed");
}
