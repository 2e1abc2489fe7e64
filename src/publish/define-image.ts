/**
 * defineImage: validate, check emulation, and define every platform's container. Nothing is
 * built yet: the engine builds the variants when the image is published or exported.
 */
import type { Client, Directory, File, Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseOptions } from "../common/parse-options.js";
import { silent, type ProgressListener } from "../common/progress.js";
import {
  buildPlatform,
  DEFAULT_DOCKERFILE,
  type PlatformPipeline,
} from "../engine/build-platform.js";
import { withEmulation, type EmulationReport } from "../engine/emulation.js";
import type { Variant } from "../engine/variants.js";
import { defaultClient } from "../engine/sdk.js";
import {
  buildMode,
  dockerfileExecution,
  EXPECTED_STAGE_NAME,
  STAGE_NAME,
} from "../plan/dockerfile-stages.js";
import { DEFAULT_PLATFORMS } from "../platform/defaults.js";
import { formatPlatform, parsePlatforms } from "../platform/platform.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import type { BuildFacts } from "../attest/attest-index.js";
import { baseImageReferences, resolveBaseImages } from "../attest/base-images.js";
import { gitRevision } from "../attest/builder.js";
import { exportIndex, type ExportIndexOptions } from "./export-index.js";
import { publishIndex, type PublishIndexOptions } from "./publish-index.js";
import { pushByDigest, type PushByDigestOptions } from "./push-by-digest.js";
import type { PublishResult } from "./result.js";

const defineOptionsSchema = z.object({
  platforms: z.union([z.string(), z.array(z.string())]).default([...DEFAULT_PLATFORMS]),
  dockerfile: z.string().min(1).default(DEFAULT_DOCKERFILE),
  target: z.string().regex(STAGE_NAME, EXPECTED_STAGE_NAME).optional(),
  buildArgs: z.record(z.string(), z.string()).default({}),
  /** Seconds since the epoch: passed as SOURCE_DATE_EPOCH, for reproducible timestamps. */
  sourceDateEpoch: z.number().int().nonnegative().optional(),
  probeImage: z.string().min(1).optional(),
  installEmulators: z.boolean().default(false),
  /**
   * The host path `source` was read from, when it is one: provenance records the git commit
   * checked out there.
   */
  sourcePath: z.string().min(1).optional(),
});

export type DefineImageOptions = z.input<typeof defineOptionsSchema> & {
  /** A directory with a Dockerfile, or the caller's own per-platform pipeline. */
  source: Directory | PlatformPipeline;
  secrets?: Secret[];
  client?: Client;
  onProgress?: ProgressListener;
};

/** A multi-platform image as one value: its variants, built on demand, then published or exported. */
export class MultiPlatformImage {
  constructor(
    readonly variants: readonly Variant[],
    readonly emulation: EmulationReport,
    private readonly onProgress: ProgressListener,
    /** What provenance records of how it is built. */
    readonly buildFacts: BuildFacts = {},
  ) {}

  /** Canonical platforms, in the order given. */
  get platforms(): string[] {
    return this.variants.map((v) =>
      typeof v.platform === "string" ? v.platform : formatPlatform(v.platform),
    );
  }

  /** Build, then push as one index; see publishIndex. */
  publish(
    address: string | OpenRegistry,
    options: PublishIndexOptions = {},
  ): Promise<PublishResult> {
    return publishIndex(this.variants, address, {
      onProgress: this.onProgress,
      buildFacts: this.buildFacts,
      ...options,
    });
  }

  /**
   * Build the one platform and push it by digest, moving no tag; see pushByDigest.
   * @throws MultiarchError INVALID_INPUT when the image has more than one platform
   */
  pushByDigest(
    address: string | OpenRegistry,
    options: PushByDigestOptions = {},
  ): Promise<PublishResult> {
    const [variant, ...others] = this.variants;
    if (variant === undefined || others.length > 0) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `A push by digest takes one platform; this image has ${this.variants.length}.`,
        { given: this.platforms.join(","), expected: "one platform (one job per platform)" },
      );
    }
    return pushByDigest(variant, address, { onProgress: this.onProgress, ...options });
  }

  /** Build, then write an OCI layout tarball holding every platform; see exportIndex. */
  export(options: ExportIndexOptions = {}): Promise<File> {
    return exportIndex(this.variants, { onProgress: this.onProgress, ...options });
  }
}

/**
 * Validate, check that the engine runs every platform, and define one container per platform
 * (built lazily, on publish or export).
 * @throws MultiarchError INVALID_INPUT, INVALID_PLATFORM, EMULATION_UNAVAILABLE
 */
export async function defineImage(options: DefineImageOptions): Promise<MultiPlatformImage> {
  const { source, secrets = [], client: given, onProgress = silent, ...rest } = options;
  const opts = parseOptions(defineOptionsSchema, rest, "build options");
  const { platforms } = parsePlatforms(opts.platforms);
  const names = platforms.map(formatPlatform);
  const client = given ?? (await defaultClient());

  onProgress({ kind: "probe", platforms: names });
  const emulation = await withEmulation(names, {
    client,
    install: opts.installEmulators,
    ...(opts.probeImage === undefined ? {} : { probeImage: opts.probeImage }),
  });
  const buildArgs =
    opts.sourceDateEpoch === undefined
      ? opts.buildArgs
      : { SOURCE_DATE_EPOCH: String(opts.sourceDateEpoch), ...opts.buildArgs };
  // Which steps run as the target (under QEMU when foreign) and which on the build machine.
  const dockerfileText =
    typeof source === "function"
      ? undefined
      : await source
          .file(opts.dockerfile)
          .contents()
          .catch(() => undefined); // a missing Dockerfile: buildPlatform says so
  const execution =
    dockerfileText === undefined ? undefined : await dockerfileExecution(dockerfileText);
  const variants = await Promise.all(
    platforms.map(async (platform, i) => ({
      platform,
      container: await buildPlatform(source, platform, {
        client,
        secrets,
        dockerfile: opts.dockerfile,
        buildArgs,
        nativePlatform: emulation.native,
        ...(opts.target === undefined ? {} : { target: opts.target }),
      }),
      emulated: emulation.platforms[i]?.mode === "emulated",
      mode: buildMode(emulation.platforms[i]?.mode === "native", execution),
    })),
  );
  const buildFacts: BuildFacts = {
    ...(dockerfileText === undefined ? {} : { dockerfile: opts.dockerfile }),
    target: opts.target,
    buildArgs,
    source: opts.sourcePath === undefined ? undefined : await gitRevision(opts.sourcePath),
    baseImages: async () =>
      resolveBaseImages(client, await baseImageReferences(dockerfileText ?? "", buildArgs)),
  };
  return new MultiPlatformImage(variants, emulation, onProgress, buildFacts);
}
