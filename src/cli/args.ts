/**
 * The command line, parsed: argv (+ the environment, for --password-env) in, one typed command
 * out, or a UsageError naming the one thing wrong. Pure: no engine, no file system, no network,
 * so bad input is refused in milliseconds.
 */
import { isAbsolute, normalize, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import type { ProvenanceMode } from "../attest/provenance.js";
import {
  parseProvenanceFlag,
  parseSbomFlag,
  withAttestationDefaults,
} from "./attestation-flags.js";
import { earlyCommand, UsageError, type HelpTopic } from "./usage.js";
import { MultiarchError } from "../common/errors.js";
// Type-only imports from @dagger.io/dagger there: parsing flags never loads the SDK.
import {
  compressionSchema,
  mediaTypesSchema,
  type Compression,
  type MediaTypeFamily,
} from "../plan/image-format.js";
import { EXPECTED_STAGE_NAME, STAGE_NAME } from "../plan/dockerfile-stages.js";
import { DEFAULT_PLATFORMS } from "../platform/defaults.js";
import { MAX_RETRIES } from "../registry/retry-limits.js";
import { parseKeyValues } from "../common/key-value.js";
import { parsePlacedAnnotation, type PlacedAnnotation } from "../plan/annotations.js";
import { parseBuildArgs } from "../plan/build-args.js";
import { parseOutput } from "./output-flag.js";
import { SHELLS, type Shell } from "./completion-shells.js";
import { parseSecretFlag, type SecretSource } from "./secret-flag.js";
import { formatPlatform, parsePlatform, parsePlatforms } from "../platform/platform.js";
import { planShares, type EngineRoute, type Fallback } from "../engine/routing.js";
import { parseEngineFlag, parseFallbackFlag } from "./engine-flags.js";
import {
  DEFAULT_TAG,
  EXPECTED_TAG,
  parseReference,
  TAG_PATTERN,
  type ImageReference,
} from "../registry/reference.js";
import { parseScaleOut, type ScaleOutCommand } from "./args-scale-out.js";

/** Which help text a usage error (or --help) refers to. */
/** A registry login: the password comes only from the environment variable `passwordEnv`. */
export interface Credentials {
  readonly username: string;
  readonly passwordEnv: string;
  readonly password: string;
}

/** One repository to push the index to, and its tags. */
export interface PushTarget {
  /** `registry/repository`, normalised (e.g. `docker.io/library/app`). */
  readonly repository: string;
  /** Every tag to point at the index; at least one. */
  readonly tags: readonly string[];
}

export type Destination =
  | {
      readonly kind: "push";
      /** At least one; the same index is pushed to each, tags move only once all have it. */
      readonly targets: readonly PushTarget[];
      readonly credentials?: Credentials;
      /** Talk HTTP to the registry; default: only for loopback addresses. */
      readonly plainHttp?: boolean;
      /** Retries of a registry request or push that failed for a moment. */
      readonly retries?: number;
    }
  | {
      readonly kind: "export";
      /** Absolute host path of the OCI layout tarball to write. */
      readonly file: string;
    };

/** `-f -` or a context of `-`: the Dockerfile is read from standard input. */
export const STDIN = "-";

export interface PublishCommand {
  readonly kind: "publish";
  /** Absolute host path of the build context; absent: an empty one (a context of `-`). */
  readonly source?: string;
  /** Absolute host path of the Dockerfile (anywhere), or STDIN. */
  readonly dockerfile: string;
  readonly target?: string;
  /** Canonical, unique, in the order given. */
  readonly platforms: readonly string[];
  /** Platforms dropped because they named one already listed. */
  readonly duplicates: readonly { readonly input: string; readonly canonical: string }[];
  readonly destination: Destination;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Each where its level puts it (no prefix: every manifest). */
  readonly annotations: readonly PlacedAnnotation[];
  readonly labels: Readonly<Record<string, string>>;
  /** Re-read the context from disk, and say that cached steps may still be reused. */
  readonly noCache: boolean;
  /** Accepted as buildx's: base images are always resolved against their registry. */
  readonly pull: boolean;
  /** Write buildx's build metadata (containerimage.digest, image.name, ...) to this file. */
  readonly metadataFile?: string;
  /** Write the index digest to this file. */
  readonly iidFile?: string;
  /** Build secrets (RUN --mount=type=secret,id=ID), never printed. */
  readonly secrets: readonly SecretSource[];
  /** What progress shows on stderr. */
  readonly progress: ProgressMode;
  readonly mediaTypes: MediaTypeFamily;
  readonly compression: Compression;
  readonly sourceDateEpoch?: number;
  /** Read the pushed index back and check it (off with --no-verify). */
  readonly verify: boolean;
  /** With verify: check every ELF file's CPU (off with --no-scan). */
  readonly scan: boolean;
  /** --provenance / --sbom: attestations attached to every platform (see src/attest). */
  readonly provenance: ProvenanceMode | false;
  readonly sbom: boolean;
  readonly json: boolean;
  /** --engine: platforms built on other engines (none: all on the default engine). */
  readonly engines: readonly EngineRoute[];
  /** --fallback: what a failed routed engine means. */
  readonly fallback: Fallback;
}

export interface InspectCommand {
  readonly kind: "inspect";
  readonly registry: string;
  readonly repository: string;
  /** A tag or a digest. */
  readonly reference: string;
  /** The reference as the user wrote it, normalised: `registry/repository:tag` or `@digest`. */
  readonly display: string;
  readonly credentials?: Credentials;
  readonly plainHttp?: boolean;
  readonly retries?: number;
  readonly json: boolean;
}

export interface VerifyCommand {
  readonly kind: "verify";
  /** `registry/repository:tag` or `registry/repository@digest`, normalised. */
  readonly ref: string;
  /** Canonical; absent: any set of platforms passes. */
  readonly platforms?: readonly string[];
  /** Run through `sh -c` in every variant. */
  readonly smoke?: string;
  readonly scan: boolean;
  readonly credentials?: Credentials;
  readonly plainHttp?: boolean;
  readonly retries?: number;
  readonly json: boolean;
}

export type Command =
  | { readonly kind: "help"; readonly topic: HelpTopic }
  | { readonly kind: "version" }
  | PublishCommand
  | InspectCommand
  | VerifyCommand
  | ScaleOutCommand
  | { readonly kind: "completion"; readonly shell: Shell };

export interface ParseContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths are resolved against this. */
  readonly cwd: string;
}

export const PUBLISH_OPTIONS = {
  source: { type: "string" },
  address: { type: "string" },
  platform: { type: "string", multiple: true },
  platforms: { type: "string", multiple: true },
  tag: { type: "string", multiple: true, short: "t" },
  file: { type: "string", short: "f" },
  dockerfile: { type: "string" },
  push: { type: "boolean" },
  output: { type: "string" },
  "no-cache": { type: "boolean" },
  pull: { type: "boolean" },
  "metadata-file": { type: "string" },
  iidfile: { type: "string" },
  secret: { type: "string", multiple: true },
  progress: { type: "string" },
  target: { type: "string" },
  "build-arg": { type: "string", multiple: true },
  annotation: { type: "string", multiple: true },
  label: { type: "string", multiple: true },
  username: { type: "string" },
  "password-env": { type: "string" },
  "media-types": { type: "string" },
  compression: { type: "string" },
  export: { type: "string" },
  "plain-http": { type: "boolean" },
  retries: { type: "string" },
  "source-date-epoch": { type: "string" },
  "no-verify": { type: "boolean" },
  "no-scan": { type: "boolean" },
  provenance: { type: "string" },
  sbom: { type: "string" },
  json: { type: "boolean" },
  engine: { type: "string", multiple: true },
  fallback: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

export const INSPECT_OPTIONS = {
  json: { type: "boolean" },
  username: { type: "string" },
  "password-env": { type: "string" },
  "plain-http": { type: "boolean" },
  retries: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

export const VERIFY_OPTIONS = {
  ...INSPECT_OPTIONS,
  platforms: { type: "string", multiple: true },
  platform: { type: "string", multiple: true },
  smoke: { type: "string" },
  "no-scan": { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * buildx's --progress: auto and tty, our progress lines; plain, those and the engine's own log
 * (every step and its output); rawjson, our progress events as JSON lines; quiet, none.
 */
export const PROGRESS_MODES = ["auto", "plain", "tty", "rawjson", "quiet"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
const DEFAULT_DOCKERFILE = "Dockerfile";

/** --retries N: a whole number from 0 to MAX_RETRIES. */
export const retriesFlag = z
  .string()
  .regex(/^\d{1,2}$/, {
    error: (issue) =>
      `--retries takes a whole number from 0 to ${MAX_RETRIES}, not ${JSON.stringify(issue.input)}`,
  })
  .transform(Number)
  .pipe(
    z
      .number()
      .max(MAX_RETRIES, { error: `--retries takes a whole number from 0 to ${MAX_RETRIES}` }),
  )
  .optional();

export const nonEmpty = (flag: string, what: string) =>
  z.string().trim().min(1, `--${flag} needs ${what}`);

/** The raw flag values of `publish`, checked for shape; meaning is checked in parsePublish. */
const publishFlagsSchema = z.object({
  source: nonEmpty("source", "a directory").optional(),
  address: nonEmpty("address", "REGISTRY/REPO[:TAG]").optional(),
  platform: z.array(z.string()).default([]),
  platforms: z.array(z.string()).default([]),
  tag: z
    .array(
      z.string().refine((tag) => TAG_PATTERN.test(tag) || /[/:@]/.test(tag), {
        error: (issue) =>
          `--tag ${JSON.stringify(issue.input)} is not a tag (${EXPECTED_TAG}) or a reference (REGISTRY/REPO[:TAG])`,
      }),
    )
    .default([]),
  file: nonEmpty("file", "a path to the Dockerfile, or - for standard input").optional(),
  dockerfile: nonEmpty("dockerfile", "a path relative to the context").optional(),
  push: z.boolean().default(false),
  output: nonEmpty("output", "type=registry or type=oci,dest=FILE").optional(),
  "no-cache": z.boolean().default(false),
  pull: z.boolean().default(false),
  "metadata-file": nonEmpty("metadata-file", "a file path").optional(),
  iidfile: nonEmpty("iidfile", "a file path").optional(),
  secret: z.array(z.string()).default([]),
  progress: z
    .enum(PROGRESS_MODES, {
      error: (issue) =>
        `--progress must be one of ${PROGRESS_MODES.join(", ")}, not ${JSON.stringify(issue.input)}`,
    })
    .default("auto"),
  target: nonEmpty("target", "a stage name")
    .regex(STAGE_NAME, {
      error: (issue) => `--target ${JSON.stringify(issue.input)} is not ${EXPECTED_STAGE_NAME}`,
    })
    .optional(),
  "build-arg": z.array(z.string()).default([]),
  annotation: z.array(z.string()).default([]),
  label: z.array(z.string()).default([]),
  username: nonEmpty("username", "a user name").optional(),
  "password-env": z
    .string()
    .regex(ENV_NAME, {
      error: (issue) =>
        `--password-env takes the NAME of an environment variable holding the password, not ${JSON.stringify(issue.input)}`,
    })
    .optional(),
  "media-types": z
    .enum(mediaTypesSchema.options, {
      error: (issue) => `--media-types must be oci or docker, not ${JSON.stringify(issue.input)}`,
    })
    .default("oci"),
  compression: z
    .enum(compressionSchema.options, {
      error: (issue) =>
        `--compression must be gzip, zstd, uncompressed or estargz, not ${JSON.stringify(issue.input)}`,
    })
    .default("gzip"),
  export: nonEmpty("export", "a file path").optional(),
  "source-date-epoch": z
    .string()
    .regex(/^\d{1,15}$/, {
      error: (issue) =>
        `--source-date-epoch takes whole seconds since 1970-01-01 UTC, not ${JSON.stringify(issue.input)}`,
    })
    .transform(Number)
    .optional(),
  "plain-http": z.boolean().optional(),
  retries: retriesFlag,
  "no-verify": z.boolean().default(false),
  "no-scan": z.boolean().default(false),
  provenance: z.string().optional(),
  sbom: z.string().optional(),
  json: z.boolean().default(false),
  engine: z.array(z.string()).default([]),
  fallback: z.string().optional(),
});

export const inspectFlagsSchema = z.object({
  json: z.boolean().default(false),
  username: nonEmpty("username", "a user name").optional(),
  "password-env": publishFlagsSchema.shape["password-env"],
  "plain-http": z.boolean().optional(),
  retries: retriesFlag,
});

const verifyFlagsSchema = inspectFlagsSchema.extend({
  platforms: z.array(z.string()).default([]),
  platform: z.array(z.string()).default([]),
  smoke: nonEmpty("smoke", "a command, e.g. 'uname -m'").optional(),
  "no-scan": z.boolean().default(false),
});

/**
 * argv (without `node` and the script) → the command to run.
 * @throws UsageError for anything malformed, missing or contradictory
 */
export function parseCli(argv: readonly string[], context: ParseContext): Command {
  const early = earlyCommand(argv);
  if (early !== undefined) return early;
  const [first = "", ...rest] = argv;
  switch (first) {
    case "publish":
      return parsePublish(rest, context);
    case "inspect":
      return parseInspect(rest, context);
    case "verify":
      return parseVerify(rest, context);
    case "merge":
    case "build":
    case "plan":
      return parseScaleOut(first, rest, context);
    case "completion":
      return parseCompletion(rest);
    default:
      throw new UsageError(
        first.startsWith("-")
          ? `unknown option ${first} (options come after the command: publish, inspect, verify, build, merge, plan)`
          : `unknown command ${JSON.stringify(first)}: commands are publish, inspect, verify, build, merge, plan`,
      );
  }
}

export function parsePublish(args: readonly string[], context: ParseContext): PublishCommand {
  const { values, positionals } = strictParse(
    withAttestationDefaults(args),
    PUBLISH_OPTIONS,
    true,
    "publish",
  );
  const flags = checkShape(publishFlagsSchema, values, "publish");

  const platforms = wrap("--platform", "publish", () => {
    const given = [...flags.platform, ...flags.platforms];
    return parsePlatforms(given.length === 0 ? [...DEFAULT_PLATFORMS] : given);
  });
  const canonical = platforms.platforms.map(formatPlatform);
  const buildArgs = wrap("--build-arg", "publish", () =>
    parseBuildArgs(flags["build-arg"], context.env),
  );
  const annotations = wrap("--annotation", "publish", () =>
    flags.annotation.flatMap((text) =>
      parsePlacedAnnotation(text, (p) => formatPlatform(parsePlatform(p))),
    ),
  );
  const unbuilt = annotations.flatMap((a) => a.platforms ?? []).find((p) => !canonical.includes(p));
  if (unbuilt !== undefined) {
    throw new UsageError(
      `--annotation names ${unbuilt}, which is not built (--platform ${canonical.join(",")})`,
      "publish",
    );
  }
  const labels = wrap("--label", "publish", () => parseKeyValues("label", flags.label));
  const engines = flags.engine.map((value) =>
    wrap("--engine", "publish", () => parseEngineFlag(value)),
  );
  const fallback = wrap("--fallback", "publish", () => parseFallbackFlag(flags.fallback));
  if (engines.length > 0) wrap("--engine", "publish", () => planShares(canonical, engines));
  const secrets = wrap("--secret", "publish", () =>
    flags.secret.map((text) => parseSecret(text, context)),
  );
  const { source, dockerfile } = buildInput(flags, positionals, context.cwd);

  const credentials = readCredentials(flags, context, "publish");
  const exportFile = exportTarget(flags);
  const exportFlag = flags.export === undefined ? "--output type=oci" : "--export";
  let destination: Destination;
  if (exportFile !== undefined) {
    const pushOnly = (
      [
        ["--address", flags.address],
        ["--tag", flags.tag.length > 0 ? "x" : undefined],
        ["--push", flags.push ? "x" : undefined],
        ["--username", flags.username],
        ["--plain-http", flags["plain-http"]],
        ["--retries", flags.retries],
        ["--metadata-file", flags["metadata-file"]],
        ["--iidfile", flags.iidfile],
        ["--engine", flags.engine.length > 0 ? "x" : undefined],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (pushOnly !== undefined) {
      throw new UsageError(
        `${pushOnly[0]} is for pushing, but ${exportFlag} writes a file instead: give one or the other`,
        "publish",
      );
    }
    destination = { kind: "export", file: resolve(context.cwd, exportFile) };
  } else {
    destination = {
      kind: "push",
      targets: pushTargets(flags.address, flags.tag),
      ...(credentials === undefined ? {} : { credentials }),
      ...(flags["plain-http"] === undefined ? {} : { plainHttp: flags["plain-http"] }),
      ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    };
  }

  const metadataFile = flags["metadata-file"];
  return {
    kind: "publish",
    ...(source === undefined ? {} : { source }),
    dockerfile,
    ...(flags.target === undefined ? {} : { target: flags.target }),
    platforms: canonical,
    duplicates: platforms.duplicates,
    destination,
    buildArgs,
    annotations,
    labels,
    noCache: flags["no-cache"],
    pull: flags.pull,
    secrets,
    progress: flags.progress,
    ...(metadataFile === undefined ? {} : { metadataFile: resolve(context.cwd, metadataFile) }),
    ...(flags.iidfile === undefined ? {} : { iidFile: resolve(context.cwd, flags.iidfile) }),
    mediaTypes: flags["media-types"],
    compression: flags.compression,
    ...(flags["source-date-epoch"] === undefined
      ? {}
      : { sourceDateEpoch: flags["source-date-epoch"] }),
    verify: !flags["no-verify"],
    scan: !flags["no-scan"],
    ...attestationFlags(flags.provenance, flags.sbom, destination.kind),
    json: flags.json,
    engines,
    fallback,
  };
}

function attestationFlags(
  provenance: string | undefined,
  sbom: string | undefined,
  destination: Destination["kind"],
): { provenance: ProvenanceMode | false; sbom: boolean } {
  const flags = { provenance: parseProvenanceFlag(provenance), sbom: parseSbomFlag(sbom) };
  if (destination === "export" && (flags.provenance !== false || flags.sbom)) {
    throw new UsageError(
      "--provenance and --sbom attach to a pushed image, not to --export",
      "publish",
    );
  }
  return flags;
}

/**
 * The context and the Dockerfile, as buildx takes them: a positional CONTEXT (or --source DIR),
 * `-` for an empty context with the Dockerfile on stdin; `-f FILE` anywhere on disk, relative
 * to the working directory (`-f -`: stdin); --dockerfile F, relative to the context.
 */
function buildInput(
  flags: {
    source?: string | undefined;
    file?: string | undefined;
    dockerfile?: string | undefined;
  },
  positionals: readonly string[],
  cwd: string,
): { source: string | undefined; dockerfile: string } {
  const [positional, ...extra] = positionals;
  if (extra.length > 0) {
    throw new UsageError(
      `publish takes one CONTEXT; unexpected ${JSON.stringify(extra[0])}`,
      "publish",
    );
  }
  if (positional !== undefined && flags.source !== undefined) {
    throw new UsageError(
      `CONTEXT ${JSON.stringify(positional)} and --source both name the context: give one`,
      "publish",
    );
  }
  if (flags.file !== undefined && flags.dockerfile !== undefined) {
    throw new UsageError(
      "-f/--file and --dockerfile both name the Dockerfile: give one",
      "publish",
    );
  }
  const given = positional ?? flags.source;
  if (given === undefined) {
    throw new UsageError(
      "missing CONTEXT (the build context directory, e.g. '.', or - for a Dockerfile on stdin)",
      "publish",
    );
  }
  if (given.trim() === "") throw new UsageError("CONTEXT needs a directory", "publish");
  if (given === STDIN) {
    if (flags.file !== undefined || flags.dockerfile !== undefined) {
      throw new UsageError(
        "CONTEXT - reads the Dockerfile from stdin: -f/--dockerfile cannot name another",
        "publish",
      );
    }
    return { source: undefined, dockerfile: STDIN };
  }
  const source = resolve(cwd, given);
  if (flags.file !== undefined) {
    return { source, dockerfile: flags.file === STDIN ? STDIN : resolve(cwd, flags.file) };
  }
  const relative = normalize(flags.dockerfile ?? DEFAULT_DOCKERFILE);
  if (isAbsolute(relative) || relative === ".." || relative.startsWith("../")) {
    throw new UsageError(
      `--dockerfile ${JSON.stringify(flags.dockerfile)} must be a path inside the context, relative to it (-f takes any path)`,
      "publish",
    );
  }
  return { source, dockerfile: resolve(source, relative) };
}

/** The tarball an `--export FILE` or `--output type=oci,dest=FILE` asks for; none: a push. */
function exportTarget(flags: {
  export?: string | undefined;
  output?: string | undefined;
}): string | undefined {
  if (flags.output === undefined) return flags.export;
  const output = wrap("--output", "publish", () => parseOutput(flags.output ?? ""));
  if (output.kind === "registry") {
    if (flags.export !== undefined) {
      throw new UsageError(
        "--output type=registry pushes, but --export writes a file: give one",
        "publish",
      );
    }
    return undefined;
  }
  if (flags.export !== undefined) {
    throw new UsageError("--output and --export both name the tarball: give one", "publish");
  }
  return output.dest;
}

/**
 * Where to push: `-t` full references (several repositories allowed), or --address
 * REGISTRY/REPO[:TAG] with bare `-t` tags; never a mix, which would leave it unclear which
 * repository a bare tag belongs to.
 */
function pushTargets(address: string | undefined, tags: readonly string[]): PushTarget[] {
  const isReference = (tag: string) => /[/:@]/.test(tag);
  const references = tags.filter(isReference);
  const bare = tags.filter((tag) => !isReference(tag));
  if (address !== undefined) {
    if (references.length > 0) {
      throw new UsageError(
        `-t ${JSON.stringify(references[0])} is a full reference, but --address already names the repository: give full references with -t, or --address with bare tags`,
        "publish",
      );
    }
    const ref = wrap("--address", "publish", () => parseReference(address));
    if (ref.digest !== undefined) {
      throw new UsageError(
        `--address ${JSON.stringify(address)} has a digest; give REGISTRY/REPO[:TAG]: the digest is the result`,
        "publish",
      );
    }
    return [
      {
        repository: `${ref.registry}/${ref.repository}`,
        tags: addressTags(address, ref.tag, bare),
      },
    ];
  }
  if (bare.length > 0) {
    throw new UsageError(
      references.length > 0
        ? `-t ${JSON.stringify(bare[0])} is a bare tag: say its repository (e.g. -t ${references[0]?.split(/[:@](?=[^/]*$)/)[0] ?? "REGISTRY/REPO"}:${bare[0]}), or use --address with bare tags only`
        : `-t ${JSON.stringify(bare[0])} is a bare tag with no repository: give -t REGISTRY/REPO:TAG, or --address REGISTRY/REPO`,
      "publish",
    );
  }
  if (references.length === 0) {
    throw new UsageError(
      "missing -t REGISTRY/REPO[:TAG] (where to push; or --address REGISTRY/REPO with bare tags), or --output type=oci,dest=FILE (to write a tarball instead)",
      "publish",
    );
  }
  const targets = new Map<string, string[]>();
  for (const text of references) {
    const ref = wrap("--tag", "publish", () => parseReference(text));
    if (ref.digest !== undefined) {
      throw new UsageError(
        `-t ${JSON.stringify(text)} has a digest; give REGISTRY/REPO[:TAG]: the digest is the result`,
        "publish",
      );
    }
    const repository = `${ref.registry}/${ref.repository}`;
    const list = targets.get(repository) ?? [];
    const tag = ref.tag ?? DEFAULT_TAG;
    if (!list.includes(tag)) list.push(tag);
    targets.set(repository, list);
  }
  return [...targets].map(([repository, list]) => ({ repository, tags: list }));
}

/**
 * The tags to push with --address: the address's own tag (when it names one) and every bare
 * --tag, in that order, without repeats; `latest` when neither gives one.
 */
export function addressTags(
  address: string,
  parsedTag: string | undefined,
  flagTags: readonly string[],
) {
  const name = address.split("@")[0] ?? address;
  const explicit = name.lastIndexOf(":") > name.lastIndexOf("/") ? parsedTag : undefined;
  const tags = [...(explicit === undefined ? [] : [explicit]), ...flagTags];
  return tags.length === 0 ? [parsedTag ?? DEFAULT_TAG] : [...new Set(tags)];
}

/** A --secret, its file resolved against the working directory, its variable read now. */
function parseSecret(text: string, context: ParseContext): SecretSource {
  const secret = parseSecretFlag(text);
  if ("file" in secret) return { id: secret.id, file: resolve(context.cwd, secret.file) };
  const value = context.env[secret.env];
  if (value === undefined) {
    throw new UsageError(
      `--secret id=${secret.id}: the environment variable ${secret.env} is not set`,
      "publish",
    );
  }
  return { id: secret.id, env: secret.env, value };
}

/** `completion bash|zsh|fish`. */
function parseCompletion(args: readonly string[]): Command {
  const [shell, ...extra] = args;
  if (!SHELLS.includes(shell as Shell) || extra.length > 0) {
    throw new UsageError(
      `completion takes one shell: ${SHELLS.join(", ")} (given ${JSON.stringify(args.join(" "))})`,
    );
  }
  return { kind: "completion", shell: shell as Shell };
}

/** The one REF a command takes, parsed. */
function onlyRef(
  positionals: readonly string[],
  command: "inspect" | "verify",
  what: string,
): ImageReference {
  const [text, ...extra] = positionals;
  if (text === undefined) {
    throw new UsageError(`missing REF (${what}, e.g. 127.0.0.1:5000/app:1.0)`, command);
  }
  if (extra.length > 0) {
    throw new UsageError(
      `${command} takes one REF; unexpected ${JSON.stringify(extra[0])}`,
      command,
    );
  }
  return wrap("REF", command, () => parseReference(text));
}

function parseInspect(args: readonly string[], context: ParseContext): InspectCommand {
  const { values, positionals } = strictParse(args, INSPECT_OPTIONS, true, "inspect");
  const flags = checkShape(inspectFlagsSchema, values, "inspect");
  const ref = onlyRef(positionals, "inspect", "the image to inspect");
  const reference = ref.digest ?? ref.tag ?? DEFAULT_TAG;
  const credentials = readCredentials(flags, context, "inspect");
  return {
    kind: "inspect",
    registry: ref.registry,
    repository: ref.repository,
    reference,
    display:
      ref.digest === undefined
        ? `${ref.registry}/${ref.repository}:${reference}`
        : `${ref.registry}/${ref.repository}@${ref.digest}`,
    ...(credentials === undefined ? {} : { credentials }),
    ...(flags["plain-http"] === undefined ? {} : { plainHttp: flags["plain-http"] }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    json: flags.json,
  };
}

function parseVerify(args: readonly string[], context: ParseContext): VerifyCommand {
  const { values, positionals } = strictParse(args, VERIFY_OPTIONS, true, "verify");
  const flags = checkShape(verifyFlagsSchema, values, "verify");
  const ref = onlyRef(positionals, "verify", "the image index to verify");
  const given = [...flags.platform, ...flags.platforms];
  const platforms =
    given.length === 0 ? undefined : wrap("--platforms", "verify", () => parsePlatforms(given));
  const credentials = readCredentials(flags, context, "verify");
  return {
    kind: "verify",
    ref:
      ref.digest === undefined
        ? `${ref.registry}/${ref.repository}:${ref.tag ?? DEFAULT_TAG}`
        : `${ref.registry}/${ref.repository}@${ref.digest}`,
    ...(platforms === undefined ? {} : { platforms: platforms.platforms.map(formatPlatform) }),
    ...(flags.smoke === undefined ? {} : { smoke: flags.smoke }),
    scan: !flags["no-scan"],
    ...(credentials === undefined ? {} : { credentials }),
    ...(flags["plain-http"] === undefined ? {} : { plainHttp: flags["plain-http"] }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    json: flags.json,
  };
}

export function readCredentials(
  flags: { username?: string | undefined; "password-env"?: string | undefined },
  context: ParseContext,
  topic: HelpTopic,
): Credentials | undefined {
  const { username, "password-env": passwordEnv } = flags;
  if (username === undefined && passwordEnv === undefined) return undefined;
  if (username === undefined) {
    throw new UsageError("--password-env needs --username: give both, or neither", topic);
  }
  if (passwordEnv === undefined) {
    throw new UsageError(
      "--username needs --password-env VAR: the password is read from that environment variable, never from the command line",
      topic,
    );
  }
  const password = context.env[passwordEnv];
  if (password === undefined) {
    throw new UsageError(
      `--password-env ${passwordEnv}: the environment variable ${passwordEnv} is not set`,
      topic,
    );
  }
  if (password === "") {
    throw new UsageError(
      `--password-env ${passwordEnv}: the environment variable ${passwordEnv} is empty`,
      topic,
    );
  }
  return { username, passwordEnv, password };
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs in strict mode, its errors turned into one-line UsageErrors. */
export function strictParse<O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals: boolean,
  topic: HelpTopic,
): { readonly values: unknown; readonly positionals: readonly string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals, tokens: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, topic), topic);
  }
  // A flag that takes one value, given twice: refuse rather than silently keep the last.
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || options[token.name]?.multiple === true) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given more than once`, topic);
    seen.add(token.name);
  }
  return parsed;
}

function describeParseError(error: unknown, topic: HelpTopic): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted.split("=")[0] ?? quoted} for ${topic}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)} (${topic} takes only --options)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = quoted.split(" ")[0] ?? quoted;
      if (message.includes("does not take an argument")) return `${flag} takes no value`;
      if (message.includes("ambiguous")) {
        return `${flag} needs a value (to give one that starts with '-', write ${flag}=-VALUE)`;
      }
      return `${flag} needs a value`;
    }
    default:
      return message.split("\n")[0] ?? message;
  }
}

export function checkShape<S extends z.ZodType>(
  schema: S,
  values: unknown,
  topic: HelpTopic,
): z.output<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const flag = issue?.path[0];
  const message = issue?.message ?? "invalid options";
  // zod's own wording ("Invalid input: expected string") gets the flag's name in front.
  throw new UsageError(
    typeof flag === "string" && !message.includes("--") ? `--${flag}: ${message}` : message,
    topic,
  );
}

/** Run an SDK parser; its MultiarchError becomes one line naming the flag and what was given. */
export function wrap<T>(flag: string, topic: HelpTopic, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MultiarchError)) throw error;
    throw new UsageError(`${flag}: ${oneLine(error)}`, topic);
  }
}

/** A MultiarchError's summary line, with the given value appended when the line lacks it. */
export function oneLine(error: MultiarchError): string {
  const summary = error.message.split("\n")[0] ?? error.message;
  const given = error.details.given;
  if (given === undefined || given === "" || summary.includes(given)) return summary;
  return `${summary.replace(/\.$/, "")} (given ${JSON.stringify(given)})`;
}
