// When a run is INVALID, the partitions its anomalies name are dumped from every broker before the
// cluster goes (Kafka's DumpLogSegments, every batch with its producer id, epoch and sequences,
// every record), into nodes/<broker>/segments/<topic>-<partition>.txt of the run directory: what
// a duplicate, a loss or a reordering looked like on disk, kept with the run.
import fs from "node:fs";
import path from "node:path";
import type { Results } from "../checkers/results.ts";
import { parseKey } from "../core/history/op.ts";
import { component } from "../core/log.ts";
import type { StartedCluster } from "../deployments/deployment.ts";

/** At most this many partitions are dumped (the first keys anomalies name, in the checker's order). */
export const MAX_DUMPED_KEYS = 8;

/** The keys ("topic/partition") the anomalies of a result name, first seen first. */
export function anomalousKeys(results: Results, max = MAX_DUMPED_KEYS): string[] {
  const keys = new Set<string>();
  for (const type of results["bad-anomaly-types"]) {
    for (const a of results.anomalies[type] ?? []) if (a.key && /\/\d+$/.test(a.key)) keys.add(a.key);
  }
  return [...keys].slice(0, max);
}

/** Dumps the anomalous partitions from every broker that can; returns the files written. */
export async function dumpAnomalousPartitions(cluster: StartedCluster, results: Results, runDir: string): Promise<string[]> {
  if (results.valid !== false || !cluster.dumpSegments) return [];
  const keys = anomalousKeys(results);
  const brokers = cluster.nodes.filter((n) => n.roles.includes("broker")).map((n) => n.name);
  const logger = component("run");
  const written: string[] = [];
  for (const key of keys) {
    const { topic, partition } = parseKey(key);
    await Promise.all(
      brokers.map(async (b) => {
        try {
          const text = await cluster.dumpSegments!(b, topic, partition);
          const file = path.join(runDir, "nodes", b, "segments", `${topic}-${partition}.txt`);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, text);
          written.push(path.relative(runDir, file));
        } catch (e) {
          logger.warn(`could not dump ${key} on ${b}: ${(e as Error).message}`);
        }
      }),
    );
  }
  if (written.length) logger.info(`dumped the log segments of ${keys.join(", ")} from ${brokers.length} brokers into nodes/<broker>/segments/`);
  return written.sort();
}
