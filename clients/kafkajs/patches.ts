// Runtime workarounds for kafkajs 2.x bugs that the harness trips over under faults. Each is
// small, targeted at one method, and applied once per kafkajs package (the bundled one, or a
// release from the cache), when its first client factory is made.
import { createRequire } from "node:module";
import path from "node:path";

const applied = new Set<string>();

/**
 * Leaked fetchers spin a core. When a consumer is stopped while its fetch manager is rebuilding
 * fetchers (a broker left the cluster: KafkaJSFetcherRebalanceError), the new fetchers keep
 * looping after the runner stopped: `Runner.fetch` returns `[]` at once when not running and the
 * fetcher calls it again, with no await that yields to timers. Seen here with a majority of
 * brokers killed: the harness process at 90% CPU with no progress for minutes. The patch makes a
 * stopped runner's fetch wait a little before returning nothing, so such fetchers idle.
 */
export function applyKafkajsPatches(lib: { version: string; dir: string }): void {
  // 1.x fetches from every broker in one loop (no per-broker fetchers): nothing to patch.
  if (applied.has(lib.dir) || Number(lib.version.split(".")[0]) < 2) return;
  applied.add(lib.dir);
  const Runner = createRequire(path.join(lib.dir, "package.json"))("./src/consumer/runner.js") as { prototype: { fetch: (nodeId: number) => Promise<unknown[]>; running: boolean } };
  const original = Runner.prototype.fetch;
  Runner.prototype.fetch = async function (this: { running: boolean }, nodeId: number) {
    if (!this.running) {
      await new Promise((r) => setTimeout(r, 200));
      return [];
    }
    return original.call(this, nodeId);
  };
}
