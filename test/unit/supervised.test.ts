// Process control through the supervisor, against fake nodes: the final heal's startAll starts
// again a node that exits while it waits for the others (found chasing --preset operations
// --seed 8: a broker that started inside a partition timed out on ZooKeeper just after the heal
// and stayed down).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LogFollower } from "../../deployments/log-follower.ts";
import { SupervisedProcesses } from "../../deployments/shared/supervised.ts";
import type { BrokerProduct } from "../../products/product.ts";

describe("SupervisedProcesses.startAll", () => {
  it("starts a node that exits while the first pass waits for another, in a second pass", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-sup-"));
    const names = ["broker-1", "broker-2"];
    const logs = Object.fromEntries(names.map((n) => [n, new LogFollower(path.join(dir, `${n}.log`))]));
    // broker-1 is held down; broker-2 is still starting (no hold) and exits during the first pass.
    const hold: Record<string, boolean> = { "broker-1": true, "broker-2": false };
    const starts: string[] = [];
    const shell = async (node: string, command: string) => {
      if (!command.includes("rm -f")) return { exitCode: 0, output: "" };
      if (!hold[node]) return { exitCode: 0, output: "running" };
      hold[node] = false;
      starts.push(node);
      setTimeout(() => {
        logs[node].feed(Buffer.from("started\n"));
        // While broker-1 starts, broker-2 gives up and exits: its supervisor leaves the hold file.
        if (node === "broker-1") hold["broker-2"] = true;
      }, 50);
      return { exitCode: 0, output: "started" };
    };
    const product = { ready: /started/, exited: /exited/ } as unknown as BrokerProduct;
    const p = new SupervisedProcesses({ product, names: () => names, log: (n) => logs[n], shell, resume: async () => undefined, component: "test" });
    expect(await p.startAll()).toEqual(["broker-1", "broker-2"]);
    expect(starts).toEqual(["broker-1", "broker-2"]);
    for (const l of Object.values(logs)) l.close();
  });
});
