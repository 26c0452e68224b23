#!/usr/bin/env node
// The `kafka-chaos` command (package.json "bin"; `npm run chaos` and friends come here too).
// Plain JavaScript that any Node can run, so that a machine that is not ready gets one clear line
// and a way out instead of a stack trace: with a Node older than 22.22, no dependencies or no
// Docker engine, it runs scripts/setup.sh (which installs what is missing, see there), then runs
// the command on the Node that setup made ready. KC_NO_SETUP=1 turns that off: it then only says
// what is missing. Everything else happens in ./main.ts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import module from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// KC_NEED_NODE raises the bar (for the test of this very message).
const NEED = (process.env.KC_NEED_NODE ?? "22.22").split(".").map(Number);
const newEnough = (v) => {
  const [a, b] = v.replace(/^v/, "").split(".").map(Number);
  return a > NEED[0] || (a === NEED[0] && b >= NEED[1]);
};
const args = process.argv.slice(2);
const needsDocker = ["run", "images"].includes(args[0]) && !args.includes("--help") && !args.includes("-h");

function missing() {
  const m = [];
  if (!newEnough(process.versions.node)) m.push(`Node ${process.versions.node} is too old (kafka-chaos needs >= ${NEED.join(".")})`);
  if (!fs.existsSync(path.join(root, "node_modules", "kafkajs"))) m.push("the npm dependencies are not installed");
  if (needsDocker && !process.env.DOCKER_HOST && spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) m.push("no Docker engine answers");
  return m;
}

let gaps = missing();
if (gaps.length && process.env.KC_SETUP_DONE !== "1") {
  const what = gaps.join("; ");
  if (process.env.KC_NO_SETUP === "1" || os.platform() !== "linux") {
    console.error(`kafka-chaos: ${what}. Run \`bash scripts/setup.sh\` (Debian/Ubuntu: installs Node 24 from the npm registry, the Docker engine and the dependencies), or install them yourself.`);
    process.exit(3);
  }
  console.error(`kafka-chaos: ${what}: running scripts/setup.sh to install what is missing (KC_NO_SETUP=1 to skip)`);
  const setup = spawnSync("bash", [path.join(root, "scripts", "setup.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (setup.status !== 0) {
    console.error("kafka-chaos: scripts/setup.sh failed (its output is above); fix what it names and run this again");
    process.exit(3);
  }
  const bin = setup.stdout.trim().split("\n").pop();
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, KC_SETUP_DONE: "1" };
  const again = spawnSync(path.join(bin, "node"), [fileURLToPath(import.meta.url), ...args], { stdio: "inherit", env });
  process.exit(again.status ?? 3);
}
if (!newEnough(process.versions.node)) {
  // Setup ran, yet this Node is old: a Node on PATH came before the one setup installed.
  console.error(`kafka-chaos: Node ${process.versions.node} is too old (needs >= ${NEED.join(".")}); put a newer node first on PATH (scripts/install-node.sh prints where one is)`);
  process.exit(3);
}
// Node's on-disk compile cache (in the OS temp dir; NODE_COMPILE_CACHE=dir picks another,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second command on, the TypeScript modules
// load several times faster (`check` of a small history: 0.15 s → 0.05 s).
module.enableCompileCache?.();
await import(pathToFileURL(path.join(root, "cli", "main.ts")).href);
