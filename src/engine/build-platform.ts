/**
 * buildPlatform: one platform's container, from a Dockerfile or from the caller's own pipeline.
 */
import type {
  Client,
  Container,
  Directory,
  Platform as DaggerPlatform,
  Secret,
} from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import { planBuildArgs } from "../plan/build-args.js";
import { EXPECTED_STAGE_NAME, STAGE_NAME } from "../plan/dockerfile-stages.js";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import {
  formatPlatform,
  parsePlatform,
  platformSchema,
  type Platform,
} from "../platform/platform.js";
import { defaultClient } from "./sdk.js";

/** A caller's own per-platform pipeline, used instead of a Dockerfile. */
export type PlatformPipeline = (
  platform: Platform,
  client: Client,
) => Container | Promise<Container>;

export const DEFAULT_DOCKERFILE = "Dockerfile";

const optionsSchema = z.object({
  dockerfile: z.string().min(1).default(DEFAULT_DOCKERFILE),
  target: z.string().regex(STAGE_NAME, EXPECTED_STAGE_NAME).optional(),
  buildArgs: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a build arg name"), z.string())
    .default({}),
  /** The engine's own platform; looked up when absent. */
  nativePlatform: platformSchema.optional(),
});

export type BuildPlatformOptions = z.input<typeof optionsSchema> & {
  client?: Client;
  /** Secrets the Dockerfile mounts with RUN --mount=type=secret,id=NAME (NAME = the secret's name). */
  secrets?: Secret[];
};

/**
 * The container for one platform. From a Dockerfile in `source`, with BuildKit's BUILDPLATFORM
 * meaning restored (see build-plan.ts), or from `pipeline(platform)`. The container is lazy: the
 * engine builds it when it is used (published, exported, synced).
 * @throws MultiarchError INVALID_INPUT (missing Dockerfile, malformed build arg), INVALID_PLATFORM
 */
export async function buildPlatform(
  source: Directory | PlatformPipeline,
  platform: Platform | string,
  options: BuildPlatformOptions = {},
): Promise<Container> {
  const { client: given, secrets = [], ...rest } = options;
  const target = typeof platform === "string" ? parsePlatform(platform) : platform;
  const opts = parseOptions(
    optionsSchema,
    rest,
    "build options",
    "build arg names are letters, digits and _; dockerfile and target are non-empty",
  );
  const client = given ?? (await defaultClient());
  if (typeof source === "function") return source(target, client);

  if (!(await source.exists(opts.dockerfile))) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `No Dockerfile at ${opts.dockerfile} in the build context.`,
      {
        given: opts.dockerfile,
        expected: "a path, relative to the context directory, of a Dockerfile",
        hint: "pass --dockerfile (or dockerfile:) with the right path, or add the file",
      },
    );
  }
  const native = opts.nativePlatform ?? parsePlatform(await client.defaultPlatform());
  return source.dockerBuild({
    platform: formatPlatform(target) as DaggerPlatform,
    dockerfile: opts.dockerfile,
    buildArgs: planBuildArgs(native, opts.buildArgs),
    // A copy per build: the SDK replaces an array's objects by their IDs in place when it sends
    // the query, so two platforms' builds sharing one array race (the second reads an ID where
    // it expects a Secret: "Cannot read properties of undefined (reading '_queryTree')").
    secrets: [...secrets],
    ...(opts.target === undefined ? {} : { target: opts.target }),
  });
}
