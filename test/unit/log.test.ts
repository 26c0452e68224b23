import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { attachRunLog, component, log } from "../../core/log.ts";

describe("run log", () => {
  it("writes JSON lines into each run's file and survives a second run (--repeat)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-log-"));
    for (const run of ["a", "b"]) {
      const detach = attachRunLog(path.join(dir, `${run}.log`));
      component("test").info(`hello from ${run}`);
      detach();
      // Logging after detach goes to the console only, and must not write to the ended file.
      log().debug("after detach");
    }
    // The file streams end asynchronously: wait (up to 10 s on a loaded machine) for the lines.
    const read = (run: string) => (fs.existsSync(path.join(dir, `${run}.log`)) ? fs.readFileSync(path.join(dir, `${run}.log`), "utf8").trim() : "");
    for (let t = 0; t < 200 && !["a", "b"].every((run) => read(run).length > 0); t++) await new Promise((r) => setTimeout(r, 50));
    for (const run of ["a", "b"]) {
      const lines = read(run).split("\n").map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toEqual([`hello from ${run}`]);
      expect(lines[0].component).toBe("test");
    }
  });
});
