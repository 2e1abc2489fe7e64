/**
 * Attaching artifacts to a manifest and reading them back, through the registry client: the
 * referrers API where the registry has it (it answers a push with OCI-Subject), else the
 * referrers tag scheme (read-modify-write of the `sha256-<hex>` tag's index).
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { RegistryClient } from "../registry/client.js";
import { MediaType } from "../registry/media-types.js";
import { EMPTY_CONFIG, type Artifact, type ArtifactContent } from "./artifact.js";
import {
  mergeReferrersIndex,
  parseReferrers,
  referrersTag,
  type ReferrerDescriptor,
} from "./referrers-index.js";

/** Where a manifest's referrers are listed. */
export type ReferrersSource = "api" | "tag";

export interface AttachedArtifacts {
  readonly subject: string;
  readonly source: ReferrersSource;
  readonly digests: readonly string[];
}

/**
 * Push every artifact (blobs, then the manifest by digest) and list them as referrers of
 * `subject`. No tag but the fallback tag `sha256-<hex>` is written.
 * @throws MultiarchError PUSH_FAILED when the fallback tag holds something that is no index;
 *   REGISTRY_ERROR, AUTH_FAILED from the registry
 */
export async function attachArtifacts(
  registry: RegistryClient,
  repository: string,
  subject: string,
  artifacts: readonly { readonly artifact: Artifact; readonly content: ArtifactContent }[],
): Promise<AttachedArtifacts> {
  await registry.putBlob(repository, EMPTY_CONFIG);
  let indexed = artifacts.length > 0;
  for (const { artifact, content } of artifacts) {
    await registry.putBlob(repository, content.bytes);
    const put = await registry.pushManifest(
      repository,
      artifact.digest,
      artifact.manifest,
      MediaType.OCI_MANIFEST,
    );
    if (put.subject !== subject) indexed = false;
  }
  const digests = artifacts.map((a) => a.artifact.digest);
  if (indexed) return { subject, source: "api", digests };

  const tag = referrersTag(subject);
  const current = await registry.getManifest(repository, tag);
  let bytes: Buffer | undefined;
  try {
    bytes = mergeReferrersIndex(
      current?.json,
      artifacts.map((a) => a.artifact.descriptor),
    );
  } catch {
    throw new MultiarchError(
      ErrorCode.PUSH_FAILED,
      `The referrers tag ${registry.describe(repository, tag)} holds something that is not an image index.`,
      {
        hint: "the referrers tag scheme keeps an index of a manifest's referrers under that tag; delete the tag or push elsewhere",
      },
    );
  }
  if (bytes !== undefined) await registry.putManifest(repository, tag, bytes, MediaType.OCI_INDEX);
  return { subject, source: "tag", digests };
}

export interface ReadReferrers {
  /** undefined when neither the API nor the fallback tag lists anything. */
  readonly source: ReferrersSource | undefined;
  readonly entries: readonly ReferrerDescriptor[];
}

/**
 * The referrers of `subject`: by the API when the registry has it, else from the fallback tag.
 * @throws MultiarchError REGISTRY_ERROR (status 200) when the list is malformed
 */
export async function readReferrers(
  registry: RegistryClient,
  repository: string,
  subject: string,
): Promise<ReadReferrers> {
  const api = await registry.getReferrers(repository, subject);
  const read = api ?? (await registry.getManifest(repository, referrersTag(subject)));
  if (read === undefined) return { source: undefined, entries: [] };
  const where =
    api === undefined
      ? registry.describe(repository, referrersTag(subject))
      : `of ${registry.describe(repository, subject)}`;
  const parsed = parseReferrers(read.json, where);
  if (!parsed.ok) {
    throw new MultiarchError(ErrorCode.REGISTRY_ERROR, parsed.reason, {
      status: 200,
      operation: api === undefined ? "GET manifest" : "GET referrers",
    });
  }
  // The API lists what it has, perhaps nothing; a tag's index is never empty unless emptied.
  const source = api !== undefined ? "api" : "tag";
  return {
    source: parsed.value.length === 0 && api === undefined ? undefined : source,
    entries: parsed.value,
  };
}
