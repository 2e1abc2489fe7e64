/**
 * What a publish returns: the index digest, a reference per tag, and per platform its manifest
 * digest, size and how it was built.
 */
import type { BuiltVariant } from "../engine/variants.js";
import type { BuildMode } from "../plan/dockerfile-stages.js";
import type { ManifestResult, RegistryClient } from "../registry/client.js";
import { summariseManifest } from "../registry/image-index.js";
import type { PlatformAttestations } from "../attest/attest-index.js";
import type { ReferrersSource } from "../attest/referrers.js";

export interface PublishedPlatform {
  /** Canonical platform, `os/arch[/variant]`. */
  readonly platform: string;
  /** Digest of this platform's image manifest. */
  readonly digest: string;
  /** Bytes: manifest + config + compressed layers. */
  readonly size: number;
  /** Seconds its build took (0 when it was already built). */
  readonly seconds: number;
  readonly emulated: boolean;
  /** native, cross (nothing ran under QEMU) or emulated. */
  readonly mode: BuildMode;
  /** Its provenance and SBOM manifests, when asked for, and where they are listed. */
  readonly attestations?: {
    readonly referrers: ReferrersSource;
    readonly provenance?: string;
    readonly sbom?: string;
  };
}

export interface PublishResult {
  /** Digest of the image index. */
  readonly digest: string;
  /** Bytes of the image index itself. */
  readonly size: number;
  /** `registry/repository:tag@digest`, one per tag. */
  readonly refs: readonly string[];
  readonly mediaType: string;
  readonly platforms: readonly PublishedPlatform[];
}

/**
 * The result, from the index as it was written (no second read of it): each entry's manifest is
 * fetched once for its size.
 */
export async function publishResult(
  registry: RegistryClient,
  repository: string,
  index: ManifestResult,
  tags: readonly string[],
  built: readonly BuiltVariant[],
  attestations: readonly PlatformAttestations[] = [],
): Promise<PublishResult> {
  const where = registry.describe(repository, index.digest);
  const summary = await summariseManifest(registry, repository, index, where);
  // One variant is pushed as a plain image manifest, not an index: it is its own entry.
  const entries =
    summary.kind === "index"
      ? summary.entries
      : [{ platform: built[0]?.platform, digest: summary.digest, size: summary.size }];
  return {
    digest: index.digest,
    size: index.bytes.length,
    refs: tags.map((tag) => `${registry.describe(repository, tag)}@${index.digest}`),
    mediaType: index.mediaType,
    platforms: built.map((b) => {
      const entry = entries.find((e) => e.platform === b.platform);
      const attested = attestations.find((a) => a.platform === b.platform);
      return {
        platform: b.platform,
        digest: entry?.digest ?? "",
        size: entry?.size ?? 0,
        seconds: b.seconds,
        emulated: b.emulated,
        mode: b.mode,
        ...(attested === undefined
          ? {}
          : {
              attestations: {
                referrers: attested.source,
                ...(attested.provenance === undefined ? {} : { provenance: attested.provenance }),
                ...(attested.sbom === undefined ? {} : { sbom: attested.sbom }),
              },
            }),
      };
    }),
  };
}
