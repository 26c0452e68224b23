// The clients image: what a pod needs to run the workload's clients where the brokers are
// (clients/remote/host.ts). The base image, the Node binary that runs the harness, the harness's
// core/ and clients/ sources, the npm packages they load (closure from package-lock.json), and
// the client library in use at /app/lib/client (the Java client: its jars in libs/ and the sidecar
// compiled here into classes/, since the image has a JRE and no compiler). Tagged by a hash of all of it, so a change to
// any source or another library version builds a new image (and removes the older one of that
// library), and an unchanged one is reused.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../core/cache.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { run, runOk } from "../../core/proc.ts";
import { SIDECAR_SOURCE } from "../../clients/java/sidecar.ts";
import { dockerBuild, ensureBase, imageExists, LABEL } from "./images.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * The harness's folders a client host imports (clients/ imports only core/), and the recording
 * layer an application container imports ("kafka-chaos/recorder": the image is a base for one).
 */
const SOURCE_DIRS = ["core", "clients", "workloads/application"];
/** npm packages the host loads besides the client library: the logger, and kafkajs for the admin client the adapters import. */
const PACKAGES = ["pino", "pino-pretty", "kafkajs"];
/** Where the host finds the client library inside the image (whichever client it is). */
export const IMAGE_LIBRARY_DIR = "/app/lib/client";

const DOCKERFILE = `# The clients image of kafka-chaos (deployments/docker/clients-image.ts).
ARG BASE
FROM \${BASE}
COPY node /usr/local/bin/node
COPY app /app
ENV LD_LIBRARY_PATH=/app/native
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

/** Libraries of the C runtime that every image has: never copied. */
const SYSTEM_LIBS = /^(libc|libm|libdl|librt|libpthread|libresolv|ld-linux[^.]*|libgcc_s|libstdc\+\+)\.so/;

/**
 * Where the client library goes in the image, as [path in app/, file here] pairs:
 *   kafkajs    the package at lib/client;
 *   java       kafka-clients' jars at lib/client/libs (the sidecar is compiled there later);
 *   confluent  the package at node_modules/@confluentinc/kafka-javascript (its own modules
 *              require it by name) with lib/client a link to it, without its sources and
 *              objects, plus `bindings` and the shared libraries librdkafka was linked against
 *              here (native/, on LD_LIBRARY_PATH), which the base image lacks.
 */
async function libraryLayout(library: { name: string; dir: string }): Promise<{ files: [string, string][]; link?: string }> {
  const under = (rel: string, dir: string, keep: (f: string) => boolean = () => true): [string, string][] => sources(dir).filter(keep).map((f) => [path.join(rel, f), path.join(dir, f)]);
  if (library.name === "java") return { files: [...under("lib/client/libs", path.join(library.dir, "libs")), ["lib/client/Sidecar.java", SIDECAR_SOURCE]] };
  if (library.name !== "confluent") return { files: under("lib/client", library.dir) };
  const pkg = "node_modules/@confluentinc/kafka-javascript";
  const keep = (f: string) => !/^(deps|src)\//.test(f) && !f.startsWith("build/Release/obj.target/") && (!f.startsWith("build/deps/") || /\.so(\.\d+)*$/.test(f));
  const files = under(pkg, library.dir, keep);
  // Its npm dependencies, from the node_modules it was installed in (the project's, or the cache's).
  const modules = path.resolve(library.dir, "..", "..");
  const lock = JSON.parse(fs.readFileSync(path.join(modules, ".package-lock.json"), "utf8"));
  for (const p of packageClosure(lock, ["bindings"])) files.push(...under(path.join("node_modules", p), path.join(modules, p)));
  const rdkafka = path.join(library.dir, "build", "deps", "librdkafka.so.1");
  const r = await run("ldd", [rdkafka]);
  if (r.code !== 0) throw new KcError("KC_IMAGE_BUILD_FAILED", `ldd ${rdkafka} failed: ${r.stdout}`, { hint: "reinstall the confluent client (npm ci)" });
  for (const m of r.stdout.matchAll(/^\s*(\S+) => (\/\S+)/gm)) if (!SYSTEM_LIBS.test(m[1])) files.push([path.join("native", m[1]), fs.realpathSync(m[2])]);
  return { files, link: `../${pkg}` };
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
  const layout = await libraryLayout(library);
  files.push(...layout.files, ["package.json", path.join(root, "package.json")]);

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
    fs.mkdirSync(path.join(ctx, "app", "native"), { recursive: true });
    if (layout.link) {
      fs.mkdirSync(path.join(ctx, "app", "lib"), { recursive: true });
      fs.symlinkSync(layout.link, path.join(ctx, "app", "lib", "client"));
    }
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
  // Older builds for the same library (other sources) go, unless a container still uses one.
  const older = (await run("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `label=${LABEL}.role=clients`, "kafka-chaos/clients"])).stdout
    .split("\n")
    .filter((t) => t.startsWith(`kafka-chaos/clients:${library.name}-${library.version}-`) && t !== tag);
  for (const t of older) await run("docker", ["rmi", t]);
  return tag;
}
