// kc-lazyfs's own tests (docker/lazyfs/lazyfs_test.go): real FUSE mounts on this machine (root,
// /dev/fuse), each driven through the control socket as the harness drives it: unsynced writes
// lost on `off`, synced ones kept, writes during OFF discarded, truncates, renames, mmap + msync.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../core/proc.ts";

describe("kc-lazyfs (go test)", () => {
  it("passes its own tests on real FUSE mounts", async () => {
    const r = await run("go", ["test", "-count=1", "./..."], { cwd: path.resolve("docker/lazyfs"), env: { ...process.env, CGO_ENABLED: "0" }, tail: 60 });
    expect(r.code, r.lastLines.join("\n")).toBe(0);
  });
});
