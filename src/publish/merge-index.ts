/**
 * mergeIndex: one image index from manifests already in the registry (like `docker buildx
 * imagetools create`), for CI jobs that build each platform on its own machine and push it by
 * digest. Steps: open the registry, read every source (a platform's manifest, its platform read
 * from its config; an index is flattened), refuse two sources of one platform, bring manifests
 * from other repositories of the same registry into the target (blobs mounted, else copied),
 * store the index by digest, verify it, and only then move every tag to it.
 */
import type { Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseOptions } from "../common/parse-options.js";
import { retryEvent, silent, type ProgressListener } from "../common/progress.js";
import type { ManifestResult } from "../registry/client.js";
import { sha256Digest } from "../registry/digest.js";
import {
  describePlatform,
  imageSize,
  parseManifestDocument,
  safeParseConfigPlatform,
  type ImageManifest,
} from "../registry/image-index.js";
import { IMAGE_CONFIG_MEDIA_TYPES, MediaType } from "../registry/media-types.js";
import { annotationsAt } from "../plan/annotations.js";
import { placedAnnotationSchema } from "../plan/image-format.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import {
  DEFAULT_TAG,
  EXPECTED_TAG,
  parseReference,
  TAG_PATTERN,
  type ImageReference,
} from "../registry/reference.js";
import { retriesSchema } from "../registry/retry.js";
import {
  isAttestation,
  mergedIndexBytes,
  uniquePlatforms,
  type MergeEntry,
} from "./merge-entries.js";
import { openTarget, verifyPublished } from "./publish-index.js";
import { moveTags } from "./tag-index.js";

const optionsSchema = z.object({
  /** Tags to point at the index; default: the address's own tag, else `latest`. */
  tags: z
    .array(z.string().regex(TAG_PATTERN, `a tag: ${EXPECTED_TAG}`))
    .min(1)
    .optional(),
  /** Annotations on the index itself. */
  annotations: z.record(z.string().min(1), z.string()).default({}),
  /**
   * Annotations by buildx's levels: `index`, or `manifest-descriptor` (each entry's descriptor,
   * limited to some platforms when they say so). Not `manifest`: the manifests are what was
   * pushed, and rewriting them would change their digests.
   */
  placedAnnotations: z.array(placedAnnotationSchema).default([]),
  username: z.string().min(1).optional(),
  plainHttp: z.boolean().optional(),
  /** Read the index back by digest and check it before any tag moves (default true). */
  verify: z.boolean().default(true),
  /** With verify: check every ELF file's CPU in every platform (default true). */
  scanBinaries: z.boolean().default(true),
  retries: retriesSchema.optional(),
});

export type MergeIndexOptions = z.input<typeof optionsSchema> & {
  /** Registry password or token: plain text, or a Dagger secret. */
  password?: string | Secret;
  onProgress?: ProgressListener;
};

export interface MergedPlatform {
  /** Canonical platform, `os/arch[/variant]`. */
  readonly platform: string;
  /** Digest of this platform's image manifest. */
  readonly digest: string;
  /** Bytes: manifest + config + compressed layers. */
  readonly size: number;
  /** The source it came from, as given. */
  readonly source: string;
}

export interface MergeResult {
  /** Digest of the image index. */
  readonly digest: string;
  /** `registry/repository:tag@digest`, one per tag. */
  readonly refs: readonly string[];
  readonly mediaType: string;
  readonly platforms: readonly MergedPlatform[];
  /** Attestation entries of source indexes, left out of the merged index. */
  readonly skipped: readonly { readonly source: string; readonly digest: string }[];
  /** Blobs brought from other repositories: mounted (no transfer) or copied. */
  readonly blobs: { readonly mounted: number; readonly copied: number };
}

/**
 * Join `sources` into one index at `address` (`registry/repo[:tag]`, or a registry opened with
 * openRegistry) under every tag. A source is a reference in the same registry
 * (`registry/repo@sha256:…` or `registry/repo:tag`), or a bare digest (`sha256:…`) of the
 * target repository. No tag moves unless the index was stored and verified.
 * @throws MultiarchError INVALID_INPUT (no sources, another registry, not an image, two sources
 *   of one platform), REGISTRY_ERROR (a source is missing), AUTH_FAILED, VERIFY_FAILED
 */
export async function mergeIndex(
  sources: readonly string[],
  address: string | OpenRegistry,
  options: MergeIndexOptions = {},
): Promise<MergeResult> {
  const { password, onProgress = silent, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "merge options");
  const misplaced = opts.placedAnnotations.find(
    (a) => a.level !== "index" && a.level !== "manifest-descriptor",
  );
  if (misplaced !== undefined) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `A merge cannot place a ${misplaced.level} annotation: it writes only the index.`,
      {
        given: `${misplaced.level}:${misplaced.key}`,
        expected: "index or manifest-descriptor annotations",
        hint: "give manifest annotations to the build of each platform",
      },
    );
  }
  if (sources.length === 0) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No sources to merge.", {
      expected: "at least one REPO@DIGEST of a platform's image (or of an index)",
    });
  }
  const target = await openTarget(address, { ...opts, password });
  const { ref, registry } = target;
  const stopRetryEvents = registry.onRetry((retry) => onProgress(retryEvent(retry)));
  try {
    const refs = sources.map((text) => sourceReference(text, ref));
    const read = await Promise.all(sources.map((text, i) => readSource(target, text, refs[i]!)));
    const entries = uniquePlatforms(read.flatMap((r) => r.entries));
    const skipped = read.flatMap((r) => r.skipped);

    const start = performance.now();
    const repo = `${ref.registry}/${ref.repository}`;
    onProgress({ kind: "push-start", ref: repo });
    const blobs = { mounted: 0, copied: 0 };
    const manifests = await Promise.all(entries.map((e) => bringManifest(target, e, blobs)));
    const placed = opts.placedAnnotations;
    const bytes = mergedIndexBytes(
      entries,
      { ...opts.annotations, ...annotationsAt(placed, "index") },
      (platform) => annotationsAt(placed, "manifest-descriptor", platform),
    );
    const digest = await registry.putManifest(
      ref.repository,
      sha256Digest(bytes),
      bytes,
      MediaType.OCI_INDEX,
    );
    onProgress({ kind: "push-done", digest, seconds: (performance.now() - start) / 1000 });

    const platforms = entries.map((e) => describePlatform(e.descriptor.platform));
    if (opts.verify) {
      await verifyPublished(
        `${repo}@${digest}`,
        { platforms, scanBinaries: opts.scanBinaries },
        { ...opts, password },
        onProgress,
      );
    }

    const tags = opts.tags ?? [ref.tag ?? DEFAULT_TAG];
    const index: ManifestResult = {
      mediaType: MediaType.OCI_INDEX,
      digest,
      bytes,
      json: JSON.parse(bytes.toString("utf8")) as unknown,
    };
    await moveTags(target, index, tags);
    return {
      digest,
      refs: tags.map((tag) => `${registry.describe(ref.repository, tag)}@${digest}`),
      mediaType: MediaType.OCI_INDEX,
      platforms: entries.map((e, i) => ({
        platform: platforms[i] ?? "",
        digest: e.descriptor.digest,
        size: imageSize(e.descriptor.size, manifests[i]!),
        source: e.source,
      })),
      skipped,
      blobs,
    };
  } finally {
    stopRetryEvents();
  }
}

/**
 * A source as given: a full reference in the target's registry, or a digest of the target
 * repository (`sha256:…`, `@sha256:…`).
 * @throws MultiarchError INVALID_INPUT
 */
export function sourceReference(text: string, target: ImageReference): ImageReference {
  const bare = /^@?(sha256:[0-9a-f]{64})$/.exec(text)?.[1];
  if (bare !== undefined) {
    return { registry: target.registry, repository: target.repository, digest: bare };
  }
  const ref = parseReference(text);
  if (ref.registry !== target.registry) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `The source ${text} is in the registry ${ref.registry}, not ${target.registry}: a merge reads manifests from the registry it writes to.`,
      {
        given: text,
        expected: `${target.registry}/REPO@sha256:… or sha256:… (of ${target.registry}/${target.repository})`,
        hint: `copy it into ${target.registry} first (skopeo copy --all docker://${text} docker://${target.registry}/…)`,
      },
    );
  }
  return ref;
}

interface SourceRead {
  readonly entries: readonly MergeEntry[];
  readonly skipped: readonly { readonly source: string; readonly digest: string }[];
}

/** A source's entries: one for an image manifest (platform from its config), each of an index. */
async function readSource(
  target: OpenRegistry,
  text: string,
  ref: ImageReference,
): Promise<SourceRead> {
  const { registry } = target;
  const reference = ref.digest ?? ref.tag ?? DEFAULT_TAG;
  const where = registry.describe(ref.repository, reference);
  const top = await registry.getManifest(ref.repository, reference);
  if (top === undefined) {
    throw new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `The source ${text} is not in the registry (no manifest ${where}).`,
      { status: 404, operation: "GET manifest", given: text, hint: "push it first, by digest" },
    );
  }
  const doc = parseManifestDocument(top.json, top.mediaType, where);
  if (doc.kind === "manifest") {
    const platform = await configPlatform(target, ref.repository, doc.manifest, text);
    const descriptor = {
      mediaType: top.mediaType || MediaType.OCI_MANIFEST,
      digest: top.digest,
      size: top.bytes.length,
      platform,
    };
    return { entries: [{ source: text, repository: ref.repository, descriptor }], skipped: [] };
  }
  // An index: flattened, its attestations left out.
  const entries: MergeEntry[] = [];
  const skipped: { source: string; digest: string }[] = [];
  for (const descriptor of doc.index.manifests) {
    if (isAttestation(descriptor)) {
      skipped.push({ source: text, digest: descriptor.digest });
      continue;
    }
    const { platform } = descriptor;
    if (platform === undefined) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `The index ${text} lists ${descriptor.digest} without a platform: it cannot be merged.`,
        { given: text, expected: "index entries that each name a platform" },
      );
    }
    entries.push({
      source: text,
      repository: ref.repository,
      descriptor: { ...descriptor, platform },
    });
  }
  return { entries, skipped };
}

/** The platform an image manifest's config declares. */
async function configPlatform(
  target: OpenRegistry,
  repository: string,
  manifest: ImageManifest,
  source: string,
) {
  if (!IMAGE_CONFIG_MEDIA_TYPES.includes(manifest.config.mediaType)) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `The source ${source} is not a container image (its config is ${manifest.config.mediaType}).`,
      { given: source, expected: IMAGE_CONFIG_MEDIA_TYPES.join(" or ") },
    );
  }
  const bytes = await target.registry.getBlob(repository, manifest.config.digest);
  const parsed = safeParseConfigPlatform(bytes, source);
  if (parsed.ok) return parsed.value;
  throw new MultiarchError(ErrorCode.REGISTRY_ERROR, parsed.reason, { given: source });
}

/**
 * Make the entry's manifest (and its blobs) present in the target repository, and return it.
 * From the target repository itself nothing is written.
 */
async function bringManifest(
  target: OpenRegistry,
  entry: MergeEntry,
  blobs: { mounted: number; copied: number },
): Promise<ImageManifest> {
  const { registry, ref } = target;
  const { digest } = entry.descriptor;
  const where = registry.describe(entry.repository, digest);
  const manifest = await registry.getManifest(entry.repository, digest);
  if (manifest === undefined) {
    throw new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `The source ${entry.source} lists ${digest}, which the registry does not have.`,
      { status: 404, operation: "GET manifest", given: entry.source },
    );
  }
  const doc = parseManifestDocument(manifest.json, manifest.mediaType, where);
  if (doc.kind === "index") {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `The source ${entry.source} nests an index (${digest}) inside an index: only one level is flattened.`,
      { given: entry.source },
    );
  }
  if (entry.repository !== ref.repository) {
    const needed = [doc.manifest.config, ...doc.manifest.layers].map((d) => d.digest);
    const how = await Promise.all(
      [...new Set(needed)].map((blob) => registry.copyBlob(entry.repository, ref.repository, blob)),
    );
    blobs.mounted += how.filter((h) => h === "mounted").length;
    blobs.copied += how.filter((h) => h === "copied").length;
    await registry.putManifest(ref.repository, digest, manifest.bytes, manifest.mediaType);
  }
  return doc.manifest;
}
