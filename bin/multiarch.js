#!/usr/bin/env node
// The `multiarch` command: runs the compiled CLI in dist/, which `npm run build` writes.
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("multiarch: dist/cli/main.js is missing: run 'npm run build' first\n");
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
