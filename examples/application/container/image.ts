// Builds the enricher's image (./Dockerfile) on this machine, on top of the harness's kafkajs
// clients image, tagged by a hash of its files; an unchanged one is reused. And what the
// container examples' tests share: the run, the application, its container statistics.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundledLibrary } from "../../../clients/library.ts";
import { ensureClientsImage } from "../../../deployments/docker/clients-image.ts";
import { dockerBuild, imageExists } from "../../../deployments/docker/images.ts";
import { run } from "../../../core/proc.ts";
import type { TestSpec } from "kafka-chaos";

const here = import.meta.dirname;
const FILES: [string, string][] = [
  ["Dockerfile", path.join(here, "Dockerfile")],
  ["enricher-main.ts", path.join(here, "..", "enricher-main.ts")],
  ["enricher.ts", path.join(here, "..", "enricher.ts")],
  ["enricher-buggy.ts", path.join(here, "..", "enricher-buggy.ts")],
];

export async function enricherImage(): Promise<string> {
  const base = await ensureClientsImage(bundledLibrary("kafkajs"));
  const hash = crypto.createHash("sha256").update(base);
  for (const [name, file] of FILES) hash.update(name).update(fs.readFileSync(file));
  const tag = `kafka-chaos/example-enricher:${hash.digest("hex").slice(0, 12)}`;
  if (await imageExists(tag)) return tag;
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "kc-enricher-"));
  try {
    for (const [name, file] of FILES) fs.copyFileSync(file, path.join(ctx, name));
    await dockerBuild(tag, ctx, { BASE: base }, { role: "example" });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  // Older builds go (a container still using one keeps it).
  const older = (await run("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "kafka-chaos/example-enricher"])).stdout.split("\n").filter((t) => t && t !== tag);
  if (older.length) await run("docker", ["image", "rm", ...older]);
  return tag;
}

export const spec = (name: string, o: Partial<TestSpec> = {}): TestSpec => ({
  name,
  store: fs.mkdtempSync(path.join(os.tmpdir(), "kc-app-")),
  seed: 12,
  cluster: { brokers: 3 },
  producer: { acks: "all", idempotent: true },
  nemesis: { faults: ["kill"], intervalSeconds: 15 },
  timeLimitSeconds: 45,
  ...o,
});

export const app = { input: "orders", output: "enriched", delivery: "at-least-once" as const, partitions: 3, outputPartitions: 4, rate: 30 };

export interface ContainerStats {
  instances: number;
  kills: number;
  crashes: number;
  badLines: number;
}

export const containerStats = (runDir: string): ContainerStats => (JSON.parse(fs.readFileSync(path.join(runDir, "test.json"), "utf8")) as { application: { containerStats: ContainerStats } }).application.containerStats;

