import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Unit tests: pure, fast, no engine, no network.
export default defineConfig({
  // The package's own name means its sources here, as in tsconfig.json's "paths".
  resolve: { alias: { multiarch: fileURLToPath(new URL("src/index.ts", import.meta.url)) } },
  test: {
    include: ["test/unit/**/*.test.ts"],
  },
});
