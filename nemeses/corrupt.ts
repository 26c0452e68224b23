// Corruption of a stopped broker's log (Jepsen's truncate and bitflip): the leader of a key in use
// is killed (SIGKILL, so its restart recovers the log), the newest segment of that partition's
// replica is cut short or has bits flipped, and the broker stays down until the stop restarts it.
// The op records the file and every byte range changed. A safe cluster repairs a damaged replica
// from the others; damage that reaches acknowledged writes on every replica would lose them.
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import type { Rng } from "../core/rng.ts";
import type { FileControl, FileDamage, Leadership, ProcessControl } from "./capabilities.ts";
import { leaderOfRandomKey } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const CORRUPT_TARGETS = ["truncate", "bitflip"] as const;
/** At most this many bytes are cut (Jepsen cuts a random few hundred). */
const MAX_TRUNCATE = 512;
const MAX_FLIPS = 8;

type Env = NemesisEnv<FileControl & ProcessControl & Leadership>;

async function damage(env: Env, target: string, node: string, topic: string, partition: number, rng: Rng): Promise<FileDamage> {
  const segments = (await env.cluster.segments(node, topic, partition)).filter((s) => s.size > 0);
  const last = segments.at(-1);
  if (!last) throw new KcError("KC_NEMESIS_NO_TARGET", `${node} has no non-empty log segment of ${topic}/${partition}`, { hint: "the partition has had no writes yet" });
  if (target === "truncate") return env.cluster.truncate(node, last.file, 1 + rng.int(Math.min(MAX_TRUNCATE, last.size)));
  const n = 1 + rng.int(MAX_FLIPS);
  const offsets = [...new Set(Array.from({ length: n }, () => rng.int(last.size)))].sort((a, b) => a - b);
  return env.cluster.flipBits(node, last.file, offsets.map((offset) => ({ offset, mask: 1 << rng.int(8) })));
}

export function corruptFamily(): FaultFamily<FileControl & ProcessControl & Leadership> {
  const down = new Set<string>();
  return {
    name: "corrupt",
    targets: CORRUPT_TARGETS,
    needs: ["files", "process", "leadership"],
    startF: "start-corrupt",
    stopF: "stop-corrupt",
    active: () => down.size > 0,
    async start(env, target, rng) {
      const { key, node } = await leaderOfRandomKey(env, rng);
      const { topic, partition } = parseKey(key);
      await env.cluster.kill(node, "corrupt");
      down.add(node);
      const done = await damage(env, target, node, topic, partition, rng);
      const what =
        done.mode === "truncate"
          ? `cut bytes ${done.cut[0]}-${done.cut[1]} off ${done.file} on ${node}, leader of ${key}`
          : `flipped ${done.flips.length} bit(s) in ${done.file} on ${node}, leader of ${key}, at ${done.flips.map((f) => f.offset).join(", ")}`;
      return { target, what, nodes: [node], key, damage: done };
    },
    async stop(env) {
      const nodes = [...down].sort();
      for (const n of nodes) {
        await env.cluster.start(n, {}, "corrupt");
        down.delete(n);
      }
      return { nodes };
    },
  };
}
