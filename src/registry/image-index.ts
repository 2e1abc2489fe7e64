/**
 * OCI image indexes (and Docker manifest lists), image manifests and image configs: zod schemas
 * for the fields we use, and `readIndex`, which summarises what a tag or digest points at.
 *
 * The schemas are deliberately loose about fields we do not use (they are stripped, not
 * rejected): registries and builders add their own, and we never re-serialise parsed documents.
 * Anything that must keep its digest is handled as bytes (see RegistryClient.getManifest).
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { formatPlatform, parsePlatform } from "../platform/platform.js";
import type { ManifestResult, RegistryClient } from "./client.js";
import { DIGEST_PATTERN } from "./digest.js";
import {
  IMAGE_CONFIG_MEDIA_TYPES,
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
} from "./media-types.js";

const annotationsSchema = z.record(z.string(), z.string());

/** sha256 only, like the rest of the SDK: an entry in another algorithm is reported here. */
const digestSchema = z.string().regex(DIGEST_PATTERN, "expected sha256:<64 lower-case hex digits>");

export const ociPlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  platform: ociPlatformSchema.optional(),
  annotations: annotationsSchema.optional(),
});

/** An OCI image index or a Docker manifest list (same shape for what we read). */
export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
});

/** An OCI image manifest or a Docker v2 schema 2 manifest. */
export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
});

export type OciPlatform = z.infer<typeof ociPlatformSchema>;
export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageIndex = z.infer<typeof imageIndexSchema>;
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export type ManifestDocument =
  | { readonly kind: "index"; readonly index: ImageIndex }
  | { readonly kind: "manifest"; readonly manifest: ImageManifest };

/** A document checked against its schema: the value, or why it is not one (one sentence). */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * Classify and validate a manifest document. The kind comes from the media type (the response's
 * Content-Type, else the document's own field), else from its shape (`manifests` vs `config`).
 * @param where names the document in the reason, e.g. `127.0.0.1:5000/app:1.0`
 */
export function safeParseManifestDocument(
  json: unknown,
  mediaType: string | undefined,
  where: string,
): Parsed<ManifestDocument> {
  const declared = mediaType || ownMediaType(json);
  let kind: ManifestDocument["kind"];
  if (declared !== undefined && INDEX_MEDIA_TYPES.includes(declared)) kind = "index";
  else if (declared !== undefined && IMAGE_MANIFEST_MEDIA_TYPES.includes(declared))
    kind = "manifest";
  else if (declared === undefined && hasKey(json, "manifests")) kind = "index";
  else if (declared === undefined && hasKey(json, "config")) kind = "manifest";
  else {
    return {
      ok: false,
      reason:
        `${where} is not an image index or image manifest (media type ${JSON.stringify(declared ?? "none")}; ` +
        `expected ${[...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES].join(", ")}).`,
    };
  }
  if (kind === "index") {
    const index = safeParseWith(imageIndexSchema, json, `image index ${where}`);
    return index.ok ? { ok: true, value: { kind, index: index.value } } : index;
  }
  const manifest = safeParseWith(imageManifestSchema, json, `image manifest ${where}`);
  return manifest.ok ? { ok: true, value: { kind, manifest: manifest.value } } : manifest;
}

/**
 * safeParseManifestDocument, for callers that cannot go on without the document.
 * @throws MultiarchError REGISTRY_ERROR for an unsupported type or a malformed document
 */
export function parseManifestDocument(
  json: unknown,
  mediaType: string | undefined,
  where: string,
): ManifestDocument {
  return orThrow(safeParseManifestDocument(json, mediaType, where));
}

/**
 * The platform an image config's bytes declare. An image config carries it in the same fields
 * as an index entry's platform (os, architecture, variant), so it is read with the same schema.
 * @param where names the image in the reason, e.g. `127.0.0.1:5000/app@sha256:...`
 */
export function safeParseConfigPlatform(bytes: Uint8Array, where: string): Parsed<OciPlatform> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return { ok: false, reason: `The image config of ${where} is not JSON.` };
  }
  return safeParseWith(ociPlatformSchema, json, `image config of ${where}`);
}

/**
 * `os/arch[/variant]` of an OCI platform: canonical (formatPlatform) when it is a platform this
 * SDK supports, else exactly as written, e.g. `unknown/unknown` for attestation manifests.
 */
export function describePlatform(platform: OciPlatform): string {
  const raw = rawPlatform(platform);
  if (platform.os !== "linux") return raw;
  try {
    return formatPlatform(parsePlatform(raw));
  } catch {
    return raw;
  }
}

/** `os/arch[/variant]` exactly as written in the manifest. */
export function rawPlatform(platform: OciPlatform): string {
  const { os, architecture, variant } = platform;
  return variant === undefined || variant === ""
    ? `${os}/${architecture}`
    : `${os}/${architecture}/${variant}`;
}

export interface IndexEntrySummary {
  /** See describePlatform; absent when the entry names no platform. */
  readonly platform?: string;
  /** The entry's platform as written; absent when it names none. */
  readonly rawPlatform?: string;
  readonly mediaType: string;
  /** Digest of the entry's manifest. */
  readonly digest: string;
  /** Bytes of the entry's manifest. */
  readonly manifestSize: number;
  /**
   * The image size: manifest + config + layers (compressed, as stored). For an entry that is
   * itself an index (rare), only that index's own size.
   */
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface IndexSummary {
  readonly kind: "index";
  readonly digest: string;
  readonly mediaType: string;
  readonly entries: readonly IndexEntrySummary[];
  readonly annotations: Readonly<Record<string, string>>;
}

/** What a reference to a single-platform image manifest (not an index) reads as. */
export interface ManifestSummary {
  readonly kind: "manifest";
  readonly digest: string;
  readonly mediaType: string;
  /** From the image config; absent when the config is not an image config. */
  readonly platform?: string;
  readonly rawPlatform?: string;
  /** manifest + config + layers. */
  readonly size: number;
  readonly annotations: Readonly<Record<string, string>>;
}

export type ImageSummary = IndexSummary | ManifestSummary;

/**
 * Summarise the index (or single manifest) that `reference` (tag or digest) points at, fetching
 * each entry's manifest to total its size.
 * @returns undefined when the tag or digest does not exist
 * @throws MultiarchError REGISTRY_ERROR when a document is malformed, an entry's manifest is
 *   missing or not the size the index gives; AUTH_FAILED
 */
export async function readIndex(
  client: RegistryClient,
  repository: string,
  reference: string,
): Promise<ImageSummary | undefined> {
  const top = await client.getManifest(repository, reference);
  if (top === undefined) return undefined;
  return summariseManifest(client, repository, top, client.describe(repository, reference));
}

/**
 * Summarise a manifest or index already read (`top`), fetching each entry's manifest to total
 * its size.
 */
export async function summariseManifest(
  client: RegistryClient,
  repository: string,
  top: ManifestResult,
  where: string,
): Promise<ImageSummary> {
  const doc = parseManifestDocument(top.json, top.mediaType, where);

  if (doc.kind === "manifest") {
    const platform = await configPlatform(client, repository, doc.manifest, where);
    return {
      kind: "manifest",
      digest: top.digest,
      mediaType: top.mediaType,
      ...(platform === undefined
        ? {}
        : { platform: describePlatform(platform), rawPlatform: rawPlatform(platform) }),
      size: imageSize(top.bytes.length, doc.manifest),
      annotations: doc.manifest.annotations ?? {},
    };
  }

  const entries = await Promise.all(
    doc.index.manifests.map((entry) => summariseEntry(client, repository, entry, where)),
  );
  return {
    kind: "index",
    digest: top.digest,
    mediaType: top.mediaType,
    entries,
    annotations: doc.index.annotations ?? {},
  };
}

async function summariseEntry(
  client: RegistryClient,
  repository: string,
  entry: Descriptor,
  where: string,
): Promise<IndexEntrySummary> {
  const child = await client.getManifest(repository, entry.digest);
  const childWhere = client.describe(repository, entry.digest);
  if (child === undefined) {
    throw new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `The index ${where} lists manifest ${entry.digest}, which the registry does not have.`,
      { status: 404, operation: "GET manifest" },
    );
  }
  if (child.bytes.length !== entry.size) {
    throw new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `The index ${where} gives ${childWhere} a size of ${entry.size} bytes, but it has ${child.bytes.length}.`,
    );
  }
  const doc = parseManifestDocument(child.json, child.mediaType || entry.mediaType, childWhere);
  return {
    ...(entry.platform === undefined
      ? {}
      : { platform: describePlatform(entry.platform), rawPlatform: rawPlatform(entry.platform) }),
    mediaType: entry.mediaType,
    digest: entry.digest,
    manifestSize: entry.size,
    size: doc.kind === "manifest" ? imageSize(entry.size, doc.manifest) : entry.size,
    annotations: entry.annotations ?? {},
  };
}

/** The platform an image config declares, or undefined for a non-image config. */
async function configPlatform(
  client: RegistryClient,
  repository: string,
  manifest: ImageManifest,
  where: string,
): Promise<OciPlatform | undefined> {
  if (!IMAGE_CONFIG_MEDIA_TYPES.includes(manifest.config.mediaType)) return undefined;
  const bytes = await client.getBlob(repository, manifest.config.digest);
  return orThrow(safeParseConfigPlatform(bytes, where));
}

/** An image's size as stored: its manifest's bytes, its config and its (compressed) layers. */
export function imageSize(manifestSize: number, manifest: ImageManifest): number {
  return manifest.layers.reduce(
    (sum, layer) => sum + layer.size,
    manifestSize + manifest.config.size,
  );
}

function safeParseWith<T>(schema: z.ZodType<T>, json: unknown, what: string): Parsed<T> {
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map(
    (issue) => `${issue.path.map(String).join(".") || "(document)"}: ${issue.message}`,
  );
  return { ok: false, reason: `Malformed ${what}: ${issues.join("; ")}.` };
}

/** A document the registry served is not what it claims: the registry answered unusably. */
function orThrow<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  throw new MultiarchError(ErrorCode.REGISTRY_ERROR, parsed.reason);
}

function ownMediaType(json: unknown): string | undefined {
  const field = hasKey(json, "mediaType") ? json.mediaType : undefined;
  return typeof field === "string" && field !== "" ? field : undefined;
}

function hasKey<K extends string>(json: unknown, key: K): json is Record<K, unknown> {
  return typeof json === "object" && json !== null && key in json;
}
