/**
 * The release step for examples/hello: build it for every platform, publish one index, then read
 * it back and prove each variant is what it should be.
 */
import type { Client, Platform as DaggerPlatform } from "@dagger.io/dagger";
import {
  ociAnnotations,
  publish,
  readIndex,
  RegistryClient,
  type PublishReport,
} from "../src/index.js";

export const HELLO_PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/ppc64le",
  "linux/s390x",
  "linux/386",
] as const;

export const HELLO_REPOSITORY = "multiarch-pipeline/hello";

export interface HelloRelease {
  readonly registry: string;
  readonly tags: readonly string[];
  /** Git revision of the tree, for the image's annotations. */
  readonly revision?: string;
}

/** Build examples/hello for HELLO_PLATFORMS and push one index under every tag. */
export function publishHello(
  client: Client,
  root: string,
  release: HelloRelease,
): Promise<PublishReport> {
  return publish({
    client,
    source: client.host().directory(`${root}/examples/hello`),
    address: `${release.registry}/${HELLO_REPOSITORY}`,
    platforms: [...HELLO_PLATFORMS],
    tags: [...release.tags],
    annotations: ociAnnotations({
      title: "hello",
      description: "multiarch example: a static C program per platform",
      ...(release.revision === undefined ? {} : { revision: release.revision }),
    }),
  });
}

/**
 * Read the index back from the registry (readIndex) and check it holds exactly the platforms
 * published, with the manifests published; then run every variant, pulled by digest, on the
 * engine and check it says it is its platform, built on the engine's own.
 * @returns one line per platform
 * @throws Error naming every mismatch
 */
export async function verifyHello(
  client: Client,
  release: HelloRelease,
  report: PublishReport,
): Promise<string[]> {
  const repo = `${release.registry}/${HELLO_REPOSITORY}`;
  const problems: string[] = [];
  const registry = new RegistryClient({ registry: release.registry });

  for (const tag of release.tags) {
    const tagged = await registry.headManifest(HELLO_REPOSITORY, tag);
    if (tagged !== report.digest) problems.push(`${repo}:${tag} names ${tagged ?? "nothing"}`);
  }
  const summary = await readIndex(registry, HELLO_REPOSITORY, report.digest);
  if (summary?.kind !== "index") {
    throw new Error(
      `${repo}@${report.digest} is ${summary === undefined ? "missing" : "not an index"}`,
    );
  }
  const served = new Map(summary.entries.map((e) => [e.platform ?? "(none)", e.digest]));
  const extra = [...served.keys()].filter((p) => !HELLO_PLATFORMS.some((h) => h === p));
  if (extra.length > 0) problems.push(`the index also holds ${extra.join(", ")}`);
  for (const p of report.platforms) {
    const digest = served.get(p.platform);
    if (digest !== p.digest)
      problems.push(`${p.platform}: index has ${digest ?? "no entry"}, pushed ${p.digest}`);
  }

  const native = await client.defaultPlatform();
  const lines = await Promise.all(
    HELLO_PLATFORMS.map(async (platform) => {
      const out = await client
        .container({ platform: platform as DaggerPlatform })
        .from(`${repo}@${report.digest}`)
        .withExec([], { useEntrypoint: true })
        .stdout();
      const [first = "", second = ""] = out.split("\n");
      const expected = `hello from ${platform} (built on ${native})`;
      if (first !== expected)
        problems.push(
          `${platform} printed ${JSON.stringify(first)}, not ${JSON.stringify(expected)}`,
        );
      return `${platform}: ${second}`;
    }),
  );
  if (problems.length > 0) throw new Error(`verify failed:\n  ${problems.join("\n  ")}`);
  return lines;
}
