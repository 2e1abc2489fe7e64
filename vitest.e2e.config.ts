import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const TWENTY_MINUTES = 20 * 60 * 1000;

// End-to-end tests drive a real Dagger engine and registries (see test/testbed). They share that
// engine and its cache, so they run one file at a time in a single forked worker.
export default defineConfig({
  // The package's own name means its sources here, as in tsconfig.json's "paths".
  resolve: { alias: { multiarch: fileURLToPath(new URL("src/index.ts", import.meta.url)) } },
  test: {
    include: ["test/e2e/**/*.test.ts"],
    // Once, before any test: fail fast when the test bed is down.
    globalSetup: ["test/e2e/support/global-setup.ts"],
    // In the worker: point @dagger.io/dagger and our code at the test bed.
    setupFiles: ["test/e2e/support/env-setup.ts"],
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: TWENTY_MINUTES,
    hookTimeout: TWENTY_MINUTES,
  },
});
