/**
 * Seeds the toolchain images the compile scenarios start from, once, into the local registry:
 *   127.0.0.1:5000/bench/gcc:bookworm    debian + gcc, amd64/arm64/arm/v7/s390x/ppc64le (apt under QEMU)
 *   127.0.0.1:5000/bench/cross:bookworm  debian + Debian's cross compilers, amd64
 * so that apt-get (minutes under QEMU) stays out of the measured builds. Times each seed.
 * Usage: tsx bench/seed-toolchains.ts [--force]
 */
import { connection, dag } from "@dagger.io/dagger";
import { fileURLToPath } from "node:url";
import { publish } from "../src/index.js";

const REGISTRY = process.env.MULTIARCH_REGISTRY ?? "127.0.0.1:5000";
const force = process.argv.includes("--force");
const seeds = [
  { name: "cross", platforms: ["linux/amd64"] },
  {
    name: "gcc",
    platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x", "linux/ppc64le"],
  },
];

async function present(name: string, platforms: number): Promise<boolean> {
  const res = await fetch(`http://${REGISTRY}/v2/bench/${name}/manifests/bookworm`, {
    headers: {
      accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
    },
  }).catch(() => undefined);
  if (res?.ok !== true) return false;
  const body = (await res.json()) as { manifests?: unknown[] };
  // One platform is pushed as a plain manifest, several as an index.
  return platforms === 1 || (body.manifests?.length ?? 0) >= platforms;
}

await connection(async () => {
  for (const seed of seeds) {
    if (!force && (await present(seed.name, seed.platforms.length))) {
      console.error(`seed: ${REGISTRY}/bench/${seed.name}:bookworm already there`);
      continue;
    }
    const dir = fileURLToPath(new URL(`./toolchains/${seed.name}`, import.meta.url));
    const start = performance.now();
    const report = await publish({
      source: dag.host().directory(dir),
      address: `${REGISTRY}/bench/${seed.name}:bookworm`,
      platforms: seed.platforms,
      onProgress: (e) => {
        if (e.kind === "build-done")
          console.error(`seed: ${seed.name} ${e.platform} built in ${e.seconds.toFixed(1)} s`);
      },
    });
    console.error(
      `seed: ${seed.name} pushed ${report.digest} in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
  }
});
