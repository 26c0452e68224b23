// The log-dir nemesis from the CLI in KRaft mode (npm run test:slow, and the nightly job): each
// broker keeps two log dirs and the metadata log in a dir of its own, all on kc-lazyfs; a safe
// configuration stays valid and the after-heal leak check finds every dir back.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chaos } from "../integration/support.ts";

describe("npm run chaos -- --nemesis log-dir", () => {
  it("in KRaft mode (the metadata log in a dir of its own) a safe configuration stays valid", async () => {
    const s = fs.mkdtempSync(path.join(os.tmpdir(), "kc-store-"));
    const { code, out } = await chaos(["--nemesis", "log-dir", "--mode", "kraft", "--acks", "all", "--idempotent", "--quiet-time", "5", "--nemesis-interval", "10", "--time-limit", "30", "--recovery-time", "5", "--seed", "2", "--store", s]);
    expect(code, out).toBe(0);
    const dir = fs.realpathSync(path.join(s, "latest"));
    const history = fs.readFileSync(path.join(dir, "history.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const starts = history.filter((o) => o.f === "start-log-dir" && o.value?.dirs && !o.error);
    expect(starts.length).toBeGreaterThan(0);
    expect(history.find((o) => o.f === "check-healed" && o.value?.leaks)?.value.leaks).toEqual([]);
    const props = fs.readFileSync(path.join(dir, "nodes", "broker-1", "conf", "server.properties"), "utf8");
    expect(props).toContain("log.dirs=/var/lib/kc/data/logs-0,/var/lib/kc/data/logs-1");
    expect(props).toContain("metadata.log.dir=/var/lib/kc/data/meta");
  });
});
