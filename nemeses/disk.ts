// A full disk: a broker's data filesystem (a filesystem of its own, --data-disk-mb) is filled to
// the last byte. Kafka takes a log dir that fails a write offline, and a broker whose every log
// dir is offline shuts down. The stop frees the space and starts the broker again if it stopped.
import { resolveNodes } from "./targets.ts";
import type { DiskControl, Leadership, ProcessControl } from "./capabilities.ts";
import type { FaultFamily } from "./types.ts";

/** Brokers only: only brokers' data sits on a filesystem of its own. */
export const DISK_TARGETS = ["one", "minority", "majority", "all", "leader"] as const;

export function diskFamily(): FaultFamily<DiskControl & ProcessControl & Leadership> {
  const full = new Set<string>();
  return {
    name: "disk",
    targets: DISK_TARGETS,
    needs: ["disk", "process", "leadership"],
    startF: "start-disk",
    stopF: "stop-disk",
    active: () => full.size > 0,
    async start(env, target, rng) {
      const { nodes, why } = await resolveNodes(env, target, rng);
      const filled = [];
      for (const n of nodes) {
        filled.push(await env.cluster.fillDisk(n));
        full.add(n);
      }
      return { target, what: `filled the data disk of ${why}`, nodes, disks: filled };
    },
    async stop(env) {
      const nodes = [...full].sort();
      const restarted: string[] = [];
      for (const n of nodes) {
        await env.cluster.freeDisk(n);
        full.delete(n);
        // A broker whose only log dir failed has shut down: its supervisor holds it down.
        if (await env.cluster.start(n, {}, "disk")) restarted.push(n);
      }
      return { nodes, restarted };
    },
  };
}
