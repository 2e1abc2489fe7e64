/**
 * What verify checks, as pure functions over data already read from the registry (and the
 * engine, for smoke runs): each returns the problems it finds, none when all is well.
 */
import { shortDigest } from "../common/text.js";
import { formatPlatform, type Platform } from "../platform/platform.js";
import { describePlatform, rawPlatform, type OciPlatform } from "../registry/image-index.js";
import { INDEX_MEDIA_TYPES } from "../registry/media-types.js";
import { ET_DYN, ET_EXEC, elfMismatch } from "./elf.js";
import type { ScannedFile } from "./overlay.js";
import { buildxAttestationTarget, REFERENCE_DIGEST, REFERENCE_TYPE } from "./attestations.js";

export type ProblemKind =
  /** The reference names nothing the registry has. */
  | "not-found"
  /** The reference names a single-platform manifest, not an index. */
  | "not-an-index"
  /** A manifest or config the registry serves is not what its digest or media type says. */
  | "malformed"
  /** An index entry for `unknown/unknown`, e.g. a BuildKit attestation manifest. */
  | "unknown-platform"
  /** An index entry that names no platform at all. */
  | "no-platform"
  /** Two index entries for one platform. */
  | "duplicate-platform"
  /** A requested platform the index lacks. */
  | "missing-platform"
  /** A platform the index has but was not requested. */
  | "extra-platform"
  /** The image config's os/architecture/variant differ from the index entry's platform. */
  | "config-mismatch"
  /** A manifest the index lists, or a blob a manifest lists, is not in the repository. */
  | "missing-blob"
  /** A binary in a variant is for another CPU. */
  | "wrong-architecture"
  /** A layer could not be read for the binary scan. */
  | "unreadable-layer"
  /** The smoke command failed (or could not start) on a platform. */
  | "smoke-failed"
  /** An attestation listed for a platform is about another manifest (its subject). */
  | "attestation-subject"
  /** An attestation is not an OCI artifact, in-toto SLSA statement or SBOM it claims to be. */
  | "attestation-malformed"
  /** An attestation that was asked for (publish --provenance / --sbom) is not attached. */
  | "missing-attestation";

export interface Problem {
  /** The platform the problem is about, as the index names it; absent for index-wide ones. */
  readonly platform?: string;
  readonly kind: ProblemKind;
  readonly message: string;
}

/** One entry of an index, as checked. */
export interface EntryFacts {
  readonly digest: string;
  readonly platform?: OciPlatform | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

export function checkMediaType(mediaType: string): Problem[] {
  if (INDEX_MEDIA_TYPES.includes(mediaType)) return [];
  return [
    {
      kind: "not-an-index",
      message:
        `The reference names ${mediaType === "" ? "a manifest without a media type" : mediaType}, ` +
        `not an image index (${INDEX_MEDIA_TYPES.join(" or ")}): it holds one platform only.`,
    },
  ];
}

/**
 * The index's platforms against the requested ones (when given): none missing, none extra, none
 * twice, none `unknown/unknown`, none without a platform.
 */
export function checkPlatforms(
  entries: readonly EntryFacts[],
  expected?: readonly Platform[],
): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  const digests = new Set(entries.map((e) => e.digest));
  for (const entry of entries) {
    // buildx's attestation manifests (unknown/unknown, naming the manifest they are about) are
    // not platforms: verify reads them as that platform's attestations.
    const about = buildxAttestationTarget(entry);
    if (about !== undefined && digests.has(about)) continue;
    if (entry.platform === undefined) {
      problems.push({
        kind: "no-platform",
        message: `Index entry ${shortDigest(entry.digest)} names no platform: clients cannot pick it.`,
      });
      continue;
    }
    const name = describePlatform(entry.platform);
    if (entry.platform.os === "unknown" || entry.platform.architecture === "unknown") {
      const annotations = entry.annotations ?? {};
      const attestation =
        annotations[REFERENCE_TYPE] === "attestation-manifest"
          ? ` It is a BuildKit attestation manifest${
              annotations[REFERENCE_DIGEST] === undefined
                ? ""
                : ` (for ${shortDigest(annotations[REFERENCE_DIGEST])})`
            }.`
          : "";
      problems.push({
        platform: rawPlatform(entry.platform),
        kind: "unknown-platform",
        message:
          `Index entry ${shortDigest(entry.digest)} is for ${rawPlatform(entry.platform)}.${attestation} ` +
          `Tools that read the index as a list of platforms choke on it: publish without ` +
          `attestations (buildx --provenance=false --sbom=false) or drop the entry.`,
      });
      continue;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push({
        platform: name,
        kind: "duplicate-platform",
        message: `The index has two entries for ${name}: ${shortDigest(earlier)} and ${shortDigest(entry.digest)}.`,
      });
      continue;
    }
    seen.set(name, entry.digest);
  }
  if (expected === undefined) return problems;

  const wanted = expected.map(formatPlatform);
  for (const name of wanted) {
    if (!seen.has(name)) {
      problems.push({
        platform: name,
        kind: "missing-platform",
        message: `The index has no entry for ${name}.`,
      });
    }
  }
  for (const [name, digest] of seen) {
    if (!wanted.includes(name)) {
      problems.push({
        platform: name,
        kind: "extra-platform",
        message: `The index has an entry for ${name} (${shortDigest(digest)}), which was not requested (requested: ${wanted.join(", ")}).`,
      });
    }
  }
  return problems;
}

/**
 * The image config's platform against the index entry's. Compared in canonical form, so
 * `arm64/v8` and `arm64` agree; a config without a variant agrees with any variant of its
 * architecture (many builders leave it out).
 */
export function checkConfigPlatform(
  platform: string,
  declared: OciPlatform,
  config: OciPlatform,
): Problem[] {
  const sameOs = declared.os === config.os;
  const withoutVariant = (p: OciPlatform): OciPlatform => ({
    os: p.os,
    architecture: p.architecture,
  });
  const agree =
    config.variant === undefined || config.variant === ""
      ? describePlatform(withoutVariant(declared)) === describePlatform(config)
      : describePlatform(declared) === describePlatform(config);
  if (sameOs && agree) return [];
  return [
    {
      platform,
      kind: "config-mismatch",
      message: `The index says ${rawPlatform(declared)}, but the image config says ${rawPlatform(config)}.`,
    },
  ];
}

export interface BlobFacts {
  /** What the blob is: `manifest`, `config`, `layer 2/5`. */
  readonly what: string;
  readonly digest: string;
  readonly exists: boolean;
}

export function checkBlobs(platform: string | undefined, blobs: readonly BlobFacts[]): Problem[] {
  return blobs
    .filter((b) => !b.exists)
    .map((b) => ({
      ...(platform === undefined ? {} : { platform }),
      kind: "missing-blob" as const,
      message: `The ${b.what} ${b.digest} is not in the repository.`,
    }));
}

export interface FileMismatch {
  /** Absolute path in the variant's filesystem. */
  readonly path: string;
  /** e.g. `x86-64`. */
  readonly found: string;
  /** e.g. `aarch64 (linux/arm64)`. */
  readonly expected: string;
}

/**
 * Executables and shared objects (ELF types EXEC and DYN) that are not for `platform`.
 * Relocatable objects (.o, kernel modules, BPF programs) and core files are not checked: they
 * are data to the platform's loader, and legitimately target other machines.
 */
export function checkBinaries(files: readonly ScannedFile[], platform: Platform): FileMismatch[] {
  const mismatches: FileMismatch[] = [];
  for (const file of files) {
    if (file.elf.kind !== "elf") continue;
    const { header } = file.elf;
    if (header.type !== ET_EXEC && header.type !== ET_DYN) continue;
    const mismatch = elfMismatch(header, platform);
    if (mismatch !== undefined) mismatches.push({ path: file.path, ...mismatch });
  }
  return mismatches;
}

/** How many mismatching files a problem list names one by one, per platform. */
export const MAX_FILES_NAMED = 20;

export function binaryProblems(platform: string, mismatches: readonly FileMismatch[]): Problem[] {
  const named = mismatches.slice(0, MAX_FILES_NAMED).map((m) => ({
    platform,
    kind: "wrong-architecture" as const,
    message: `${m.path} is ${m.found}, expected ${m.expected}.`,
  }));
  const rest = mismatches.length - named.length;
  if (rest > 0) {
    named.push({
      platform,
      kind: "wrong-architecture",
      message: `... and ${rest} more binaries for another CPU (the report lists them all).`,
    });
  }
  return named;
}

export interface SmokeFacts {
  readonly command: readonly string[];
  readonly passed: boolean;
  readonly exitCode?: number;
  readonly stderr: string;
  /** Why it could not run at all (image pull, emulator missing). */
  readonly error?: string;
}

/** How much of a failed smoke command's stderr a problem quotes. */
const SMOKE_STDERR_CHARS = 300;

export function checkSmoke(platform: string, smoke: SmokeFacts): Problem[] {
  if (smoke.passed) return [];
  const command = smoke.command.join(" ");
  const why =
    smoke.error !== undefined
      ? `could not run: ${smoke.error}`
      : `exited ${smoke.exitCode ?? "?"}${
          smoke.stderr.trim() === ""
            ? ""
            : `: ${smoke.stderr
                .trim()
                .slice(-SMOKE_STDERR_CHARS)
                .replace(/\s*\n\s*/g, " | ")}`
        }`;
  return [{ platform, kind: "smoke-failed", message: `The smoke command \`${command}\` ${why}.` }];
}
