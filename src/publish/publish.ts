/**
 * The one-call path: validate everything, check the engine can run every platform, build each
 * platform's container, and publish them as one index (or export them, or keep them as a value).
 */
import { dag, type Client, type Directory, type File, type Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import {
  buildPlatform,
  DEFAULT_DOCKERFILE,
  type PlatformPipeline,
} from "../engine/build-platform.js";
import { buildMode, dockerfileExecution } from "../plan/dockerfile-stages.js";
import { withEmulation, type EmulationReport } from "../engine/emulation.js";
import { exportIndex, type ExportIndexOptions } from "./export-index.js";
import { formatPlatform, parsePlatforms } from "../platform/platform.js";
import { silent, type ProgressListener } from "../common/progress.js";
import {
  openRegistry,
  PUBLISH_INDEX_OPTION_NAMES,
  publishIndex,
  type PublishIndexOptions,
  type PublishResult,
} from "./publish-index.js";
import type { Variant } from "../engine/variants.js";

export const DEFAULT_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export const DEFAULT_TAG = "latest";

const buildOptionsSchema = z.object({
  platforms: z.union([z.string(), z.array(z.string())]).default([...DEFAULT_PLATFORMS]),
  dockerfile: z.string().min(1).default(DEFAULT_DOCKERFILE),
  target: z.string().min(1).optional(),
  buildArgs: z.record(z.string(), z.string()).default({}),
  /** Seconds since the epoch: passed as SOURCE_DATE_EPOCH, for reproducible timestamps. */
  sourceDateEpoch: z.number().int().nonnegative().optional(),
  probeImage: z.string().min(1).optional(),
  installEmulators: z.boolean().default(false),
});

export type BuildImageOptions = z.input<typeof buildOptionsSchema> & {
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
  ) {}

  /** Canonical platforms, in the order given. */
  get platforms(): string[] {
    return this.variants.map((v) =>
      typeof v.platform === "string" ? v.platform : formatPlatform(v.platform),
    );
  }

  /** Push as one index; see publishIndex. */
  publish(address: string, options: PublishIndexOptions = {}): Promise<PublishResult> {
    return publishIndex(this.variants, address, {
      onProgress: this.onProgress,
      ...options,
    });
  }

  /** An OCI layout tarball holding every platform; see exportIndex. */
  export(options: ExportIndexOptions = {}): Promise<File> {
    return exportIndex(this.variants, { onProgress: this.onProgress, ...options });
  }
}

/**
 * Validate, check emulation, and define every platform's container (built lazily, on publish or
 * export).
 * @throws MultiarchError INVALID_INPUT, INVALID_PLATFORM, EMULATION_UNAVAILABLE
 */
export async function buildImage(options: BuildImageOptions): Promise<MultiPlatformImage> {
  const { source, secrets = [], client = dag, onProgress = silent, ...rest } = options;
  const opts = parseOptions(buildOptionsSchema, rest, "build options");
  const { platforms } = parsePlatforms(opts.platforms);
  const names = platforms.map(formatPlatform);

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
  const execution =
    typeof source === "function"
      ? undefined
      : await source
          .file(opts.dockerfile)
          .contents()
          .then(dockerfileExecution, () => undefined); // a missing Dockerfile: buildPlatform says so
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
  return new MultiPlatformImage(variants, emulation, onProgress);
}

export type PublishOptions = BuildImageOptions &
  PublishIndexOptions & {
    /** `registry/repository[:tag]`. */
    address: string;
  };

export interface PublishReport extends PublishResult {
  readonly emulation: EmulationReport;
}

/**
 * Everything in one call: validate, check emulation, build every platform in parallel, push one
 * index under every tag. Defaults: linux/amd64 + linux/arm64, `Dockerfile`, tag `latest`.
 */
export async function publish(options: PublishOptions): Promise<PublishReport> {
  const { address, onProgress, ...rest } = options;
  // One set of options in, two out: what publishIndex takes (its schema's names), and the
  // rest for buildImage. Nothing is listed twice, so nothing can be dropped.
  const entries = Object.entries(rest).filter(([, value]) => value !== undefined);
  const push = Object.fromEntries(
    entries.filter(([name]) => PUBLISH_INDEX_OPTION_NAMES.has(name)),
  ) as PublishIndexOptions;
  const build = {
    ...Object.fromEntries(entries.filter(([name]) => !PUBLISH_INDEX_OPTION_NAMES.has(name))),
    ...(onProgress === undefined ? {} : { onProgress }),
  } as BuildImageOptions;
  // Registry and credentials first: a wrong password should cost a second, not the probes.
  await openRegistry(address, {
    ...(push.username === undefined ? {} : { username: push.username }),
    ...(push.password === undefined ? {} : { password: push.password }),
    ...(push.plainHttp === undefined ? {} : { plainHttp: push.plainHttp }),
  });
  const image = await buildImage(build);
  const result = await image.publish(address, push);
  return { ...result, emulation: image.emulation };
}
