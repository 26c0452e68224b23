// Client library versions. `--client kafkajs` uses the version bundled with kafka-chaos;
// `--client kafkajs@1.16.0` (or confluent@1.8.0) installs that version on demand into the cache
// ($KC_CACHE/clients/<name>@<version>, never the project's own node_modules) and loads it from
// there. The adapters take the loaded module, so one adapter serves every version it supports and
// says where it cannot (see `floor`).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { cacheDir } from "../core/cache.ts";
import { compareVersions } from "../core/versions.ts";
import { KcError } from "../core/errors.ts";
import { component } from "../core/log.ts";
import { run } from "../core/proc.ts";
import { javaClientDir, kafkaClientsClasspath } from "./java/jars.ts";
import type { ClientName } from "./settings.ts";

export interface ClientSpec {
  name: ClientName;
  /** A release of the client's npm package; none: the bundled one. */
  version?: string;
}

/** A client library loaded and ready for its adapter. */
export interface ClientLibrary {
  name: ClientName;
  /** The version really loaded (from its package.json). */
  version: string;
  /** True when it is the version kafka-chaos ships with. */
  bundled: boolean;
  /** The package's directory. */
  dir: string;
  /** The package's exports (`require(name)`). */
  module: unknown;
}

interface PackageInfo {
  /** npm packages are installed with npm; the Java client's jars are resolved with Maven. */
  kind: "npm" | "maven";
  pkg: string;
  /** The oldest version the adapter supports, and why nothing older. */
  floor: string;
  whyFloor: string;
  /** A native build: installs take minutes and need Debian's -dev packages. */
  native: boolean;
}

export const CLIENT_PACKAGES: Readonly<Record<ClientName, PackageInfo>> = {
  kafkajs: {
    kind: "npm",
    pkg: "kafkajs",
    floor: "1.5.0",
    whyFloor: "kafkajs before 1.5.0 has no transactions, no idempotent producer and no read_committed consumer, which the workloads use",
    native: false,
  },
  confluent: {
    kind: "npm",
    pkg: "@confluentinc/kafka-javascript",
    floor: "1.0.0",
    whyFloor: "releases before 1.0.0 are previews with a different native API",
    native: true,
  },
  java: {
    kind: "maven",
    pkg: "org.apache.kafka:kafka-clients",
    floor: "2.5.0",
    whyFloor: "kafka-clients before 2.5.0 cannot commit a consumer's offsets in a transaction with its group metadata (KIP-447), which the txn workload does",
    native: false,
  },
};

/** The Java client's version when none is given (it is not an npm dependency, so nothing is bundled). */
export const DEFAULT_JAVA_CLIENT_VERSION = "3.9.1";

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** "kafkajs", "kafkajs@1.16.0", "confluent@1.8.0". Throws KC_BAD_FLAG with what would work. */
export function parseClientSpec(text: string, names: readonly ClientName[]): ClientSpec {
  const at = text.indexOf("@");
  const name = (at < 0 ? text : text.slice(0, at)) as ClientName;
  const version = at < 0 ? undefined : text.slice(at + 1);
  if (!names.includes(name)) {
    throw new KcError("KC_BAD_FLAG", `--client ${JSON.stringify(text)} is not valid: unknown client ${JSON.stringify(name)}`, {
      hint: `one of ${names.join(", ")}, optionally with a version, e.g. kafkajs@1.16.0`,
    });
  }
  if (version !== undefined) {
    if (!VERSION.test(version)) {
      throw new KcError("KC_BAD_FLAG", `--client ${JSON.stringify(text)} is not valid: ${JSON.stringify(version)} is not a release version (X.Y.Z)`, {
        hint: `e.g. ${name}@${CLIENT_PACKAGES[name].floor}; \`npm view ${CLIENT_PACKAGES[name].pkg} versions\` lists them`,
      });
    }
    const floor = CLIENT_PACKAGES[name].floor;
    if (compareVersions(version, floor) < 0) {
      throw new KcError("KC_CLIENT_VERSION", `${name}@${version} is not supported: ${CLIENT_PACKAGES[name].whyFloor}`, { hint: `use ${name} ${floor} or later` });
    }
  }
  return { name, version };
}

export { compareVersions } from "../core/versions.ts";

export const formatClientSpec = (s: ClientSpec): string => (s.version ? `${s.name}@${s.version}` : s.name);

const projectRequire = createRequire(import.meta.url);

/** The version kafka-chaos ships with (its own node_modules), or undefined when not installed. */
export function bundledVersion(name: ClientName): string | undefined {
  if (name === "java") return DEFAULT_JAVA_CLIENT_VERSION;
  try {
    return (projectRequire(`${CLIENT_PACKAGES[name].pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Where an on-demand version lives. */
/**
 * Where a release is installed. A native build works only on the Node ABI it was built for, so
 * its directory names that ABI (confluent@1.8.2-node137).
 */
export const libraryDir = (name: ClientName, version: string): string =>
  path.join(cacheDir(), "clients", `${name}@${version}${CLIENT_PACKAGES[name].native ? `-node${process.versions.modules}` : ""}`);

/**
 * Loads the library a spec names, installing it into the cache first when it is not the bundled
 * version. Throws KC_CLIENT_VERSION (no such release: the releases that would work are listed),
 * KC_CLIENT_INSTALL (npm failed) or KC_CLIENT_MISSING (installed, but it does not load).
 */
export async function loadClientLibrary(spec: ClientSpec): Promise<ClientLibrary> {
  const info = CLIENT_PACKAGES[spec.name];
  const bundled = bundledVersion(spec.name);
  if (info.kind === "maven") {
    const version = spec.version ?? DEFAULT_JAVA_CLIENT_VERSION;
    return { name: spec.name, version, bundled: spec.version === undefined, dir: javaClientDir(version), module: { classpath: await kafkaClientsClasspath(version), version } };
  }
  if (spec.version === undefined || spec.version === bundled) return bundledLibrary(spec.name);
  const dir = libraryDir(spec.name, spec.version);
  const pkgDir = path.join(dir, "node_modules", ...info.pkg.split("/"));
  if (!fs.existsSync(path.join(pkgDir, "package.json"))) await install(spec.name, spec.version, dir);
  const module = requireOrExplain(createRequire(path.join(dir, "package.json")), spec, `is installed in ${dir} but does not load`, `remove ${dir} and run again to reinstall it${info.native ? "; a native build needs Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev" : ""}`);
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
  return { name: spec.name, version, bundled: false, dir: pkgDir, module };
}

/** The version kafka-chaos ships with, loaded from its own node_modules. */
export function bundledLibrary(name: ClientName): ClientLibrary {
  const info = CLIENT_PACKAGES[name];
  if (info.kind === "maven") {
    const version = DEFAULT_JAVA_CLIENT_VERSION;
    if (!fs.existsSync(path.join(javaClientDir(version), ".complete"))) {
      throw new KcError("KC_CLIENT_MISSING", `kafka-clients ${version} is not resolved yet`, { hint: "load it first with loadClientLibrary({ name: \"java\" }) (runTest does), which resolves it from Maven Central" });
    }
    return { name, version, bundled: true, dir: javaClientDir(version), module: { classpath: path.join(javaClientDir(version), "libs", "*"), version } };
  }
  const module = requireOrExplain(projectRequire, { name }, "is not installed or does not load", "install Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev, then `CKJS_LINKING=dynamic npm ci` (as .ci/run does), or use --client kafkajs");
  const pkgDir = path.dirname(projectRequire.resolve(`${info.pkg}/package.json`));
  return { name, version: bundledVersion(name) ?? "?", bundled: true, dir: pkgDir, module };
}

function requireOrExplain(req: NodeJS.Require, spec: ClientSpec, what: string, hint: string): unknown {
  try {
    return req(CLIENT_PACKAGES[spec.name].pkg);
  } catch (err) {
    throw new KcError("KC_CLIENT_MISSING", `--client ${formatClientSpec(spec)} needs ${CLIENT_PACKAGES[spec.name].pkg}, which ${what} (${(err as Error).message.split("\n")[0]})`, { hint, cause: err });
  }
}

async function install(name: ClientName, version: string, dir: string): Promise<void> {
  const info = CLIENT_PACKAGES[name];
  const log = component("client");
  log.info(`installing ${info.pkg}@${version} into ${dir}${info.native ? " (a native build: this takes several minutes)" : ""}`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ name: "kc-client-cache", private: true }) + "\n");
  const args = ["install", "--no-audit", "--no-fund", "--no-package-lock", "--omit=dev", "--loglevel=error", ...(info.native ? [] : ["--ignore-scripts"]), `${info.pkg}@${version}`];
  // A native build compiles against the headers of the Node that runs us, not the machine's (an
  // older Node's /usr/include would give a module this Node refuses: NODE_MODULE_VERSION).
  const nodeDir = path.dirname(path.dirname(process.execPath));
  const headers = fs.existsSync(path.join(nodeDir, "include", "node", "node.h")) ? { npm_config_nodedir: nodeDir } : {};
  const env = { ...process.env, ...(info.native ? { CKJS_LINKING: process.env.CKJS_LINKING ?? "dynamic", ...headers } : {}) };
  const r = await run("npm", args, { cwd: tmp, env, tail: 20 });
  if (r.code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const output = r.lastLines.join("\n");
    if (/ETARGET|No matching version|E404/.test(output)) {
      const known = await releasedVersions(name);
      throw new KcError("KC_CLIENT_VERSION", `${info.pkg} has no release ${version}`, {
        hint: known.length ? `releases from ${info.floor} on: ${known.join(", ")}` : `\`npm view ${info.pkg} versions\` lists them`,
      });
    }
    throw new KcError("KC_CLIENT_INSTALL", `npm could not install ${info.pkg}@${version} (exit ${r.code}): ${r.lastLines.slice(-3).join(" / ")}`, {
      hint: info.native ? "a native build needs Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev and a C++ compiler" : "check that the npm registry is reachable",
    });
  }
  try {
    fs.renameSync(tmp, dir);
  } catch {
    // Another run installed it meanwhile: keep theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The package's stable releases the adapter supports, oldest first ([] when npm cannot say). */
async function releasedVersions(name: ClientName): Promise<string[]> {
  const info = CLIENT_PACKAGES[name];
  const r = await run("npm", ["view", info.pkg, "versions", "--json"], { tail: 5 });
  if (r.code !== 0) return [];
  try {
    const all = JSON.parse(r.stdout) as string[];
    return all.filter((v) => !v.includes("-") && compareVersions(v, info.floor) >= 0);
  } catch {
    return [];
  }
}
