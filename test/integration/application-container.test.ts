// Bad input to a container application: an image that is not here is refused before the cluster
// starts; a container that exits before it reports anything fails the start with its last lines.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runTest, type TestSpec } from "../../index.ts";
import { enricherImage } from "../../examples/application/container/image.ts";

const spec = (name: string): TestSpec => ({ name, store: fs.mkdtempSync(path.join(os.tmpdir(), "kc-app-bad-")), seed: 1, cluster: { brokers: 1 }, workload: { replicationFactor: 1 }, timeLimitSeconds: 5 });
const app = { input: "in", output: "out", groupId: "g" };

describe("application container: bad input", () => {
  it("refuses an image that is not on this machine, before any cluster starts", async () => {
    const started = Date.now();
    await expect(runTest(spec("app-no-image"), { application: { ...app, container: { image: "kc-no-such-app:0" } } })).rejects.toMatchObject({ code: "KC_APP_NO_IMAGE", message: expect.stringContaining("kc-no-such-app:0") });
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it("fails the start of a container that exits before it reports an op, showing its last lines", async () => {
    const image = await enricherImage();
    const run = runTest(spec("app-exits"), { application: { ...app, container: { image, command: ["sh", "-c", "echo cannot find my config; exit 3"] } } });
    await expect(run).rejects.toMatchObject({ code: "KC_APP_START_FAILED", message: expect.stringContaining("exited before it printed"), hint: expect.stringContaining("cannot find my config") });
  }, 300_000);
});
