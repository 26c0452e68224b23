// A failed log dir: the disk under one of a broker's log dirs goes bad. Every read, write and
// fsync under it answers EIO (kc-lazyfs fails the subtree); on its next I/O error there Kafka
// takes the dir offline, its replicas go offline on that broker and their leadership moves, and
// the broker serves on from its other dir. Each broker keeps two log dirs (--log-dirs 2, set by
// this nemesis). The stop makes the dirs work again and restarts their brokers, which is how a
// dir comes back in Kafka (an offline dir is not retried).
//   one, minority, all   that many brokers, each with one random log dir failed;
//   leader               the dir holding the leader's replica of a key in use.
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import { leaderOfRandomKey, resolveNodes } from "./targets.ts";
import type { FailedLogDir, Leadership, LogDirControl, ProcessControl } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

export const LOG_DIR_TARGETS = ["one", "minority", "all", "leader"] as const;

export function logDirFamily(): FaultFamily<LogDirControl & ProcessControl & Leadership> {
  const failed = new Set<string>();
  return {
    name: "log-dir",
    targets: LOG_DIR_TARGETS,
    needs: ["log-dirs", "process", "leadership"],
    startF: "start-log-dir",
    stopF: "stop-log-dir",
    active: () => failed.size > 0,
    async start(env, target, rng) {
      const picks: { node: string; dir: string }[] = [];
      let why: string;
      if (target === "leader") {
        const { key, node } = await leaderOfRandomKey(env, rng);
        const { topic, partition } = parseKey(key);
        const dir = await env.cluster.logDirOf(node, topic, partition);
        if (!dir) throw new KcError("KC_NEMESIS_NO_TARGET", `the leader of ${key} (${node}) holds no replica of it in a log dir`);
        picks.push({ node, dir });
        why = `the log dir of ${node} that holds ${key}, which it leads`;
      } else {
        const r = await resolveNodes(env, target, rng);
        for (const node of r.nodes) picks.push({ node, dir: rng.pick(await env.cluster.logDirs(node)) });
        why = `one log dir of ${r.why}`;
      }
      const dirs: FailedLogDir[] = [];
      for (const p of picks) {
        dirs.push(await env.cluster.failLogDir(p.node, p.dir));
        failed.add(p.node);
      }
      return { target, what: `failed ${why}: ${dirs.map((d) => `${d.node}:${d.dir} (${d.partitions.length} replicas)`).join(", ")}`, nodes: picks.map((p) => p.node), dirs };
    },
    async stop(env) {
      const nodes = [...failed].sort();
      const healed: Record<string, string[]> = {};
      for (const n of nodes) {
        healed[n] = await env.cluster.healLogDirs(n);
        // An offline dir stays offline in Kafka until the broker restarts.
        await env.cluster.kill(n, "log-dir");
        await env.cluster.start(n, {}, "log-dir");
        failed.delete(n);
      }
      return { what: nodes.length ? "healed the failed log dirs and restarted their brokers" : "no log dir had failed", nodes, healed };
    },
  };
}
