/**
 * Another team's pipeline on the multiarch SDK: no Dockerfile, their own Dagger pipeline per
 * platform, chained withEmulation → buildPlatform → publishIndex.
 *
 * As a library:
 *   import { composePipeline } from "./examples/compose/compose.js";
 *   await connection(async () => {
 *     const result = await composePipeline("registry/repo", ["linux/amd64", "linux/arm64"]);
 *     console.log(result.digest);
 *   });
 *
 * As a command (the engine as in `npm run testbed:env`):
 *   eval "$(npm run -s testbed:env)"
 *   npx tsx examples/compose/compose.ts 127.0.0.1:5000/team/motd linux/amd64,linux/arm64,linux/s390x
 */
import {
  connection,
  dag,
  type Client,
  type Container,
  type Platform as DaggerPlatform,
} from "@dagger.io/dagger";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildPlatform,
  formatPlatform,
  isMultiarchError,
  platformInfo,
  publishIndex,
  withEmulation,
  type Platform,
  type PublishResult,
  type Variant,
} from "multiarch";

export const COMPOSE_PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/ppc64le",
  "linux/s390x",
] as const;

/**
 * The team's own image for one platform: the target's busybox, a message of the day, and a
 * record of the machine its one build step ran on (under QEMU for a foreign platform).
 */
export function motdImage(platform: Platform, client: Client): Container {
  const name = formatPlatform(platform);
  const info = platformInfo(platform);
  return client
    .container({ platform: name as DaggerPlatform })
    .from("busybox:latest")
    .withNewFile(
      "/etc/motd",
      `Welcome to ${name}: uname -m ${info.unameMachine}, GOARCH ${info.goarch}, Debian ${info.debianArch}.\n`,
    )
    .withExec(["sh", "-c", "uname -m > /etc/build-machine"])
    .withLabel("org.opencontainers.image.title", "motd")
    .withEntrypoint(["cat", "/etc/motd"]);
}

export interface ComposeOptions {
  /** Tags to push; default: the address's tag, else latest. */
  readonly tags?: readonly string[];
  readonly client?: Client;
}

/**
 * Check the engine runs every platform, define each platform's container with the team's own
 * pipeline, and publish them as one image index at `address`.
 */
export async function composePipeline(
  address: string,
  platforms: readonly string[] = COMPOSE_PLATFORMS,
  options: ComposeOptions = {},
): Promise<PublishResult> {
  const client = options.client ?? dag;
  const emulation = await withEmulation([...platforms], { client });
  const variants: Variant[] = await Promise.all(
    emulation.platforms.map(async ({ platform, mode }) => ({
      platform,
      container: await buildPlatform(motdImage, platform, { client }),
      emulated: mode === "emulated",
    })),
  );
  return publishIndex(variants, address, {
    ...(options.tags === undefined ? {} : { tags: [...options.tags] }),
    annotations: { "org.opencontainers.image.description": "multiarch compose example" },
  });
}

async function main(args: readonly string[]): Promise<void> {
  const [address, platforms] = args;
  if (address === undefined) {
    console.error("usage: compose.ts REGISTRY/REPO[:TAG] [PLATFORM,PLATFORM...]");
    process.exitCode = 2;
    return;
  }
  await connection(async () => {
    const result = await composePipeline(
      address,
      platforms === undefined ? COMPOSE_PLATFORMS : platforms.split(","),
    );
    for (const p of result.platforms) console.log(`${p.platform.padEnd(14)} ${p.digest}`);
    for (const ref of result.refs) console.log(`pushed ${ref}`);
  });
}

const invoked = process.argv[1];
if (invoked !== undefined && realpathSync(invoked) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(isMultiarchError(error) ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  });
}
