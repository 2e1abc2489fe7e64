import { defineConfig } from "vitest/config";
import e2e from "./vitest.e2e.config.js";

// The long reliability runs (test/reliability: publishes through a fault-injecting proxy, SIGKILL
// at many points, concurrent publishes) on the test bed, set up as the engine tests are.
// `npm run test:reliability`; .ci/run runs it after `npm test`.
export default defineConfig({
  ...e2e,
  test: { ...e2e.test, include: ["test/reliability/**/*.test.ts"] },
});
