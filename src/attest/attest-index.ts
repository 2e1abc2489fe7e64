/**
 * Step of a publish: make each platform's attestations (SLSA provenance, an SBOM) and attach
 * them to its manifest as OCI 1.1 referrers. The index itself is left as it is: only real
 * platforms in it. Runs after the index is final and before any user tag moves.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { silent, type ProgressListener } from "../common/progress.js";
import type { ManifestResult } from "../registry/client.js";
import { describePlatform, parseManifestDocument } from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import {
  artifactManifest,
  PREDICATE_TYPE_ANNOTATION,
  type Artifact,
  type ArtifactContent,
  type Subject,
} from "./artifact.js";
import { builderId, type SourceRevision } from "./builder.js";
import {
  provenanceStatement,
  publicBuildArgs,
  SLSA_PROVENANCE_V1,
  type ProvenanceMode,
  type ResolvedImage,
} from "./provenance.js";
import { attachArtifacts, type ReferrersSource } from "./referrers.js";
import { generateSbom, SBOM_MEDIA_TYPE } from "./sbom.js";

/**
 * `provenance`: "max" (build args' values recorded, secret-looking ones redacted), true or
 * "min" (their names only; true means min, as in buildx), false (none). `sbom`: an SPDX SBOM per platform, made by syft.
 */
export const attestationOptionsSchema = z.object({
  provenance: z.union([z.boolean(), z.enum(["min", "max"])]).default(false),
  sbom: z.boolean().default(false),
});

export type AttestationOptions = z.output<typeof attestationOptionsSchema>;

/** What provenance records about how the image was built; gathered by defineImage. */
export interface BuildFacts {
  readonly dockerfile?: string | undefined;
  readonly target?: string | undefined;
  readonly buildArgs?: Readonly<Record<string, string>> | undefined;
  readonly source?: SourceRevision | undefined;
  /** Resolved only when provenance is asked for (one engine call per base image). */
  readonly baseImages?: (() => Promise<readonly ResolvedImage[]>) | undefined;
}

/** One platform's attestations, as attached. */
export interface PlatformAttestations {
  readonly platform: string;
  /** The platform manifest they are attached to. */
  readonly subject: string;
  readonly source: ReferrersSource;
  readonly provenance?: string;
  readonly sbom?: string;
}

export interface AttestContext {
  readonly target: OpenRegistry;
  readonly options: AttestationOptions;
  readonly facts: BuildFacts;
  readonly startedOn: Date;
  readonly onProgress?: ProgressListener;
}

export function wantsAttestations(options: AttestationOptions): boolean {
  return options.provenance !== false || options.sbom;
}

/**
 * Attach the attestations to every platform of `index` (an index, or a single manifest standing
 * for `platforms[0]`).
 * @throws MultiarchError ATTESTATION_FAILED (syft missing or failing); REGISTRY_ERROR,
 *   AUTH_FAILED, PUSH_FAILED from the registry. No user tag has moved then.
 */
export async function attestIndex(
  ctx: AttestContext,
  index: ManifestResult,
  platforms: readonly string[],
): Promise<PlatformAttestations[]> {
  const { target, options, facts, onProgress = silent } = ctx;
  const { registry, ref, secrets } = target;
  const where = registry.describe(ref.repository, index.digest);
  const doc = parseManifestDocument(index.json, index.mediaType, where);
  const subjects: { platform: string; subject: Subject }[] =
    doc.kind === "index"
      ? doc.index.manifests.map((entry) => ({
          platform: entry.platform === undefined ? "none" : describePlatform(entry.platform),
          subject: entry,
        }))
      : [
          {
            platform: platforms[0] ?? "none",
            subject: { mediaType: index.mediaType, digest: index.digest, size: index.bytes.length },
          },
        ];
  const mode: ProvenanceMode | undefined =
    options.provenance === false ? undefined : options.provenance === "max" ? "max" : "min";
  const baseImages = mode === undefined ? [] : ((await facts.baseImages?.()) ?? []);
  const repository = `${ref.registry}/${ref.repository}`;
  const builder = builderId();

  const attached: PlatformAttestations[] = [];
  // One platform at a time: syft reads every layer, and this machine's cores are the engine's too.
  for (const { platform, subject } of subjects) {
    const start = performance.now();
    onProgress({
      kind: "attest-start",
      platform,
      what: [mode && "provenance", options.sbom && "SBOM"].filter(Boolean).join(" and "),
    });
    const artifacts: { artifact: Artifact; content: ArtifactContent }[] = [];
    const now = new Date();
    if (mode !== undefined) {
      const statement = provenanceStatement({
        mode,
        builderId: builder,
        platform,
        repository,
        digest: subject.digest,
        dockerfile: facts.dockerfile,
        target: facts.target,
        source: facts.source,
        baseImages,
        buildArgs: publicBuildArgs(facts.buildArgs ?? {}, mode, secrets),
        startedOn: ctx.startedOn,
        finishedOn: now,
      });
      const content = {
        artifactType: MediaType.IN_TOTO,
        bytes: Buffer.from(JSON.stringify(statement)),
        blobAnnotations: { [PREDICATE_TYPE_ANNOTATION]: SLSA_PROVENANCE_V1 },
      };
      artifacts.push({ artifact: artifactManifest(content, subject, now), content });
    }
    if (options.sbom) {
      const bytes = await generateSbom({
        registry: ref.registry,
        repository: ref.repository,
        digest: subject.digest,
        platform,
        plainHttp: registry.baseUrl.startsWith("http:"),
        // The credentials the client logs in with, however they were found (flags, Docker config).
        username: registry.username,
        password: secrets[0],
      });
      const content = { artifactType: SBOM_MEDIA_TYPE, bytes };
      artifacts.push({ artifact: artifactManifest(content, subject, now), content });
    }
    const result = await attachArtifacts(registry, ref.repository, subject.digest, artifacts);
    const [first, second] = result.digests;
    attached.push({
      platform,
      subject: subject.digest,
      source: result.source,
      ...(mode === undefined ? {} : { provenance: first }),
      ...(options.sbom ? { sbom: mode === undefined ? first : second } : {}),
    });
    onProgress({
      kind: "attest-done",
      platform,
      where:
        result.source === "api"
          ? "referrers API"
          : `referrers tag ${subject.digest.replace(":", "-").slice(0, 19)}…`,
      seconds: (performance.now() - start) / 1000,
    });
  }
  if (attached.length === 0) {
    throw new MultiarchError(
      ErrorCode.ATTESTATION_FAILED,
      `The index ${where} lists no platform to attest.`,
    );
  }
  return attached;
}
