// What the Kubernetes integration tests share: the local one-node cluster of scripts/k8s (started
// for a test file when it is not running, and stopped again at its end if it was started there),
// kubectl on it, and the checks that nothing of a run is left.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { Kubectl, localKubeconfig } from "../../deployments/kubernetes/kubectl.ts";
import { LABEL } from "../../deployments/kubernetes/manifests.ts";

export const kubeconfig = localKubeconfig();
export const k = (namespace = "default") => new Kubectl(kubeconfig, namespace);

/** Starts the local cluster before the file's tests when it is not up, and stops it after them if it was started here. */
export function useLocalKubernetes(): void {
  let startedHere = false;
  beforeAll(async () => {
    const up = fs.existsSync(kubeconfig) && (await k().run(["get", "--raw", "/readyz"], { namespaced: false })).code === 0;
    if (!up) {
      execFileSync("bash", ["scripts/k8s/up.sh"], { stdio: ["ignore", "ignore", "inherit"] });
      startedHere = true;
    }
  });
  afterAll(() => {
    if (startedHere) execFileSync("bash", ["scripts/k8s/down.sh"], { stdio: ["ignore", "ignore", "inherit"] });
  });
}

/** Command lines of this machine's processes that contain every one of `words`. */
export function processesWith(...words: string[]): string[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        return "";
      }
    })
    .filter((cmd) => words.every((w) => cmd.includes(w)));
}

/** The run namespaces that exist now. */
export const runNamespaces = async () => (await k().ok(["get", "namespaces", "-l", `${LABEL}=1`, "-o", "name"], "listing namespaces", { namespaced: false })).trim().split("\n").filter(Boolean);

/** A run's ops (from its history), and the nemesis's among them. */
export function nemesisOps(runDir: string): { ops: Record<string, any>[]; nem: Record<string, any>[] } {
  const ops = fs.readFileSync(`${runDir}/history.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return { ops, nem: ops.filter((o) => o.process === "nemesis") };
}

/** The partition and kill faults took effect (a grudge in force, a node killed), and the last nemesis op found every fault healed. */
export function expectPartitionAndKillHealed(nem: Record<string, any>[]): void {
  expect(nem.some((o) => o.f === "start-partition" && !o.error && o.value?.grudge), JSON.stringify(nem.slice(0, 8))).toBe(true);
  expect(nem.some((o) => o.f === "kill" && !o.error && o.value?.nodes?.length), JSON.stringify(nem.slice(0, 8))).toBe(true);
  expect(nem.at(-1)!.f).toBe("check-healed");
  expect(nem.at(-1)!.value.leaks).toEqual([]);
}
