// The nightly workflow is linted with actionlint (installed by scripts/install-actionlint.sh).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

function actionlint(): string {
  const candidates = [path.join(process.env.KC_TOOLS ?? path.join(os.homedir(), ".cache", "kafka-chaos"), "bin", "actionlint")];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) candidates.push(path.join(dir, "actionlint"));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error("actionlint is not installed: run `bash scripts/install-actionlint.sh` (needs Go)");
  return found;
}

describe("nightly workflow", () => {
  const file = ".github/workflows/nightly.yml";

  it("passes actionlint", () => {
    const out = execFileSync(actionlint(), ["-no-color", file], { encoding: "utf8" });
    expect(out).toBe("");
  });

  it("actionlint does report a broken workflow (the lint is live)", () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kc-wf-")), "broken.yml");
    fs.writeFileSync(broken, "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n");
    expect(() => execFileSync(actionlint(), ["-no-color", broken], { encoding: "utf8", stdio: "pipe" })).toThrow();
  });

  it("covers the nemeses, both modes and both Kafka versions, and both presets kinds", () => {
    const text = fs.readFileSync(file, "utf8");
    for (const s of ["partition", "kill", "pause", "link", "zookeeper", "kraft", "3.9.1", "4.1.1", "--preset safe", "acks1-lost-writes", "upload-artifact"]) expect(text).toContain(s);
  });
});
