/**
 * Step: after the push, read the index once, add the index annotations to it (Dagger puts
 * annotations on each manifest only), and put the same bytes under every tag, so every tag names
 * one digest.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { ManifestResult } from "../registry/client.js";
import { annotateIndex } from "../registry/index-annotations.js";
import { MediaType } from "../registry/media-types.js";
import type { OpenRegistry } from "../registry/open-registry.js";

/**
 * @param pushed the digest the engine pushed under `tags[0]`
 * @returns the index every tag names now
 */
export async function tagIndex(
  target: OpenRegistry,
  pushed: string,
  tags: readonly string[],
  annotations: Readonly<Record<string, string>>,
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
  const annotate = Object.keys(annotations).length > 0 && index.mediaType === MediaType.OCI_INDEX;
  const { bytes, same } = annotate
    ? annotateIndex(index, annotations, where)
    : { bytes: index.bytes, same: true };
  // The engine already put the pushed bytes under the first tag.
  const retag = same ? tags.slice(1) : tags;
  let digest = index.digest;
  for (const tag of retag) {
    digest = await registry.putManifest(ref.repository, tag, bytes, index.mediaType);
  }
  if (same) return index;
  const buffer = Buffer.from(bytes);
  return { ...index, digest, bytes: buffer, json: JSON.parse(buffer.toString("utf8")) as unknown };
}
