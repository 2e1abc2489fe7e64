/**
 * One build-and-push, in its own process, on the Dagger engine:
 *   tsx bench/runners/dagger.ts multiarch|multiarch-noverify|raw CONTEXT ADDRESS PLATFORMS(comma-separated)
 *   tsx bench/runners/dagger.ts prune     (empty the engine's build cache, for a cold run)
 * `multiarch`: our SDK's publish() (probe, build each platform, push one index, read it back).
 * `multiarch-noverify`: the same with verify: false (no read-back of layers, no ELF scan).
 * `raw`: the same work written directly against @dagger.io/dagger: dockerBuild per platform,
 * publish with platformVariants. Like a careful user it passes BUILDPLATFORM/BUILDOS/BUILDARCH
 * itself (Dagger v0.21 otherwise resolves BUILDPLATFORM to the target: dagger PR 13571).
 * Prints one JSON line: index reference, phase timings (seconds from start), own peak RSS (KiB).
 */
import { connection, dag, type Platform } from "@dagger.io/dagger";
import { publish, type ProgressEvent } from "../../src/index.js";

const [mode, context, address, platformList] = process.argv.slice(2);
if (mode === "prune") {
  // Every releasable entry, not the engine's default policy: pulled layers go too.
  await connection(() => dag.engine().localCache().prune({ useDefaultPolicy: false }));
  process.exit(0);
}
if (
  (mode !== "multiarch" && mode !== "multiarch-noverify" && mode !== "raw") ||
  context === undefined ||
  address === undefined ||
  platformList === undefined
) {
  console.error("usage: dagger.ts multiarch|multiarch-noverify|raw CONTEXT ADDRESS PLATFORMS");
  process.exit(2);
}
const platforms = platformList.split(",");
const t0 = performance.now();
const importedAt = Number((t0 / 1000).toFixed(3)); // since process start: node + tsx + imports
const at = (): number => Number(((performance.now() - t0) / 1000).toFixed(3));
const phases: Record<string, number> = { importedAt };
let ref = "";

await connection(async () => {
  phases.connected = at();
  const source = dag.host().directory(context);
  if (mode !== "raw") {
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === "probe") phases.probeStart = at();
      else if (e.kind === "build-start") phases.buildStart ??= at();
      else if (e.kind === "build-done") phases[`built ${e.platform}`] = at();
      else if (e.kind === "push-start") phases.pushStart = at();
      else if (e.kind === "push-done") phases.pushDone = at();
    };
    const report = await publish({
      source,
      address,
      platforms,
      onProgress,
      verify: mode === "multiarch",
    });
    ref = report.refs[0] ?? "";
  } else {
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
  }
});
phases.exit = at();
console.log(
  JSON.stringify({ ref, phases, maxRssKiB: process.resourceUsage().maxRSS, mode, platforms }),
);
