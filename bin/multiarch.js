#!/usr/bin/env node
// The `multiarch` command: runs the TypeScript CLI (src/cli/main.ts) through tsx, no build step.
import { fileURLToPath, URL } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../src/cli/main.ts");
await main();
