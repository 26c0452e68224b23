import { defineConfig } from "vitest/config";

// Three projects: `unit` (pure logic, seconds), `integration` (real Docker clusters, minutes) and
// `slow` (more of the same, kept out of the default run).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{core,checkers,products,clients,deployments,workloads,nemeses,harness,report,cli}/**/*.test.ts", "test/unit/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "examples/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          pool: "forks",
        },
      },
      {
        // The slow integration tests (rolling upgrades, differential runs, more clients sharing a
        // producer, KRaft log dirs): `npm run test:slow` and the nightly job, not `npm test`.
        test: {
          name: "slow",
          include: ["test/slow/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          pool: "forks",
        },
      },
    ],
  },
});
