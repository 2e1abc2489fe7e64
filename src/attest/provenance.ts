/**
 * SLSA provenance v1 for one platform's image, as an in-toto v1 statement. Pure: every fact
 * (source revision, base image digests, build args) is gathered elsewhere and passed in.
 */
import { z } from "zod";
import type { Parsed } from "../registry/image-index.js";

export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1";
/** What `buildDefinition.externalParameters` means: ours, versioned with its shape. */
export const BUILD_TYPE = "urn:multiarch:build-type:dockerfile:v1";

/** buildx's modes: `min` records what was built from; `max` adds the build args' values. */
export type ProvenanceMode = "min" | "max";

/**
 * A provenance setting as buildx spells it: true/1 and mode=min → min, mode=max → max (also
 * bare min/max), false/0 → false; undefined for anything else.
 */
export function parseProvenanceSetting(value: string): ProvenanceMode | false | undefined {
  if (value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return "min";
  const mode = /^(?:mode=)?(min|max)$/.exec(value)?.[1];
  return mode === "min" || mode === "max" ? mode : undefined;
}

/** A base image as written in the Dockerfile and the digest the registry resolved it to. */
export interface ResolvedImage {
  readonly reference: string;
  readonly digest: string;
}

export interface ProvenanceFacts {
  readonly mode: ProvenanceMode;
  /** Who built it (a URI): the CI run when known, else this package and its version. */
  readonly builderId: string;
  /** `os/arch[/variant]`. */
  readonly platform: string;
  /** `registry/repository` the image is published to. */
  readonly repository: string;
  /** Digest of the platform's image manifest: the statement's subject. */
  readonly digest: string;
  readonly dockerfile?: string | undefined;
  readonly target?: string | undefined;
  /** Git commit of the build context, when it is a git work tree. */
  readonly source?: { readonly uri?: string; readonly revision: string } | undefined;
  readonly baseImages: readonly ResolvedImage[];
  /** Already stripped of secret values (see publicBuildArgs). */
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly startedOn?: Date | undefined;
  readonly finishedOn?: Date | undefined;
}

/** Build args whose name says they hold a secret: their values never enter provenance. */
const SECRET_NAME = /(pass(word|wd)?|secret|token|credential|auth|private|api[_-]?key)/i;
export const REDACTED_VALUE = "<redacted>";

/**
 * The build args as provenance records them: in `max` mode every value except those whose name
 * looks secret or that equal a known secret; in `min` mode the names only (values redacted).
 */
export function publicBuildArgs(
  args: Readonly<Record<string, string>>,
  mode: ProvenanceMode,
  secrets: readonly string[] = [],
): Record<string, string> {
  const hidden = new Set(secrets.filter((s) => s !== ""));
  return Object.fromEntries(
    Object.entries(args)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => [
        name,
        mode === "min" || SECRET_NAME.test(name) || hidden.has(value) ? REDACTED_VALUE : value,
      ]),
  );
}

/** The in-toto statement (an object; JSON.stringify it for the blob). */
export function provenanceStatement(facts: ProvenanceFacts): ProvenanceStatement {
  const hex = facts.digest.replace(/^sha256:/, "");
  const resolvedDependencies = [
    ...(facts.source === undefined
      ? []
      : [
          {
            ...(facts.source.uri === undefined ? {} : { uri: facts.source.uri }),
            digest: { gitCommit: facts.source.revision },
          },
        ]),
    ...facts.baseImages.map((image) => ({
      uri: `pkg:docker/${image.reference}`,
      digest: { sha256: image.digest.replace(/^sha256:/, "") },
    })),
  ];
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: facts.repository, digest: { sha256: hex } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          platform: facts.platform,
          ...(facts.dockerfile === undefined ? {} : { dockerfile: facts.dockerfile }),
          ...(facts.target === undefined ? {} : { target: facts.target }),
          buildArgs: facts.buildArgs,
        },
        internalParameters: { provenanceMode: facts.mode },
        resolvedDependencies,
      },
      runDetails: {
        builder: { id: facts.builderId },
        metadata: {
          ...(facts.startedOn === undefined ? {} : { startedOn: facts.startedOn.toISOString() }),
          ...(facts.finishedOn === undefined ? {} : { finishedOn: facts.finishedOn.toISOString() }),
        },
      },
    },
  };
}

const digestSetSchema = z.record(z.string(), z.string());

/** What verify requires of a provenance statement (more fields may be there). */
export const provenanceStatementSchema = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string(), digest: digestSetSchema })).min(1),
  predicateType: z.literal(SLSA_PROVENANCE_V1),
  predicate: z.object({
    buildDefinition: z.object({
      buildType: z.string().min(1),
      externalParameters: z.object({ platform: z.string() }).passthrough(),
      internalParameters: z.record(z.string(), z.unknown()).optional(),
      resolvedDependencies: z
        .array(z.object({ uri: z.string().optional(), digest: digestSetSchema }))
        .optional(),
    }),
    runDetails: z.object({
      builder: z.object({ id: z.string().min(1) }),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
});

export type ProvenanceStatement = z.infer<typeof provenanceStatementSchema>;

/**
 * Check a provenance blob: an in-toto v1 statement with a SLSA v1 predicate whose subject is
 * `digest` and whose platform is `platform`.
 */
export function checkProvenance(
  bytes: Uint8Array,
  digest: string,
  platform: string,
): Parsed<ProvenanceStatement> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return { ok: false, reason: "the provenance is not JSON" };
  }
  const parsed = provenanceStatementSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `the provenance is not an in-toto v1 statement with a SLSA v1 predicate (${issue?.path.join(".") || "document"}: ${issue?.message ?? "invalid"})`,
    };
  }
  const statement = parsed.data;
  const hex = digest.replace(/^sha256:/, "");
  if (!statement.subject.some((s) => s.digest["sha256"] === hex)) {
    const named = statement.subject.map((s) => s.digest["sha256"] ?? "?").join(", ");
    return {
      ok: false,
      reason: `the provenance's subject is sha256:${named}, not the platform's manifest ${digest}`,
    };
  }
  const declared = statement.predicate.buildDefinition.externalParameters.platform;
  if (declared !== platform) {
    return { ok: false, reason: `the provenance is for ${declared}, not ${platform}` };
  }
  return { ok: true, value: statement };
}
