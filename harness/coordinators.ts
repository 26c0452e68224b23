// Coordinators found before the clock starts. A fresh cluster creates __consumer_offsets (and
// __transaction_state) on the first FindCoordinator that needs it, and answers "coordinator not
// available" until their partitions have leaders: 5 to 10 s on a loaded 2-core machine, and longer
// on Kubernetes. Left to the workload, that time came out of the main phase, and a fault that
// started in it found clients that had not done a single op (a 30 s run with 2 ok ops). Asking for
// every group and transactional id the workload will use, here, moves that wait before the main
// phase, where it is logged and costs no fault window anything.
import type { Leadership } from "../core/cluster.ts";
import { waitFor } from "../nemeses/targets.ts";

export interface CoordinatorsReady {
  /** How long the wait took, ms. */
  ms: number;
  /** What still had no coordinator at the deadline (the run goes on; the verdict's gates judge it). */
  missing: string[];
}

/** Asks until every group and transactional id has a coordinator, or `timeoutMs` has passed. */
export async function awaitCoordinators(
  cluster: Pick<Leadership, "groupCoordinator" | "transactionCoordinator">,
  used: { groups: string[]; transactionalIds: string[] },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CoordinatorsReady> {
  const start = Date.now();
  const wanted = [
    ...used.groups.map((g) => ({ what: `group ${g}`, ask: () => cluster.groupCoordinator(g) })),
    ...used.transactionalIds.map((id) => ({ what: `transactional id ${id}`, ask: () => cluster.transactionCoordinator(id) })),
  ];
  const missing: string[] = [];
  await Promise.all(
    wanted.map(async ({ what, ask }) => {
      // Each ask retries retriable answers for up to 15 s itself; it throws when none came.
      if ((await waitFor(ask, timeoutMs, 500, signal)) === undefined) missing.push(what);
    }),
  );
  return { ms: Date.now() - start, missing };
}
