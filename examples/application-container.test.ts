// Testing your own application as a container of your own image: the enricher of
// ./application/enricher.ts, built into an image (./application/container/Dockerfile), runs on
// the run's Docker network and reaches the brokers by their names there, through their proxies.
// The run kills the container every few seconds (its supervisor starts a new one) while brokers are
// killed too; what a killed instance had in flight becomes info. The buggy service (auto-commit,
// work not awaited) dies with work whose offsets it already committed: INVALID with app-lost.
// The correct one under the same schedule stays VALID: test/slow/application-container.test.ts
// (nightly, to keep the default run short).
import { describe, expect, it } from "vitest";
import { runTest } from "kafka-chaos";
import { GROUP } from "./application/enricher-buggy.ts";
import { app, containerStats, enricherImage, spec } from "./application/container/image.ts";

describe("testing your own application in a container", () => {
  it("the buggy service's container, killed every 6 s, loses inputs it had committed: INVALID with app-lost (and app-early-commit, from the commits its lines report)", async () => {
    const image = await enricherImage();
    // 60 inputs/s and a kill every 6 s: each kill finds one to three inputs whose work is in flight, their offsets committed.
    // A 45 s main phase: with 30 s a CI run saw one kill only (the service crash-loops while
    // brokers are down, and a kill needs a running instance).
    const r = await runTest(spec("app-container-buggy"), { application: { ...app, rate: 60, groupId: GROUP, container: { image, command: ["node", "/app/srv/enricher-main.ts", "buggy"], killEverySeconds: 6 } } });
    const stats = containerStats(r.runDir);
    expect(stats.kills, "the run killed the application").toBeGreaterThanOrEqual(2);
    expect(stats.instances, "a new instance after each kill").toBeGreaterThan(stats.kills);
    expect(stats.badLines).toBe(0);
    const res = r.results as unknown as { application: { inputs: number; processed: number } };
    // It ran and produced outputs. Not "most inputs": its sends are fire-and-forget and failures
    // are dropped, so under broker kills it can lose most of them (CI 2026-12-04: 704 of 2,194).
    expect(res.application.processed, "it processed inputs").toBeGreaterThan(100);
    expect(r.valid).toBe(false);
    expect(r.results!["bad-anomaly-types"]).toContain("app-lost");
    expect(r.results!["bad-anomaly-types"]).toContain("app-early-commit");
    expect(r.exitCode).toBe(1);
  }, 600_000);
});
