/**
 * The verify report: its shape, and how it reads as text. Pure.
 */
import { shortDigest } from "../common/text.js";
import type { AttestationVerification } from "./attestations.js";
import type { FileMismatch, Problem } from "./checks.js";

/** What the binary scan of one variant saw. */
export interface BinaryScan {
  readonly layers: number;
  /** Regular files in the variant's final filesystem (whiteouts applied). */
  readonly files: number;
  /** Of those, ELF files. */
  readonly elfFiles: number;
  /** Layer bytes as stored (compressed). */
  readonly compressedBytes: number;
  /** Layer bytes after decompression: the tar streams walked. */
  readonly tarBytes: number;
  /** Tar entries walked, in every layer (before whiteouts). */
  readonly entries: number;
  /** Wall-clock seconds: download, decompression and walk. */
  readonly seconds: number;
  /** Binaries for another CPU; each is also a problem. */
  readonly mismatches: readonly FileMismatch[];
}

export interface SmokeResult {
  readonly command: readonly string[];
  readonly passed: boolean;
  /** Absent when the command could not start. */
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Why it could not run at all (image pull, emulator missing). */
  readonly error?: string;
  readonly seconds: number;
}

export interface PlatformVerification {
  /** As the index names it: canonical (`linux/arm/v7`) when supported, else as written. */
  readonly platform: string;
  /** Digest of the platform's image manifest. */
  readonly digest: string;
  /** `os/arch[/variant]` of the image config, when it was read. */
  readonly config?: string;
  /** Blobs (manifest, config, layers) found in the repository / referenced. */
  readonly blobs: { readonly found: number; readonly referenced: number };
  /** Absent when the scan was off or could not run for this platform. */
  readonly scan?: BinaryScan;
  /** Absent without a smoke command. */
  readonly smoke?: SmokeResult;
  /** Provenance and SBOMs attached to it (referrers) or listed for it in the index (buildx). */
  readonly attestations?: readonly AttestationVerification[];
}

export interface VerifyReport {
  /** `registry/repository:tag` or `registry/repository@digest`, as verified. */
  readonly ref: string;
  /** Digest of what the reference names (the index), "" when the registry has nothing there. */
  readonly digest: string;
  readonly mediaType: string;
  readonly ok: boolean;
  readonly platforms: readonly PlatformVerification[];
  readonly problems: readonly Problem[];
}

/** One line per problem: `linux/arm64: /bin/sh is x86-64, expected aarch64 (linux/arm64).` */
export function formatProblems(problems: readonly Problem[]): string[] {
  return problems.map((p) =>
    p.platform === undefined ? p.message : `${p.platform}: ${p.message}`,
  );
}

/**
 * The reference and the digest it names, once: `repo:tag@digest`, or `repo@digest` when the
 * reference was a digest already (never `repo@digest@digest`).
 */
export function reportReference(report: VerifyReport): string {
  if (report.digest === "" || report.ref.endsWith(`@${report.digest}`)) return report.ref;
  return `${report.ref}@${report.digest}`;
}

/** The summary line of a failed verification, then every problem. */
export function failureSummary(report: VerifyReport): string {
  const n = report.problems.length;
  return [
    `Verification of ${report.ref} failed: ${n} problem${n === 1 ? "" : "s"}.`,
    ...formatProblems(report.problems).map((line) => `  - ${line}`),
  ].join("\n");
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function scanText(scan: BinaryScan | undefined): string {
  if (scan === undefined) return "scan: -";
  const verdict = scan.mismatches.length === 0 ? "ok" : `${scan.mismatches.length} for another CPU`;
  return `scan: ${scan.elfFiles} ELF of ${scan.files} files ${verdict}`;
}

function smokeText(smoke: SmokeResult | undefined): string | undefined {
  if (smoke === undefined) return undefined;
  if (smoke.passed) {
    const out = smoke.stdout.trim().split("\n")[0] ?? "";
    return `smoke: ok${out === "" ? "" : ` (${out.length > 40 ? `${out.slice(0, 40)}…` : out})`}`;
  }
  return smoke.error !== undefined
    ? "smoke: could not run"
    : `smoke: FAILED (exit ${smoke.exitCode ?? "?"})`;
}

const LOCATIONS = { api: "referrers API", tag: "referrers tag", index: "in the index, buildx" };

/** `attestations: provenance, sbom (referrers tag)`. */
function attestationText(
  attestations: readonly AttestationVerification[] | undefined,
): string | undefined {
  if (attestations === undefined || attestations.length === 0) return undefined;
  const kinds = attestations.map((a) => `${a.kind}${a.format === undefined ? "" : ` ${a.format}`}`);
  const where = [...new Set(attestations.map((a) => LOCATIONS[a.location]))].join(", ");
  return `attestations: ${kinds.join(", ")} (${where})`;
}

/**
 * The report as a human reads it: a header, a line per platform, then the problems (unless
 * `problems: false`, for a caller that shows them elsewhere, as the CLI does in its error).
 */
export function formatReport(
  report: VerifyReport,
  options: { readonly problems?: boolean } = {},
): string {
  const lines = [`${reportReference(report)}: ${report.ok ? "OK" : "FAILED"}`];
  const width = Math.max(0, ...report.platforms.map((p) => p.platform.length));
  for (const p of report.platforms) {
    const parts = [
      p.platform.padEnd(width),
      shortDigest(p.digest),
      `blobs: ${p.blobs.found}/${p.blobs.referenced}`,
      scanText(p.scan),
    ];
    const smoke = smokeText(p.smoke);
    if (smoke !== undefined) parts.push(smoke);
    const attested = attestationText(p.attestations);
    if (attested !== undefined) parts.push(attested);
    lines.push(`  ${parts.join("  ")}`);
  }
  const scans = report.platforms.flatMap((p) => (p.scan === undefined ? [] : [p.scan]));
  if (scans.length > 0) {
    const files = scans.reduce((n, s) => n + s.entries, 0);
    const bytes = scans.reduce((n, s) => n + s.tarBytes, 0);
    lines.push(`  scanned ${files} tar entries, ${mb(bytes)} of layers, without running them`);
  }
  if (options.problems !== false && report.problems.length > 0) {
    lines.push(`problems (${report.problems.length}):`);
    for (const line of formatProblems(report.problems)) lines.push(`  - ${line}`);
  }
  return lines.join("\n");
}
