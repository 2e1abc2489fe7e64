/**
 * The standard org.opencontainers.image.* annotation keys, from friendly names.
 */
export interface ImageMetadata {
  /** When the image was built; an ISO 8601 date, or seconds since the epoch. */
  readonly created?: string | number;
  /** URL of the source code. */
  readonly source?: string;
  /** Source revision, e.g. a git commit. */
  readonly revision?: string;
  readonly version?: string;
  readonly title?: string;
  readonly description?: string;
}

const PREFIX = "org.opencontainers.image.";

/** `{ version: "1.2.3" }` → `{ "org.opencontainers.image.version": "1.2.3" }`. */
export function ociAnnotations(meta: ImageMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta) as [
    keyof ImageMetadata,
    string | number | undefined,
  ][]) {
    if (value === undefined) continue;
    out[PREFIX + key] =
      key === "created" && typeof value === "number"
        ? new Date(value * 1000).toISOString()
        : String(value);
  }
  return out;
}
