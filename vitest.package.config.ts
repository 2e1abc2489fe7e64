import { defineConfig } from "vitest/config";

const FIVE_MINUTES = 5 * 60 * 1000;

// The package as a user installs it: packed, installed into an empty project, run with plain
// Node. No engine; npm reaches the registry (or its cache) for the dependencies.
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts"],
    testTimeout: FIVE_MINUTES,
    hookTimeout: FIVE_MINUTES,
  },
});
