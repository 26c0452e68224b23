// The wait for coordinators before the main phase (harness/coordinators.ts): every group and
// transactional id is asked until it has a coordinator; what still has none at the deadline is
// named, and the wait ends there rather than failing the run.
import { describe, expect, it } from "vitest";
import { awaitCoordinators } from "../../harness/coordinators.ts";

describe("awaitCoordinators", () => {
  it("asks again until each coordinator is known", async () => {
    const asked: Record<string, number> = {};
    const answer = (key: string, after: number) => async () => {
      asked[key] = (asked[key] ?? 0) + 1;
      if (asked[key] <= after) throw new Error("coordinator not available");
      return "broker-1";
    };
    const r = await awaitCoordinators(
      { groupCoordinator: (g) => answer(g, 2)(), transactionCoordinator: (id) => answer(id, 1)() },
      { groups: ["g0", "g1"], transactionalIds: ["tx0"] },
      10_000,
    );
    expect(r.missing).toEqual([]);
    expect(asked).toEqual({ g0: 3, g1: 3, tx0: 2 });
  });

  it("names what has no coordinator at the deadline, and stops there", async () => {
    const r = await awaitCoordinators(
      { groupCoordinator: async () => "broker-2", transactionCoordinator: async () => undefined },
      { groups: ["g0"], transactionalIds: ["tx0", "tx1"] },
      600,
    );
    expect(r.missing.sort()).toEqual(["transactional id tx0", "transactional id tx1"]);
    expect(r.ms).toBeGreaterThanOrEqual(600);
    expect(r.ms).toBeLessThan(3000);
  });

  it("stops at once when the run is interrupted", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await awaitCoordinators({ groupCoordinator: async () => undefined, transactionCoordinator: async () => undefined }, { groups: ["g0"], transactionalIds: [] }, 60_000, ac.signal);
    expect(r.missing).toEqual(["group g0"]);
  });
});
