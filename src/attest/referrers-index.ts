/**
 * The referrers tag scheme (OCI distribution 1.1, for registries without the referrers API): the
 * tag `sha256-<hex>` of a manifest's digest names an image index listing every manifest whose
 * `subject` is that digest. Pure: the tag's name, and the index after adding referrers to it.
 */
import { z } from "zod";
import { descriptorSchema, type Parsed } from "../registry/image-index.js";
import { MediaType } from "../registry/media-types.js";

/** The fallback tag of a subject: `sha256:abc…` → `sha256-abc…`. */
export function referrersTag(digest: string): string {
  return digest.replace(":", "-");
}

export const referrerDescriptorSchema = descriptorSchema.extend({
  artifactType: z.string().optional(),
});

export type ReferrerDescriptor = z.infer<typeof referrerDescriptorSchema>;

export const referrersIndexSchema = z.object({
  schemaVersion: z.literal(2),
  manifests: z.array(referrerDescriptorSchema),
});

/** The entries of a referrers index (from the API or the fallback tag). */
export function parseReferrers(json: unknown, where: string): Parsed<ReferrerDescriptor[]> {
  const parsed = referrersIndexSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data.manifests };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `The referrers index ${where} is malformed (${issue?.path.join(".") || "document"}: ${issue?.message ?? "invalid"}).`,
  };
}

/**
 * The fallback tag's index with `added` in it: entries already there are kept as they are
 * (whatever their fields, whoever wrote them), new ones appended in order; one per digest.
 * @param existing the tag's current document, or undefined when the tag does not exist yet
 * @returns the bytes to put, or undefined when every entry was there already
 * @throws Error when `existing` is not an index (the caller says where it came from)
 */
export function mergeReferrersIndex(
  existing: unknown,
  added: readonly ReferrerDescriptor[],
): Buffer | undefined {
  const entries: unknown[] = [];
  if (existing !== undefined) {
    const parsed = referrersIndexSchema.safeParse(existing);
    if (!parsed.success) throw new Error("not an image index");
    // The raw entries, not the parsed ones: parsing strips fields we do not know.
    entries.push(...(existing as { manifests: unknown[] }).manifests);
  }
  const present = new Set(
    entries.map((entry) => (entry as { digest?: unknown }).digest).filter((d) => d !== undefined),
  );
  const fresh = added.filter(
    (d, i) => !present.has(d.digest) && added.findIndex((o) => o.digest === d.digest) === i,
  );
  if (fresh.length === 0 && existing !== undefined) return undefined;
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [...entries, ...fresh],
    }),
  );
}
