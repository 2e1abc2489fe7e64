/**
 * Steps around verification: make the index final before any user tag sees it (read what the
 * engine pushed by digest, add the index annotations — Dagger puts annotations on each manifest
 * only — and store the result by its own digest), then, once it is verified, put those same
 * bytes under every tag, so every tag names one digest.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { ManifestResult } from "../registry/client.js";
import { sha256Digest } from "../registry/digest.js";
import { annotateIndex, type DescriptorAnnotations } from "../registry/index-annotations.js";
import { MediaType } from "../registry/media-types.js";
import type { OpenRegistry } from "../registry/open-registry.js";

/**
 * The index as tags will name it, stored in the registry by digest; no tag moves.
 * @param pushed the digest the engine pushed (under the staging tag)
 * @param annotations the index's own
 * @param descriptors the annotations of the index's entry for a canonical platform
 */
export async function finalIndex(
  target: OpenRegistry,
  pushed: string,
  annotations: Readonly<Record<string, string>>,
  descriptors?: DescriptorAnnotations,
): Promise<ManifestResult> {
  const { registry, ref, secrets } = target;
  const where = registry.describe(ref.repository, pushed);
  const index = await registry.getManifest(ref.repository, pushed);
  if (index === undefined) {
    throw new MultiarchError(
      ErrorCode.PUSH_FAILED,
      `The registry does not serve the index it just accepted (${where}).`,
      { secrets },
    );
  }
  // A Docker manifest list has no annotations field; a single manifest is no index.
  if (index.mediaType !== MediaType.OCI_INDEX) return index;
  const { bytes, same } = annotateIndex(index, annotations, where, descriptors);
  if (same) return index;
  const digest = await registry.putManifest(
    ref.repository,
    sha256Digest(bytes),
    bytes,
    index.mediaType,
  );
  const buffer = Buffer.from(bytes);
  return { ...index, digest, bytes: buffer, json: JSON.parse(buffer.toString("utf8")) as unknown };
}

/** Point every tag at `index` (bytes unchanged, so one digest), in the order given. */
export async function moveTags(
  target: OpenRegistry,
  index: ManifestResult,
  tags: readonly string[],
): Promise<void> {
  const { registry, ref } = target;
  for (const tag of tags) {
    await registry.putManifest(ref.repository, tag, index.bytes, index.mediaType);
  }
}
