/**
 * The pure half of mergeIndex: which index entries the sources give, whether two of them claim
 * one platform, and the index document they make. No registry here.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { describePlatform, type Descriptor, type OciPlatform } from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";

/** One platform's manifest, as it will stand in the merged index. */
export interface MergeEntry {
  /** The source as the caller gave it (for messages and the result). */
  readonly source: string;
  /** The repository the manifest is read from (the same registry as the target). */
  readonly repository: string;
  /** Its descriptor in the index: media type, digest, size, platform (read from its config). */
  readonly descriptor: Descriptor & { readonly platform: OciPlatform };
}

/** The annotation buildx (and BuildKit) marks an attestation manifest with. */
const REFERENCE_TYPE = "vnd.docker.reference.type";

/**
 * Whether an index entry is an attestation (buildx's provenance or SBOM manifest), not an image:
 * `unknown/unknown`, or marked as one. A merge leaves these out: they break clients that pick a
 * platform (see verify), and their subjects are the source's manifests, not a platform.
 */
export function isAttestation(descriptor: Descriptor): boolean {
  const { platform, annotations } = descriptor;
  if (annotations?.[REFERENCE_TYPE] === "attestation-manifest") return true;
  return platform?.os === "unknown" && platform.architecture === "unknown";
}

/**
 * Refuse two entries for one platform (canonical, so `linux/arm64` and `linux/arm64/v8` clash);
 * the error names both sources. One source listed twice with the same manifest is not a clash.
 * @returns the entries, each manifest once
 * @throws MultiarchError INVALID_INPUT
 */
export function uniquePlatforms(entries: readonly MergeEntry[]): MergeEntry[] {
  const byPlatform = new Map<string, MergeEntry>();
  const kept: MergeEntry[] = [];
  for (const entry of entries) {
    const platform = describePlatform(entry.descriptor.platform);
    const earlier = byPlatform.get(platform);
    if (earlier === undefined) {
      byPlatform.set(platform, entry);
      kept.push(entry);
      continue;
    }
    if (earlier.descriptor.digest === entry.descriptor.digest) continue;
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `Two sources are ${platform}: ${earlier.source} (${earlier.descriptor.digest}) and ${entry.source} (${entry.descriptor.digest}).`,
      {
        platform,
        given: `${earlier.source} ${entry.source}`,
        expected: "one image per platform",
        hint: "leave one of them out; nothing was written",
      },
    );
  }
  return kept;
}

/**
 * The merged OCI image index, serialised: the entries in the order given, each descriptor with
 * the annotations `descriptorFor` gives its platform added, and `annotations` on the index itself
 * (omitted when empty).
 */
export function mergedIndexBytes(
  entries: readonly MergeEntry[],
  annotations: Readonly<Record<string, string>> = {},
  descriptorFor: (platform: string) => Readonly<Record<string, string>> = () => ({}),
): Buffer {
  const manifests = entries.map(({ descriptor }) => {
    const { mediaType, digest, size, platform } = descriptor;
    const merged = { ...descriptor.annotations, ...descriptorFor(describePlatform(platform)) };
    return {
      mediaType,
      digest,
      size,
      ...(Object.keys(merged).length > 0 ? { annotations: merged } : {}),
      platform: {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant === undefined || platform.variant === ""
          ? {}
          : { variant: platform.variant }),
      },
    };
  });
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_INDEX,
    manifests,
    ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
  };
  return Buffer.from(JSON.stringify(index), "utf8");
}
