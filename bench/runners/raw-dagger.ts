/**
 * Raw Dagger: one build-and-push in its own process, written directly against @dagger.io/dagger
 * as a careful user would, to show what our layer costs (or saves):
 *   node bench/runners/.build/raw-dagger.mjs raw CONTEXT ADDRESS PLATFORMS(comma-separated)
 *   node bench/runners/.build/raw-dagger.mjs prune     (empty the engine's build cache, for a cold run)
 * The bench compiles this file to plain JavaScript first (contenders.ts compileRawRunner), so it
 * starts as a user's compiled program does: node, then `import "@dagger.io/dagger"`.
 * dockerBuild per platform, publish with platformVariants; it passes BUILDPLATFORM/BUILDOS/
 * BUILDARCH itself (Dagger v0.21 otherwise resolves BUILDPLATFORM to the target: dagger PR 13571).
 * Prints one JSON line: index reference, phase timings (seconds from start), own peak RSS (KiB).
 */
import { connection, dag, type Platform } from "@dagger.io/dagger";

const [mode, context, address, platformList] = process.argv.slice(2);
if (mode === "prune") {
  // Every releasable entry, not the engine's default policy: pulled layers go too.
  await connection(() => dag.engine().localCache().prune({ useDefaultPolicy: false }));
  process.exit(0);
}
if (
  mode !== "raw" ||
  context === undefined ||
  address === undefined ||
  platformList === undefined
) {
  console.error("usage: raw-dagger.mjs raw CONTEXT ADDRESS PLATFORMS | prune");
  process.exit(2);
}
const platforms = platformList.split(",");
const t0 = performance.now();
const importedAt = Number((t0 / 1000).toFixed(3)); // since process start: node + the SDK's import
const at = (): number => Number(((performance.now() - t0) / 1000).toFixed(3));
const phases: Record<string, number> = { importedAt };
let ref = "";

await connection(async () => {
  phases.connected = at();
  const source = dag.host().directory(context);
  const native = await dag.defaultPlatform();
  const [os = "linux", arch = "amd64", variant = ""] = native.split("/");
  const buildArgs = [
    { name: "BUILDPLATFORM", value: native },
    { name: "BUILDOS", value: os },
    { name: "BUILDARCH", value: arch },
    { name: "BUILDVARIANT", value: variant },
  ];
  phases.buildStart = at();
  const containers = platforms.map((p) =>
    source.dockerBuild({ platform: p as Platform, buildArgs }),
  );
  const [first, ...rest] = containers;
  if (first === undefined) throw new Error("no platforms");
  ref = await first.publish(address, { platformVariants: rest });
  phases.pushDone = at();
});
phases.exit = at();
console.log(JSON.stringify({ ref, phases, maxRssKiB: process.resourceUsage().maxRSS, platforms }));
