/**
 * The scale-out commands' command lines (see README "Scaling out"): `build` (one platform,
 * pushed by digest, for a CI matrix job), `merge` (one index from manifests already pushed) and
 * `plan` (how each platform would build, and the GitHub Actions matrix). Pure, like args.ts.
 */
import { resolve } from "node:path";
import { z } from "zod";
import { parsePlacedAnnotation, type PlacedAnnotation } from "../plan/annotations.js";
import { formatPlatform, parsePlatform, parsePlatforms } from "../platform/platform.js";
import { EXPECTED_TAG, parseReference, TAG_PATTERN } from "../registry/reference.js";
import {
  checkShape,
  inspectFlagsSchema,
  nonEmpty,
  parsePublish,
  addressTags,
  readCredentials,
  strictParse,
  wrap,
  type Credentials,
  type ParseContext,
  type PublishCommand,
} from "./args.js";
import { parseEngineFlag, parseRunnerHost } from "./engine-flags.js";
import { UsageError } from "./usage.js";

export interface MergeCommand {
  readonly kind: "merge";
  /** `registry/repository`, normalised. */
  readonly repository: string;
  /** Every tag to point at the index; at least one. */
  readonly tags: readonly string[];
  /** The sources as given: `registry/repo@sha256:…`, `registry/repo:tag` or `sha256:…`. */
  readonly sources: readonly string[];
  /** Levels index and manifest-descriptor only. */
  readonly annotations: readonly PlacedAnnotation[];
  readonly credentials?: Credentials;
  readonly plainHttp?: boolean;
  readonly retries?: number;
  readonly verify: boolean;
  readonly scan: boolean;
  readonly json: boolean;
}

/** `build`: a publish of exactly one platform, pushed by digest (no user tag). */
export type BuildCommand = Omit<PublishCommand, "kind"> & { readonly kind: "build" };

export interface PlanCommand {
  readonly kind: "plan";
  /** Canonical, unique, in the order given. */
  readonly platforms: readonly string[];
  /** Print only the GitHub Actions matrix, one line of JSON, and probe no engine. */
  readonly githubMatrix: boolean;
  /** A build context whose Dockerfile says which steps run on the build machine (cross). */
  readonly source?: string;
  readonly dockerfile: string;
  /** --engine: other engines to ask, by runner host, beside the default one. */
  readonly engines: readonly string[];
  readonly json: boolean;
}

export type ScaleOutCommand = MergeCommand | BuildCommand | PlanCommand;

export const MERGE_OPTIONS = {
  address: { type: "string" },
  tag: { type: "string", multiple: true },
  annotation: { type: "string", multiple: true },
  username: { type: "string" },
  "password-env": { type: "string" },
  "plain-http": { type: "boolean" },
  retries: { type: "string" },
  "no-verify": { type: "boolean" },
  "no-scan": { type: "boolean" },
  json: { type: "boolean" },
} as const;

// The flag schemas are made when first used: args.ts imports this file before its own helpers
// (nonEmpty, inspectFlagsSchema) exist.

export const PLAN_OPTIONS = {
  platform: { type: "string", multiple: true },
  platforms: { type: "string", multiple: true },
  "github-matrix": { type: "boolean" },
  source: { type: "string" },
  dockerfile: { type: "string" },
  engine: { type: "string", multiple: true },
  json: { type: "boolean" },
} as const;

const mergeFlagsSchema = () =>
  inspectFlagsSchema.extend({
    address: nonEmpty("address", "REGISTRY/REPO[:TAG]").optional(),
    tag: z
      .array(
        z.string().regex(TAG_PATTERN, {
          error: (issue) => `--tag ${JSON.stringify(issue.input)} is not a tag (${EXPECTED_TAG})`,
        }),
      )
      .default([]),
    annotation: z.array(z.string()).default([]),
    "no-verify": z.boolean().default(false),
    "no-scan": z.boolean().default(false),
  });

const planFlagsSchema = () =>
  z.object({
    platform: z.array(z.string()).default([]),
    platforms: z.array(z.string()).default([]),
    "github-matrix": z.boolean().default(false),
    source: nonEmpty("source", "a directory").optional(),
    dockerfile: nonEmpty("dockerfile", "a path relative to --source").default("Dockerfile"),
    engine: z.array(z.string()).default([]),
    json: z.boolean().default(false),
  });

export function parseScaleOut(
  command: ScaleOutCommand["kind"],
  args: readonly string[],
  context: ParseContext,
): ScaleOutCommand {
  switch (command) {
    case "merge":
      return parseMerge(args, context);
    case "build":
      return parseBuild(args, context);
    case "plan":
      return parsePlan(args, context);
  }
}

function parseMerge(args: readonly string[], context: ParseContext): MergeCommand {
  const { values, positionals } = strictParse(args, MERGE_OPTIONS, true, "merge");
  const flags = checkShape(mergeFlagsSchema(), values, "merge");
  if (flags.address === undefined) {
    throw new UsageError("missing --address REGISTRY/REPO (where the index goes)", "merge");
  }
  const address = flags.address;
  const ref = wrap("--address", "merge", () => parseReference(address));
  if (ref.digest !== undefined) {
    throw new UsageError(
      `--address ${JSON.stringify(address)} has a digest; give REGISTRY/REPO[:TAG]: the digest is the result`,
      "merge",
    );
  }
  if (positionals.length === 0) {
    throw new UsageError(
      "missing SOURCE (REGISTRY/REPO@sha256:… of each platform's image, or of an index)",
      "merge",
    );
  }
  const annotations = wrap("--annotation", "merge", () => mergeAnnotations(flags.annotation));
  const credentials = readCredentials(flags, context, "merge");
  return {
    kind: "merge",
    repository: `${ref.registry}/${ref.repository}`,
    tags: addressTags(address, ref.tag, flags.tag),
    sources: positionals,
    annotations,
    ...(credentials === undefined ? {} : { credentials }),
    ...(flags["plain-http"] === undefined ? {} : { plainHttp: flags["plain-http"] }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    verify: !flags["no-verify"],
    scan: !flags["no-scan"],
    json: flags.json,
  };
}

/**
 * `--annotation` of a merge, in buildx's syntax: no level means the index (as with imagetools
 * create); `index:` and `manifest-descriptor[PLATFORM,…]:` as written. The manifests are not
 * rewritten (their digests are what was pushed), so `manifest:` and `index-descriptor:` are
 * refused.
 */
export function mergeAnnotations(items: readonly string[]): PlacedAnnotation[] {
  return items.flatMap((text) => {
    const placed = parsePlacedAnnotation(text, (p) => formatPlatform(parsePlatform(p)));
    const head = text.slice(0, text.indexOf("="));
    // No level prefix: the whole text before '=' is the key.
    if (placed.length === 1 && placed[0]?.key === head) {
      return [{ level: "index" as const, key: head, value: placed[0].value }];
    }
    const misplaced = placed.find((a) => a.level !== "index" && a.level !== "manifest-descriptor");
    if (misplaced !== undefined) {
      throw new UsageError(
        `--annotation ${JSON.stringify(text)}: a merge writes only the index; ${misplaced.level} annotations would change what was pushed (give them to build instead)`,
        "merge",
      );
    }
    return placed;
  });
}

const BY_DIGEST = "--push-by-digest";

/** The value of a string flag in `args` (`--flag V` or `--flag=V`); the last one wins. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === flag) value = args[i + 1];
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
  });
  return value;
}

function parseBuild(args: readonly string[], context: ParseContext): BuildCommand {
  if (!args.includes(BY_DIGEST)) {
    throw new UsageError(
      `build needs ${BY_DIGEST}: it pushes one platform by digest, for 'multiarch merge' (to build and tag an index, use publish)`,
      "build",
    );
  }
  const rest = args.filter((a) => a !== BY_DIGEST);
  const tagged = rest.find(
    (a) => a === "--tag" || a.startsWith("--tag=") || (a.startsWith("-t") && !a.startsWith("--")),
  );
  if (tagged !== undefined) {
    throw new UsageError(
      `${tagged.split("=")[0]} does not go with ${BY_DIGEST}: no tag moves; tag the merged index (multiarch merge --tag)`,
      "build",
    );
  }
  if (flagValue(rest, "--address") === undefined) {
    throw new UsageError("missing --address REGISTRY/REPO (where to push the image)", "build");
  }
  let publish: PublishCommand;
  try {
    publish = parsePublish(rest, context);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(error.message, "build");
    throw error;
  }
  const destination = publish.destination;
  if (destination.kind !== "push") {
    throw new UsageError(`--export and --output do not go with ${BY_DIGEST}`, "build");
  }
  // The address's own tag would be pushed to: refused, like -t.
  const name = (flagValue(rest, "--address") ?? "").split("@")[0] ?? "";
  if (name.lastIndexOf(":") > name.lastIndexOf("/")) {
    throw new UsageError(
      `--address ${JSON.stringify(name)} has a tag: ${BY_DIGEST} moves none; give REGISTRY/REPO`,
      "build",
    );
  }
  if (publish.platforms.length !== 1) {
    throw new UsageError(
      `build takes exactly one --platform (given ${publish.platforms.length}: ${publish.platforms.join(", ")}): one job per platform`,
      "build",
    );
  }
  return { ...publish, kind: "build" };
}

function parsePlan(args: readonly string[], context: ParseContext): PlanCommand {
  const { values } = strictParse(args, PLAN_OPTIONS, false, "plan");
  const flags = checkShape(planFlagsSchema(), values, "plan");
  const given = [...flags.platform, ...flags.platforms];
  if (given.length === 0) {
    throw new UsageError("missing --platforms P,Q (the platforms to plan)", "plan");
  }
  const { platforms } = wrap("--platforms", "plan", () => parsePlatforms(given));
  if (flags["github-matrix"] && (flags.source !== undefined || flags.engine.length > 0)) {
    const flag = flags.source !== undefined ? "--source" : "--engine";
    throw new UsageError(`--github-matrix probes nothing: ${flag} does not go with it`, "plan");
  }
  const engines = flags.engine.map((value) => wrap("--engine", "plan", () => planEngine(value)));
  return {
    kind: "plan",
    platforms: platforms.map(formatPlatform),
    githubMatrix: flags["github-matrix"],
    ...(flags.source === undefined ? {} : { source: resolve(context.cwd, flags.source) }),
    dockerfile: flags.dockerfile,
    engines: [...new Set(engines)],
    json: flags.json,
  };
}

/**
 * plan's --engine: a runner host, or publish's PLATFORMS=RUNNER_HOST (the same flags can be
 * passed to both; plan asks that engine about every platform, not only the routed ones).
 * @throws MultiarchError INVALID_INPUT, INVALID_PLATFORM
 */
function planEngine(value: string): string {
  return value.includes("=") ? parseEngineFlag(value).runnerHost : parseRunnerHost(value);
}
