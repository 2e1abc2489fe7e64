/**
 * Annotations: the standard org.opencontainers.image.* keys from friendly names, and buildx's
 * level prefixes (where each annotation goes: manifest, index, their descriptors).
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";

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

/**
 * Where an annotation goes, as buildx names it: on each platform's image manifest (the default),
 * on the image index, on the index's descriptor of each manifest, or on the descriptor of the
 * index itself (an OCI layout's index.json).
 */
export const ANNOTATION_LEVELS = [
  "manifest",
  "index",
  "manifest-descriptor",
  "index-descriptor",
] as const;
export type AnnotationLevel = (typeof ANNOTATION_LEVELS)[number];

/** One annotation and the places it goes. */
export interface PlacedAnnotation {
  readonly level: AnnotationLevel;
  /** Canonical platforms it is limited to (manifest levels only); absent: every platform. */
  readonly platforms?: readonly string[] | undefined;
  readonly key: string;
  readonly value: string;
}

const EXPECTED_ANNOTATION =
  "[LEVEL[,LEVEL...][\\[PLATFORM,...\\]]:]KEY=VALUE, LEVEL one of " +
  `${ANNOTATION_LEVELS.join(", ")}; e.g. index:org.opencontainers.image.title=demo or ` +
  "manifest[linux/amd64]:com.example.cpu=x86";

/** `manifest`, `index,manifest` or `manifest[linux/amd64,linux/arm64]` before the first ':'. */
const LEVEL_PREFIX = /^([a-z-]+(?:,[a-z-]+)*)(?:\[([^\]]*)\])?$/;

function malformed(text: string, reason: string): MultiarchError {
  return new MultiarchError(ErrorCode.INVALID_INPUT, `Malformed annotation: ${reason}.`, {
    given: text,
    expected: EXPECTED_ANNOTATION,
  });
}

/**
 * buildx's `--annotation` syntax, parsed: `[levels[platforms]:]key=value`. No prefix means the
 * manifest level (buildx's default). A text before the first ':' that is not a level list (e.g.
 * `com.example:k=v`) belongs to the key. One annotation per level it names.
 * @param canonical turns a platform text into its canonical form (throws on a bad one)
 * @throws MultiarchError INVALID_INPUT
 */
export function parsePlacedAnnotation(
  text: string,
  canonical: (platform: string) => string,
): PlacedAnnotation[] {
  const eq = text.indexOf("=");
  if (eq < 0) throw malformed(text, "no '=' between key and value");
  const head = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const colon = head.indexOf(":");
  const prefix = colon < 0 ? undefined : LEVEL_PREFIX.exec(head.slice(0, colon));
  const key = prefix === undefined || prefix === null ? head : head.slice(colon + 1);
  if (key.trim() === "" || /\s/.test(key)) {
    throw malformed(text, "the key is empty or holds a space");
  }
  if (prefix === undefined || prefix === null) return [{ level: "manifest", key, value }];

  const levels = (prefix[1] ?? "").split(",");
  const unknown = levels.find((l) => !(ANNOTATION_LEVELS as readonly string[]).includes(l));
  if (unknown !== undefined) throw malformed(text, `unknown level ${JSON.stringify(unknown)}`);
  const selector = prefix[2];
  if (selector === undefined) {
    return levels.map((level) => ({ level: level as AnnotationLevel, key, value }));
  }
  if (selector.trim() === "") throw malformed(text, "the [platform] selector is empty");
  const platforms = [...new Set(selector.split(",").map((p) => canonical(p.trim())))];
  return levels.map((level) => {
    if (level === "index" || level === "index-descriptor") {
      throw malformed(text, `a [platform] selector applies to manifests, not to ${level}`);
    }
    return { level: level as AnnotationLevel, platforms, key, value };
  });
}

/**
 * The annotations of one level, for one platform (or for the index: no platform); later ones
 * win over earlier ones with the same key.
 */
export function annotationsAt(
  annotations: readonly PlacedAnnotation[],
  level: AnnotationLevel,
  platform?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of annotations) {
    if (a.level !== level) continue;
    if (a.platforms !== undefined && (platform === undefined || !a.platforms.includes(platform))) {
      continue;
    }
    out[a.key] = a.value;
  }
  return out;
}
