// ESLint flat config: typescript-eslint's type-checked rules + prettier (formatting is
// prettier's job, so eslint-config-prettier turns off every stylistic rule that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    // Dagger modules of their own (another team's, the bed's runtime): their "@dagger.io/dagger"
    // is a generated sdk/ that exists only inside the module runtime.
    ignores: [
      "node_modules/",
      "sdk/",
      "dist/",
      "coverage/",
      "bench/results/",
      "bench/runners/.build/",
      "examples/consumer-ts/",
      "test/testbed/ts-runtime/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // One TS language service for every file, configured by tsconfig.json.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Plain JS files (this config, bin/) are not in tsconfig: lint them without types.
    files: ["**/*.js"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
