/**
 * verify's reading of attestations: the referrers of each platform manifest (by the referrers
 * API, else the `sha256-<hex>` fallback tag), each checked — its `subject` is that manifest, a
 * provenance is an in-toto SLSA v1 statement for that platform, an SBOM parses — and buildx's
 * way, attestation manifests inside the index as `unknown/unknown` entries, named for what they
 * are: attestations of the platform they reference.
 */
import { shortDigest } from "../common/text.js";
import {
  artifactManifestSchema,
  artifactTypeOf,
  attestationKind,
  PREDICATE_TYPE_ANNOTATION,
  type AttestationKind,
} from "../attest/artifact.js";
import { checkProvenance, SLSA_PROVENANCE_V1 } from "../attest/provenance.js";
import { readReferrers, type ReferrersSource } from "../attest/referrers.js";
import { referrersTag } from "../attest/referrers-index.js";
import type { RegistryClient } from "../registry/client.js";
import { imageManifestSchema, type Descriptor, type Parsed } from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";
import type { Problem } from "./checks.js";

/** Where an attestation was found. */
export type AttestationLocation = ReferrersSource | "index";

export interface AttestationVerification {
  readonly kind: AttestationKind;
  /** The attestation's manifest. */
  readonly digest: string;
  readonly artifactType: string;
  readonly location: AttestationLocation;
  /** What its content is, e.g. `SLSA provenance v1`, `SPDX-2.3`, `CycloneDX 1.6`. */
  readonly format?: string;
}

/** Which attestations each platform must have (publish asks for what it attached). */
export interface RequiredAttestations {
  readonly provenance?: boolean | undefined;
  readonly sbom?: boolean | undefined;
}

export interface AttestationOutcome {
  readonly attestations: readonly AttestationVerification[];
  readonly problems: readonly Problem[];
}

/** BuildKit's annotations on an attestation manifest inside an index. */
export const REFERENCE_TYPE = "vnd.docker.reference.type";
export const REFERENCE_DIGEST = "vnd.docker.reference.digest";
export const ATTESTATION_MANIFEST = "attestation-manifest";

/** An index entry that is a buildx attestation manifest, and the manifest it references. */
export function buildxAttestationTarget(entry: {
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}): string | undefined {
  const annotations = entry.annotations ?? {};
  return annotations[REFERENCE_TYPE] === ATTESTATION_MANIFEST
    ? annotations[REFERENCE_DIGEST]
    : undefined;
}

interface Where {
  readonly registry: RegistryClient;
  readonly repository: string;
  /** The platform, as the index names it. */
  readonly platform: string;
  /** Its image manifest: every attestation's subject. */
  readonly subject: string;
}

/** The OCI 1.1 referrers of one platform manifest, each checked. */
export async function verifyReferrers(
  where: Where,
  required: RequiredAttestations = {},
): Promise<AttestationOutcome> {
  const { registry, repository, subject } = where;
  const listed = await readReferrers(registry, repository, subject);
  const found: AttestationVerification[] = [];
  const problems: Problem[] = [];
  for (const entry of listed.entries) {
    const kind = attestationKind(entry.artifactType);
    if (kind === undefined || listed.source === undefined) continue; // signatures and the like
    const outcome = await checkArtifact(where, entry, kind, listed.source);
    if (outcome.ok) found.push(outcome.value);
    else problems.push(outcome.problem);
  }
  problems.push(...missing(where, found, required, listed.source));
  return { attestations: found, problems };
}

type Checked =
  | { readonly ok: true; readonly value: AttestationVerification }
  | { readonly ok: false; readonly problem: Problem };

async function checkArtifact(
  where: Where,
  entry: Descriptor & { readonly artifactType?: string | undefined },
  kind: AttestationKind,
  location: ReferrersSource,
): Promise<Checked> {
  const { registry, repository, platform, subject } = where;
  const listedIn =
    location === "api" ? "the referrers API" : `the referrers tag ${referrersTag(subject)}`;
  const fail = (kindOf: Problem["kind"], message: string): Checked => ({
    ok: false,
    problem: { platform, kind: kindOf, message },
  });
  const read = await registry.getManifest(repository, entry.digest);
  if (read === undefined) {
    return fail(
      "missing-blob",
      `The ${kind} ${shortDigest(entry.digest)} listed by ${listedIn} is not in the repository.`,
    );
  }
  const manifest = artifactManifestSchema.safeParse(read.json);
  if (!manifest.success) {
    return fail(
      "attestation-malformed",
      `The ${kind} ${shortDigest(entry.digest)} is not an OCI artifact manifest.`,
    );
  }
  const named = manifest.data.subject?.digest;
  if (named !== subject) {
    return fail(
      "attestation-subject",
      `The ${kind} ${shortDigest(entry.digest)} listed by ${listedIn} is about ${named === undefined ? "no subject" : named}, not this platform's manifest ${subject}.`,
    );
  }
  const blob = manifest.data.layers[0];
  if (blob === undefined) {
    return fail(
      "attestation-malformed",
      `The ${kind} ${shortDigest(entry.digest)} has no content blob.`,
    );
  }
  const bytes = await registry.getBlob(repository, blob.digest);
  const content =
    kind === "provenance" ? provenanceFormat(bytes, subject, platform) : sbomFormat(bytes);
  if (!content.ok) {
    return fail(
      kind === "provenance" && content.reason.includes("subject")
        ? "attestation-subject"
        : "attestation-malformed",
      `The ${kind} ${shortDigest(entry.digest)}: ${content.reason}.`,
    );
  }
  return {
    ok: true,
    value: {
      kind,
      digest: entry.digest,
      artifactType: artifactTypeOf(manifest.data),
      location,
      format: content.value,
    },
  };
}

function provenanceFormat(bytes: Uint8Array, subject: string, platform: string): Parsed<string> {
  const checked = checkProvenance(bytes, subject, platform);
  return checked.ok ? { ok: true, value: "SLSA provenance v1" } : checked;
}

/** SPDX (spdxVersion) or CycloneDX (bomFormat, specVersion) JSON. */
export function sbomFormat(bytes: Uint8Array): Parsed<string> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return { ok: false, reason: "the SBOM is not JSON" };
  }
  const doc = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  if (typeof doc["spdxVersion"] === "string" && doc["spdxVersion"].startsWith("SPDX-")) {
    return { ok: true, value: doc["spdxVersion"] };
  }
  if (doc["bomFormat"] === "CycloneDX") {
    const version = typeof doc["specVersion"] === "string" ? ` ${doc["specVersion"]}` : "";
    return { ok: true, value: `CycloneDX${version}` };
  }
  return { ok: false, reason: "the SBOM is neither SPDX nor CycloneDX JSON" };
}

function missing(
  where: Where,
  found: readonly AttestationVerification[],
  required: RequiredAttestations,
  source: ReferrersSource | undefined,
): Problem[] {
  const wanted: AttestationKind[] = [
    ...(required.provenance === true ? (["provenance"] as const) : []),
    ...(required.sbom === true ? (["sbom"] as const) : []),
  ];
  return wanted
    .filter((kind) => !found.some((a) => a.kind === kind))
    .map((kind) => ({
      platform: where.platform,
      kind: "missing-attestation" as const,
      message: `No valid ${kind} is attached to ${shortDigest(where.subject)} (${source === undefined ? "no referrers API answer and no referrers tag" : `looked in the referrers ${source === "api" ? "API" : "tag"}`}).`,
    }));
}

/**
 * A buildx attestation manifest listed inside the index: its in-toto blobs, by predicate type,
 * as attestations of the platform manifest `subject` it references.
 */
export async function verifyIndexAttestation(
  where: Where,
  entry: Descriptor,
): Promise<AttestationOutcome> {
  const { registry, repository, platform } = where;
  const read = await registry.getManifest(repository, entry.digest);
  const parsed = imageManifestSchema.safeParse(read?.json);
  if (read === undefined || !parsed.success) {
    return {
      attestations: [],
      problems: [
        {
          platform,
          kind: read === undefined ? "missing-blob" : "attestation-malformed",
          message: `The attestation manifest ${shortDigest(entry.digest)} in the index ${read === undefined ? "is not in the repository" : "is not an image manifest"}.`,
        },
      ],
    };
  }
  const attestations = parsed.data.layers
    .filter((layer) => layer.mediaType === MediaType.IN_TOTO)
    .flatMap((layer): AttestationVerification[] => {
      const predicate = layer.annotations?.[PREDICATE_TYPE_ANNOTATION] ?? "";
      const kind = predicateKind(predicate);
      if (kind === undefined) return [];
      const format = predicate === SLSA_PROVENANCE_V1 ? "SLSA provenance v1" : predicate;
      return [
        { kind, digest: entry.digest, artifactType: MediaType.IN_TOTO, location: "index", format },
      ];
    });
  return { attestations, problems: [] };
}

/** What an in-toto predicate type is: SLSA provenance (any version), an SPDX or CycloneDX SBOM. */
function predicateKind(predicateType: string): AttestationKind | undefined {
  if (predicateType.startsWith("https://slsa.dev/provenance/")) return "provenance";
  if (/spdx|cyclonedx/i.test(predicateType)) return "sbom";
  return undefined;
}
