import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure logic, seconds) and `integration` (real Docker clusters, minutes).
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
    ],
  },
});
