/**
 * Annotations on the image index itself. Dagger's publish puts annotations on each platform's
 * manifest only; registries and UIs (and `docker buildx imagetools inspect`) show the index's
 * own `annotations` for a multi-platform tag, so this rewrites the index with them added.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { ManifestResult, RegistryClient } from "./client.js";
import { describePlatform, parseManifestDocument } from "./image-index.js";
import { MediaType } from "./media-types.js";

/**
 * Add `annotations` to the index that `tags[0]` names (replacing keys it already has), and put
 * the new index under every tag. The platform manifests are untouched; the index gets a new
 * digest. Nothing is written when the index already has exactly these annotations.
 * @returns the digest every tag now names
 * @throws MultiarchError INVALID_INPUT (no tags, empty key, a Docker manifest list: its schema
 *   has no annotations, a single image manifest), REGISTRY_ERROR (the tag names nothing, or
 *   not an image manifest or index), AUTH_FAILED
 */
export async function setIndexAnnotations(
  registry: RegistryClient,
  repository: string,
  tags: readonly string[],
  annotations: Readonly<Record<string, string>>,
): Promise<string> {
  const [first] = tags;
  if (first === undefined) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No tags to annotate.", {
      expected: "at least one tag",
    });
  }
  if (Object.keys(annotations).some((key) => key === "")) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "An annotation key is empty.", {
      given: JSON.stringify(annotations),
      expected: "keys such as org.opencontainers.image.version",
    });
  }
  const where = registry.describe(repository, first);
  const current = await registry.getManifest(repository, first);
  if (current === undefined) {
    throw new MultiarchError(ErrorCode.REGISTRY_ERROR, `The registry has no manifest ${where}.`, {
      status: 404,
      operation: "GET manifest",
    });
  }
  const { bytes, same } = annotateIndex(current, annotations, where);

  let digest = current.digest;
  for (const tag of tags) {
    if (same && tag === first) continue;
    digest = await registry.putManifest(repository, tag, bytes, current.mediaType);
  }
  return digest;
}

/**
 * The bytes of `current` (an OCI index as served) with `annotations` added, replacing keys it
 * already has, and each manifest descriptor's annotations replaced by `descriptors(its
 * platform, its annotations)`; every other field is kept as served. Pure.
 * @returns the new bytes, and `same` when the index already had exactly these annotations (the
 *   bytes are then the served ones, unchanged)
 * @throws MultiarchError INVALID_INPUT (a single image manifest, a Docker manifest list: neither
 *   has index annotations), REGISTRY_ERROR (not an image manifest or index)
 */
export function annotateIndex(
  current: ManifestResult,
  annotations: Readonly<Record<string, string>>,
  where: string,
  descriptors: DescriptorAnnotations = (_, current) => current,
): { readonly bytes: Uint8Array; readonly same: boolean } {
  const doc = parseManifestDocument(current.json, current.mediaType, where);
  if (doc.kind !== "index") {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `${where} is a single image manifest, not an image index: it has no index annotations.`,
      { hint: "annotate the image itself (publish's annotations go onto every manifest)" },
    );
  }
  if (current.mediaType !== MediaType.OCI_INDEX) {
    // The Docker manifest list schema has no annotations: registries may refuse or drop them.
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `${where} is a ${current.mediaType || "manifest list without a media type"}, which has no annotations field.`,
      {
        expected: MediaType.OCI_INDEX,
        hint: "publish with OCI media types (mediaTypes: oci, the default) to annotate the index",
      },
    );
  }

  // Edit the document as served, unknown fields included; only `annotations` change.
  const json = current.json as { manifests?: Record<string, unknown>[] };
  let same = adds(doc.index.annotations, annotations) === undefined;
  const merged = adds(doc.index.annotations, annotations) ?? doc.index.annotations;
  const manifests = (json.manifests ?? []).map((raw, i) => {
    const entry = doc.index.manifests[i];
    if (entry?.platform === undefined) return raw;
    const current = entry.annotations ?? {};
    const next = descriptors(describePlatform(entry.platform), current);
    if (sameRecord(current, next)) return raw;
    same = false;
    const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "annotations"));
    return Object.keys(next).length === 0 ? rest : { ...rest, annotations: next };
  });
  if (same) return { bytes: current.bytes, same };
  const edited = { ...json, manifests, ...(merged === undefined ? {} : { annotations: merged }) };
  return { bytes: Buffer.from(JSON.stringify(edited), "utf8"), same };
}

/** The annotations an index entry should have, given its platform and those it has. */
export type DescriptorAnnotations = (
  platform: string,
  current: Readonly<Record<string, string>>,
) => Readonly<Record<string, string>>;

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** `current` with `extra` merged in, or undefined when that changes nothing. */
function adds(
  current: Readonly<Record<string, string>> | undefined,
  extra: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  if (Object.entries(extra).every(([k, v]) => current?.[k] === v)) return undefined;
  return { ...current, ...extra };
}
