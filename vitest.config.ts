import { defineConfig } from "vitest/config";

// Unit tests: pure, fast, no engine, no network.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
  },
});
