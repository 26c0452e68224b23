// `npm run bench:clock [-- --rounds N] [-- --mode zookeeper|kraft] [-- --jvm-only]`: what the clock layer costs.
//  1. The same Docker cluster with every node's processes reading the real clock and reading it
//     through kc-clock (LD_PRELOAD, at zero offset), alternating in one run
//     (benchmarks/layer-cost.ts): ready time and produce throughput, clock / plain as ratios.
//  2. One read of the clock in a JVM of the node image (benchmarks/clock/ClockBench.java), with
//     and without the layer, alternating in one container: ns per call, as ratios. The layer's
//     cost is there; (1) shows whether a cluster notices it. The goal is a ratio within 1.2.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runOk } from "../core/proc.ts";
import { buildClockLib, CLOCK_LIB, ClockFile, CLOCK_DIR, clockEnv } from "../deployments/shared/clock.ts";
import { createContainer, createNetwork, exec, removeLabelled } from "../deployments/docker/docker.ts";
import { ensureImages } from "../deployments/docker/images.ts";
import { compareLayer } from "./layer-cost.ts";

// --jvm-only: part 2 alone.
if (!process.argv.includes("--jvm-only")) await compareLayer("clock", (b) => b.withClockLayer());

const rounds = Math.max(1, Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-clockbench-"));
await runOk("KC_BENCH_FAILED", "javac", ["--release", "17", "-d", dir, path.join(import.meta.dirname, "clock", "ClockBench.java")], { what: "javac of ClockBench.java" });
const lib = await buildClockLib();
new ClockFile(path.join(dir, "clock", "state")).create();
const runId = `bench-clock-${Date.now().toString(36)}`;
const images = await ensureImages({ kafkaVersion: "3.9.1" });
try {
  await createNetwork(`kc-${runId}`, runId);
  const c = await createContainer({
    name: `kc-${runId}`,
    image: images.kafka,
    runId,
    network: `kc-${runId}`,
    alias: "bench",
    cmd: ["sleep", "infinity"],
    binds: [`${dir}:/b:ro`, `${lib}:${CLOCK_LIB}:ro`, `${path.join(dir, "clock")}:${CLOCK_DIR}:ro`],
  });
  await c.start();
  const env = Object.entries(clockEnv()).map(([k, v]) => `${k}=${v}`).join(" ");
  const calls: Record<string, Record<string, number>[]> = { plain: [], clock: [] };
  for (let r = 0; r < rounds; r++) {
    for (const d of ["plain", "clock"] as const) {
      const out = (await exec(c, ["sh", "-c", `${d === "clock" ? `env ${env} ` : "env -u LD_PRELOAD "}java -Xshare:auto -cp /b ClockBench`])).output;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) throw new Error(`ClockBench printed no result: ${out}`);
      calls[d].push(JSON.parse(line));
      console.log(`jvm round ${r + 1} ${d}: ${line}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\nJVM in ${images.kafka}, ${rounds} rounds each, medians, ns per call      plain   clock   clock/plain`);
  for (const k of ["currentTimeMillis", "nanoTime", "instantNow"]) {
    const a = median(calls.plain.map((x) => x[k]));
    const b = median(calls.clock.map((x) => x[k]));
    console.log(`${`System.${k === "instantNow" ? "Instant.now()" : `${k}()`}`.padEnd(54)} ${a.toFixed(1).padStart(7)} ${b.toFixed(1).padStart(7)} ${(b / a).toFixed(2).padStart(13)}`);
  }
} finally {
  await removeLabelled(runId);
  fs.rmSync(dir, { recursive: true, force: true });
}
