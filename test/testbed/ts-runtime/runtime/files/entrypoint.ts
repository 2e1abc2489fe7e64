// Written by the test bed's TypeScript runtime at each call (test/testbed/ts-runtime).
// Hands the SDK's entrypoint every TypeScript file of the module's src/ folder and the
// client generated for the module (sdk/client.gen.ts); it imports them all, then registers
// the module or runs the function the engine asks for.
import { entrypoint } from "@dagger.io/dagger";
import { readdirSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));

function tsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...tsFiles(file));
    } else if (
      [".ts", ".mts"].includes(extname(entry.name)) &&
      !(dir === here && entry.name === self)
    ) {
      found.push(file);
    }
  }
  return found;
}

await entrypoint([join(here, "..", "sdk", "client.gen.ts"), ...tsFiles(here)]);
