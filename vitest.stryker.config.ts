import { defineConfig } from "vitest/config";

// The tests Stryker runs against each mutant of checkers/ and the history reader
// (stryker.config.json, `npm run test:mutation`): the pure unit tests of those layers.
export default defineConfig({
  test: {
    include: ["checkers/**/*.test.ts", "core/history/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
