// Builds (or finds) the images a test needs: a Debian base with a JRE and iptables, a Kafka image
// per version (jars resolved from Maven Central), and a Toxiproxy image (server built from its Go
// module). Everything is cached: present images are reused, so a second build takes seconds.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../../core/cache.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { commandExists, run, runOk } from "../../core/proc.ts";
import { kafkaLine, type KafkaLine } from "../../products/kafka/versions.ts";

export { DEFAULT_KAFKA_VERSION, KAFKA_VERSIONS } from "../../products/kafka/versions.ts";

export const TOXIPROXY_VERSION = "2.12.0";
/** Bump when a recipe changes, so cached images built from an older recipe are not reused. */
const RECIPE = "r1";

export const LABEL = "io.kafka-chaos";
export const BASE_PACKAGES = [
  "openjdk-17-jre-headless",
  "iptables",
  "iproute2",
  "procps",
  "ca-certificates",
  "libfaketime",
  "faketime",
];

export interface ImageSet {
  /** Kafka/ZooKeeper image: a JRE on PATH and the jars in /opt/kafka/libs. */
  kafka: string;
  toxiproxy: string;
  /** An image with iptables, for partitions when nsenter cannot be used. */
  net: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const dockerDir = path.resolve(here, "../../docker");

export const baseTag = () => `kafka-chaos/base:bookworm-${RECIPE}`;
export const kafkaTag = (version: string) => `kafka-chaos/kafka:${version}-${RECIPE}`;
export const toxiproxyTag = () => `kafka-chaos/toxiproxy:${TOXIPROXY_VERSION}-${RECIPE}`;

export async function imageExists(tag: string): Promise<boolean> {
  const r = await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag]);
  return r.code === 0;
}

export interface EnsureOptions {
  kafkaVersion: string;
  /** Use this Kafka image instead of building one (e.g. apache/kafka:3.9.1). */
  kafkaImage?: string;
  toxiproxyImage?: string;
  /** Rebuild even when present. */
  force?: boolean;
}

/** Returns the images for a test, building the missing ones with progress in the log. */
export async function ensureImages(opts: EnsureOptions): Promise<ImageSet> {
  // Any release the product knows how to run (a KcError says why not, and what works).
  if (!opts.kafkaImage) kafkaLine(opts.kafkaVersion);
  const base = await ensureBase(opts.force);
  const kafka = opts.kafkaImage ?? (await ensureKafka(opts.kafkaVersion, base, opts.force));
  const toxiproxy = opts.toxiproxyImage ?? (await ensureToxiproxy(opts.force));
  return { kafka, toxiproxy, net: base };
}

export async function dockerBuild(tag: string, contextDir: string, buildArgs: Record<string, string>, labels: Record<string, string>) {
  const logger = component("images");
  const args = ["build", "-t", tag, "--label", `${LABEL}=1`];
  for (const [k, v] of Object.entries(labels)) args.push("--label", `${LABEL}.${k}=${v}`);
  for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
  args.push(contextDir);
  await runOk("KC_IMAGE_BUILD_FAILED", "docker", args, {
    what: `docker build of ${tag}`,
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
    onLine: (line) => logger.debug({ tag }, line),
    hint: "see the lines above; `npm run images -- --force` rebuilds from scratch",
  });
}

/** The base image: from debian:bookworm-slim when it can be pulled, else made by mmdebstrap. */
export async function ensureBase(force?: boolean): Promise<string> {
  const logger = component("images");
  const tag = baseTag();
  if (!force && (await imageExists(tag))) return tag;
  const started = Date.now();
  const pullable = (await imageExists("debian:bookworm-slim")) || (await run("docker", ["pull", "debian:bookworm-slim"])).code === 0;
  if (pullable) {
    logger.info(`building ${tag} from debian:bookworm-slim`);
    await dockerBuild(tag, path.join(dockerDir, "base"), { PACKAGES: BASE_PACKAGES.join(" ") }, { role: "base" });
  } else {
    if (!(await commandExists("mmdebstrap"))) {
      throw new KcError("KC_NO_BASE_IMAGE", "debian:bookworm-slim cannot be pulled and mmdebstrap is not installed", {
        hint: "give Docker registry access, or install mmdebstrap (apt-get install mmdebstrap) to build the base offline",
      });
    }
    logger.info(`building ${tag} offline with mmdebstrap from this machine's apt sources (about a minute)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kc-base-"));
    const tar = path.join(tmp, "base.tar");
    try {
      await runOk("KC_IMAGE_BUILD_FAILED", "mmdebstrap", ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, "bookworm", tar], {
        what: "mmdebstrap of the base image",
        onLine: (line) => logger.debug(line),
      });
      await runOk("KC_IMAGE_BUILD_FAILED", "docker", ["import", "--change", `LABEL ${LABEL}=1 ${LABEL}.role=base`, "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tar, tag], {
        what: "docker import of the base image",
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  logger.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}

const dep = (g: string, a: string, v: string) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;

/**
 * Extra Maven dependencies for a line: the logging binding Kafka leaves out (none when one is
 * already on the classpath, as in 2.x), and ZooKeeper client jars in place of broken ones.
 */
export function extraDeps(line: KafkaLine, libs: string[]): string {
  const out: string[] = [];
  const hasBinding = libs.some((f) => /^(slf4j-log4j12|slf4j-reload4j|log4j-slf4j2?-impl)-/.test(f));
  if (line.log4j2) {
    const core = libs.find((f) => /^log4j-core-(.+)\.jar$/.test(f));
    const v = core ? core.replace(/^log4j-core-(.+)\.jar$/, "$1") : "2.24.3";
    if (!hasBinding) out.push(dep("org.apache.logging.log4j", "log4j-slf4j-impl", v));
  } else if (!hasBinding) out.push(dep("org.slf4j", "slf4j-reload4j", "1.7.36"));
  if (line.zookeeperJars) out.push(dep("org.apache.zookeeper", "zookeeper", line.zookeeperJars.version));
  return out.join("\n");
}

/** Exclusions on the broker artifact: the ZooKeeper client a line replaces. */
const exclusions = (line: KafkaLine) =>
  line.zookeeperJars ? "<exclusions><exclusion><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId></exclusion></exclusions>" : "";

/** Resolves Kafka's runtime classpath from Maven Central into the cache (once per version). */
export async function resolveKafkaJars(version: string): Promise<string> {
  const logger = component("images");
  const line = kafkaLine(version);
  const dir = path.join(cacheDir(), "kafka", `${version}-${RECIPE}`);
  const libs = path.join(dir, "libs");
  if (fs.existsSync(path.join(dir, ".complete"))) return dir;
  if (!(await commandExists("mvn"))) {
    throw new KcError("KC_NO_MAVEN", "Maven (mvn) is needed once to resolve the Kafka jars from Maven Central", {
      hint: "install it (apt-get install maven), or bring your own image with --kafka-image apache/kafka:<version>",
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const template = fs.readFileSync(path.join(dockerDir, "kafka", "pom.xml.tmpl"), "utf8");
  const resolve = async (extra: string) => {
    fs.writeFileSync(
      path.join(dir, "pom.xml"),
      template.replaceAll("@KAFKA_VERSION@", version).replaceAll("@SCALA@", line.scala).replaceAll("@EXCLUSIONS@", exclusions(line)).replaceAll("@EXTRA_DEPS@", extra),
    );
    await runOk("KC_MAVEN_FAILED", "mvn", ["-q", "-B", "-f", path.join(dir, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${libs}`, "-DincludeScope=runtime"], {
      what: `resolving Kafka ${version} from Maven Central`,
      onLine: (line) => logger.debug(line),
      hint: "check that Maven Central is reachable (mvn settings, proxy)",
    });
  };
  logger.info(`resolving Kafka ${version} jars from Maven Central`);
  await resolve("");
  const extra = extraDeps(line, fs.readdirSync(libs));
  if (extra) {
    // Resolve again with them: a replaced jar must not linger from the first pass.
    fs.rmSync(libs, { recursive: true, force: true });
    await resolve(extra);
  }
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString());
  logger.info(`Kafka ${version}: ${fs.readdirSync(libs).length} jars`);
  return dir;
}

async function ensureKafka(version: string, base: string, force?: boolean): Promise<string> {
  const logger = component("images");
  const tag = kafkaTag(version);
  if (!force && (await imageExists(tag))) return tag;
  const started = Date.now();
  const dir = await resolveKafkaJars(version);
  fs.copyFileSync(path.join(dockerDir, "kafka", "Dockerfile"), path.join(dir, "Dockerfile"));
  logger.info(`building ${tag}`);
  await dockerBuild(tag, dir, { BASE: base }, { role: "kafka", "kafka-version": version });
  logger.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}

/** Builds the Toxiproxy server (static Go binary) into the cache. */
export async function buildToxiproxyBinary(): Promise<string> {
  const logger = component("images");
  const dir = path.join(cacheDir(), "toxiproxy", TOXIPROXY_VERSION);
  const bin = path.join(dir, "server");
  if (fs.existsSync(bin)) return dir;
  if (!(await commandExists("go"))) {
    throw new KcError("KC_NO_GO", "Go (>= 1.23) is needed once to build the Toxiproxy server from its Go module", {
      hint: "install Go from go.dev, or bring your own image with --toxiproxy-image ghcr.io/shopify/toxiproxy:2.12.0",
    });
  }
  fs.mkdirSync(dir, { recursive: true });
  logger.info(`building Toxiproxy ${TOXIPROXY_VERSION} from its Go module`);
  await runOk("KC_GO_BUILD_FAILED", "go", ["install", `github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`], {
    env: { ...process.env, CGO_ENABLED: "0", GOBIN: dir },
    what: "go install of the Toxiproxy server",
    onLine: (line) => logger.debug(line),
    hint: "Toxiproxy 2.12 needs Go >= 1.23 and the Go module proxy",
  });
  return dir;
}

async function ensureToxiproxy(force?: boolean): Promise<string> {
  const logger = component("images");
  const tag = toxiproxyTag();
  if (!force && (await imageExists(tag))) return tag;
  const started = Date.now();
  const dir = await buildToxiproxyBinary();
  fs.copyFileSync(path.join(dockerDir, "toxiproxy", "Dockerfile"), path.join(dir, "Dockerfile"));
  logger.info(`building ${tag}`);
  await dockerBuild(tag, dir, {}, { role: "toxiproxy", "toxiproxy-version": TOXIPROXY_VERSION });
  logger.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}
