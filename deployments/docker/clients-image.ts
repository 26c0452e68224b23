// The clients image: what a pod needs to run the workload's clients where the brokers are
// (clients/remote/host.ts). The base image, the Node binary that runs the harness, the harness's
// core/ and clients/ sources, the npm packages they load (closure from package-lock.json), and
// the client library in use at /app/lib/client (the Java client: its jars in libs/ and the sidecar
// compiled here into classes/, since the image has a JRE and no compiler). Tagged by a hash of all of it, so a change to
// any source or another library version builds a new image, and an unchanged one is reused.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../core/cache.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { runOk } from "../../core/proc.ts";
import { SIDECAR_SOURCE } from "../../clients/java/sidecar.ts";
import { dockerBuild, ensureBase, imageExists } from "./images.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The harness's folders a client host imports (clients/ imports only core/). */
const SOURCE_DIRS = ["core", "clients"];
/** npm packages the host loads besides the client library: the logger, and kafkajs for the admin client the adapters import. */
const PACKAGES = ["pino", "pino-pretty", "kafkajs"];
/** Where the host finds the client library inside the image (whichever client it is). */
export const IMAGE_LIBRARY_DIR = "/app/lib/client";

const DOCKERFILE = `# The clients image of kafka-chaos (deployments/docker/clients-image.ts).
ARG BASE
FROM \${BASE}
COPY node /usr/local/bin/node
COPY app /app
WORKDIR /app
CMD ["sleep", "infinity"]
`;

/** Source files under `dir`, tests left out, sorted. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => !/\.test\.ts$/.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** The top-level packages `names` need, dependencies included (nested node_modules travel with their parent). */
export function packageClosure(lock: { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> }, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry) throw new KcError("KC_IMAGE_BUILD_FAILED", `package-lock.json has no node_modules/${name}`, { hint: "run npm ci" });
    seen.add(name);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      if (!lock.packages[`node_modules/${name}/node_modules/${dep}`] && lock.packages[`node_modules/${dep}`]) queue.push(dep);
    }
  }
  return [...seen].sort();
}

/** Builds (or finds) the clients image for a client library loaded from `library.dir`. */
export async function ensureClientsImage(library: { name: string; version: string; dir: string }): Promise<string> {
  const logger = component("images");
  const base = await ensureBase();
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const packages = packageClosure(lock, PACKAGES);
  const files: [string, string][] = [];
  for (const d of SOURCE_DIRS) for (const f of sources(path.join(root, d))) files.push([path.join(d, f), path.join(root, d, f)]);
  for (const p of packages) for (const f of sources(path.join(root, "node_modules", p))) files.push([path.join("node_modules", p, f), path.join(root, "node_modules", p, f)]);
  // The Java client: its jars (libs/), and the sidecar compiled here (the image has a JRE only).
  const dir = library.name === "java" ? path.join(library.dir, "libs") : library.dir;
  for (const f of sources(dir)) files.push([path.join("lib", "client", library.name === "java" ? "libs" : "", f), path.join(dir, f)]);
  if (library.name === "java") files.push([path.join("lib", "client", "Sidecar.java"), SIDECAR_SOURCE]);
  files.push(["package.json", path.join(root, "package.json")]);

  const hash = crypto.createHash("sha256");
  hash.update(`${base}\0${process.version}\0${DOCKERFILE}\0`);
  for (const [rel, abs] of files) hash.update(`${rel}\0`).update(fs.readFileSync(abs));
  const tag = `kafka-chaos/clients:${library.name}-${library.version}-${hash.digest("hex").slice(0, 12)}`;
  if (await imageExists(tag)) return tag;

  const started = Date.now();
  const ctx = fs.mkdtempSync(path.join(cacheDir(), "clients-image-"));
  try {
    for (const [rel, abs] of files) {
      fs.mkdirSync(path.dirname(path.join(ctx, "app", rel)), { recursive: true });
      fs.copyFileSync(abs, path.join(ctx, "app", rel));
    }
    fs.copyFileSync(process.execPath, path.join(ctx, "node"));
    if (library.name === "java") {
      const lib = path.join(ctx, "app", "lib", "client");
      await runOk("KC_IMAGE_BUILD_FAILED", "javac", ["--release", "17", "-cp", path.join(lib, "libs", "*"), "-d", path.join(lib, "classes"), SIDECAR_SOURCE], {
        what: "compiling the Java client's sidecar for the clients image",
        hint: "a JDK 17 (javac) is needed: apt-get install openjdk-17-jdk-headless",
      });
    }
    fs.writeFileSync(path.join(ctx, "Dockerfile"), DOCKERFILE);
    logger.info(`building ${tag} (${files.length} files, Node ${process.version})`);
    await dockerBuild(tag, ctx, { BASE: base }, { role: "clients", client: `${library.name}@${library.version}` });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  logger.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}
