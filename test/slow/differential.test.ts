// A differential run (npm run test:slow, and the nightly job): one seeded plan through two kafkajs
// releases in a row, each recorded in its test.json, compared side by side on the store's index.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { libraryDir } from "../../clients/library.ts";
import { chaos, readJson, runDirsOf } from "../integration/support.ts";


describe("differential runs", () => {
  it("runs one seeded plan through kafkajs 1.16.0 and the bundled kafkajs, and compares them on the index", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "kc-diff-"));
    const { code, out } = await chaos([
      "--clients", "kafkajs@1.16.0,kafkajs",
      "--preset", "safe", "--nemesis", "partition", "--nemesis-interval", "5", "--quiet-time", "3",
      "--time-limit", "20", "--recovery-time", "3", "--store", store,
    ]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/differential run \S+: kafkajs@1\.16\.0 valid, kafkajs valid/);
    // The release came from the cache, not the project's node_modules.
    expect(fs.existsSync(path.join(libraryDir("kafkajs", "1.16.0"), "node_modules", "kafkajs", "package.json"))).toBe(true);
    const tests = runDirsOf(store).map((d) => readJson(path.join(d, "test.json"))).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(tests.map((t) => t.clientVersion)).toEqual(["1.16.0", readJson("node_modules/kafkajs/package.json").version]);
    expect(new Set(tests.map((t) => t.seed)).size, "one seed for both").toBe(1);
    expect(new Set(tests.map((t) => t.differential.id)).size).toBe(1);
    for (const d of runDirsOf(store)) {
      const r = readJson(path.join(d, "results.json"));
      expect(r.valid, d).toBe(true);
      expect(r.stats.counts.send.ok, `${d}: sends were acknowledged`).toBeGreaterThan(20);
      expect(r.stats.counts.poll.ok, `${d}: polls read`).toBeGreaterThan(20);
    }
    const index = fs.readFileSync(path.join(store, "index.html"), "utf8");
    expect(index).toMatch(/<section class="diff"[^>]*><h2>Differential run \S+: 2 clients/);
    expect(index).toContain("<code>kafkajs 1.16.0</code>");
  }, 600_000);
});
