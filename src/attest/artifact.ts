/**
 * An attestation as an OCI 1.1 artifact: an image manifest with an `artifactType`, the empty
 * config, one blob (the statement or SBOM) and a `subject`, the platform manifest it describes.
 * Pure: the bytes to push, and the descriptor a referrers index lists it under.
 */
import { z } from "zod";
import { sha256Digest } from "../registry/digest.js";
import { descriptorSchema, type Descriptor } from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";

/** The empty config every artifact without one shares: the two bytes `{}`. */
export const EMPTY_CONFIG = Buffer.from("{}");

/** What an attestation is, by its artifactType. */
export type AttestationKind = "provenance" | "sbom";

/** The annotation in-toto attestations carry on their blob (as buildx and cosign do). */
export const PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type";
export const CREATED_ANNOTATION = "org.opencontainers.image.created";

export interface ArtifactContent {
  /** The artifact's type, also its blob's media type, e.g. application/vnd.in-toto+json. */
  readonly artifactType: string;
  readonly bytes: Uint8Array;
  /** Annotations of the blob's descriptor. */
  readonly blobAnnotations?: Readonly<Record<string, string>>;
}

export interface Artifact {
  /** The manifest's bytes, as pushed (its digest is the artifact's). */
  readonly manifest: Buffer;
  readonly digest: string;
  /** How a referrers index lists it. */
  readonly descriptor: Descriptor & { readonly artifactType: string };
}

/** The subject descriptor: the platform manifest as the index lists it. */
export type Subject = Pick<Descriptor, "mediaType" | "digest" | "size">;

export function artifactManifest(
  content: ArtifactContent,
  subject: Subject,
  created: Date,
): Artifact {
  const annotations = { [CREATED_ANNOTATION]: created.toISOString() };
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    artifactType: content.artifactType,
    config: {
      mediaType: MediaType.OCI_EMPTY,
      digest: sha256Digest(EMPTY_CONFIG),
      size: EMPTY_CONFIG.length,
    },
    layers: [
      {
        mediaType: content.artifactType,
        digest: sha256Digest(content.bytes),
        size: content.bytes.length,
        ...(content.blobAnnotations === undefined ? {} : { annotations: content.blobAnnotations }),
      },
    ],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const manifest = Buffer.from(JSON.stringify(document));
  const digest = sha256Digest(manifest);
  return {
    manifest,
    digest,
    descriptor: {
      mediaType: MediaType.OCI_MANIFEST,
      digest,
      size: manifest.length,
      artifactType: content.artifactType,
      annotations: {
        ...annotations,
        ...(content.blobAnnotations ?? {}),
      },
    },
  };
}

/** An artifact manifest as verify reads it back: the fields it checks. */
export const artifactManifestSchema = z.object({
  schemaVersion: z.literal(2),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
});

export type ArtifactManifest = z.infer<typeof artifactManifestSchema>;

/** The artifactType of an artifact manifest: its own field, else its config's media type. */
export function artifactTypeOf(manifest: ArtifactManifest): string {
  return manifest.artifactType ?? manifest.config.mediaType;
}

/** provenance, sbom, or undefined for an artifact that is neither (a signature, say). */
export function attestationKind(artifactType: string | undefined): AttestationKind | undefined {
  if (artifactType === MediaType.IN_TOTO) return "provenance";
  if (artifactType === MediaType.SPDX_JSON || artifactType === MediaType.CYCLONEDX_JSON) {
    return "sbom";
  }
  return undefined;
}
