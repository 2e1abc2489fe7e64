/**
 * Step of a publish over several engines: each engine pushed its platforms (an index, or one
 * image manifest when it built one platform) to the same repository; join their manifests into
 * ONE index, stored by digest (no tag moves). The manifests are not copied: they and their blobs
 * are in the repository already, so the index only lists them.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import { sha256Digest } from "../registry/digest.js";
import {
  describePlatform,
  parseManifestDocument,
  type Descriptor,
} from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";
import { parsePlatform } from "../platform/platform.js";

/** What one engine pushed: the digest, and the canonical platforms it holds. */
export interface PushedShare {
  readonly digest: string;
  readonly platforms: readonly string[];
}

/**
 * Write one index listing every platform of `shares`, in the order of `order` (canonical
 * platforms), and return its digest. The index is an OCI image index, or a Docker manifest list
 * when the engines pushed Docker manifests.
 * @throws MultiarchError PUSH_FAILED when a pushed digest is missing, or does not hold the
 * platforms its engine built
 */
export async function joinPushed(
  target: OpenRegistry,
  shares: readonly PushedShare[],
  order: readonly string[],
): Promise<string> {
  const { registry, ref, secrets } = target;
  const entries = new Map<string, Descriptor>();
  for (const share of shares) {
    const where = registry.describe(ref.repository, share.digest);
    const top = await registry.getManifest(ref.repository, share.digest);
    if (top === undefined) {
      throw new MultiarchError(
        ErrorCode.PUSH_FAILED,
        `The registry does not serve ${where}, which an engine just pushed.`,
        { secrets },
      );
    }
    const doc = parseManifestDocument(top.json, top.mediaType, where);
    if (doc.kind === "manifest") {
      const platform = share.platforms.length === 1 ? share.platforms[0] : undefined;
      if (platform === undefined) {
        throw new MultiarchError(
          ErrorCode.PUSH_FAILED,
          `${where} is one image, but its engine built ${share.platforms.join(", ")}.`,
          { secrets },
        );
      }
      const p = parsePlatform(platform);
      entries.set(platform, {
        mediaType: top.mediaType || MediaType.OCI_MANIFEST,
        digest: top.digest,
        size: top.bytes.length,
        platform: {
          os: p.os,
          architecture: p.arch,
          ...(p.variant === undefined ? {} : { variant: p.variant }),
        },
      });
      continue;
    }
    for (const entry of doc.index.manifests) {
      if (entry.platform === undefined) continue;
      entries.set(describePlatform(entry.platform), entry);
    }
  }
  const missing = order.filter((p) => !entries.has(p));
  if (missing.length > 0) {
    throw new MultiarchError(
      ErrorCode.PUSH_FAILED,
      `The engines' pushes lack ${missing.join(", ")}: nothing to join for them.`,
      { secrets },
    );
  }
  const manifests = order.map((p) => entries.get(p) as Descriptor);
  const docker = manifests.every((m) => m.mediaType === MediaType.DOCKER_MANIFEST);
  const mediaType = docker ? MediaType.DOCKER_MANIFEST_LIST : MediaType.OCI_INDEX;
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
  return registry.putManifest(ref.repository, sha256Digest(bytes), bytes, mediaType);
}
