/**
 * One error family for the whole SDK.
 *
 * Every failure the SDK reports is a `MultiarchError` carrying a stable `code` that callers (and
 * the CLI's exit status) can switch on; the message is for humans and may change wording between
 * releases, the code may not.
 */

import { clip } from "./text.js";

/** Stable error codes. The string values are part of the public API: never rename one. */
export const ErrorCode = {
  /** A caller-supplied argument is missing, empty or malformed (other than a platform). */
  INVALID_INPUT: "INVALID_INPUT",
  /** A platform string could not be parsed or is not supported. */
  INVALID_PLATFORM: "INVALID_PLATFORM",
  /** A foreign platform was requested but the engine cannot emulate it (no binfmt/QEMU). */
  EMULATION_UNAVAILABLE: "EMULATION_UNAVAILABLE",
  /** The build for one platform failed (non-zero exit of a build step). */
  BUILD_FAILED: "BUILD_FAILED",
  /** The build failed in a way that points at the emulator rather than the build itself. */
  QEMU_CRASH: "QEMU_CRASH",
  /** Publishing the image index (or one of its manifests) failed. */
  PUSH_FAILED: "PUSH_FAILED",
  /** The registry could not be reached, or answered in a way the client cannot use. */
  REGISTRY_ERROR: "REGISTRY_ERROR",
  /** The registry refused the credentials, or credentials are missing. */
  AUTH_FAILED: "AUTH_FAILED",
  /** The published index does not match what was built. */
  VERIFY_FAILED: "VERIFY_FAILED",
  /** The Dagger engine could not be reached or started. */
  ENGINE_UNAVAILABLE: "ENGINE_UNAVAILABLE",
  /** An engine that platforms were routed to is down, or died while building them. */
  ENGINE_FAILED: "ENGINE_FAILED",
  /** A provenance or SBOM attestation could not be made (e.g. no SBOM generator) or attached. */
  ATTESTATION_FAILED: "ATTESTATION_FAILED",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Structured, machine-readable context. All fields are optional; set what is known. */
export interface ErrorDetails {
  /** Canonical platform string (`os/arch[/variant]`) the error is about. */
  readonly platform?: string;
  /** Exit code of the failing process, when there was one. */
  readonly exitCode?: number;
  /** Captured (and already redacted) standard error of the failing process. */
  readonly stderr?: string;
  /** The value the caller gave. */
  readonly given?: string;
  /** What would have been accepted. */
  readonly expected?: string;
  /** What to do about it. */
  readonly hint?: string;
  /** HTTP status of the registry's answer, when there was one. */
  readonly status?: number;
  /** The registry operation that failed, e.g. `GET manifest`, `PUT manifest`, `HEAD blob`, `token`. */
  readonly operation?: string;
  /** The engine (its runner host) the error is about, when platforms were routed to engines. */
  readonly engine?: string;
}

export interface MultiarchErrorOptions extends ErrorDetails {
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
  /**
   * Secret values (registry passwords, tokens) to scrub from the message and every string
   * detail. Pass them whenever any part of the error may come from engine or registry output.
   */
  readonly secrets?: readonly string[];
}

/** Replacement for redacted secrets. */
export const REDACTED = "***";

/** How much of a given value a message quotes (details.given keeps it whole). */
const GIVEN_CHARS = 200;

/** How many trailing lines of a failed step's stderr a message quotes. */
const STDERR_TAIL_LINES = 12;

/**
 * Replace every occurrence of every secret in `text` with `***`.
 *
 * Also replaces the URL-encoded form of each secret, since credentials often show up inside
 * URLs in registry error output. Empty/undefined secrets are ignored (an empty string would match
 * everywhere). Longer secrets are replaced first so a secret that contains another is removed
 * whole rather than leaving fragments.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join(REDACTED);
  }
  return out;
}

function buildMessage(summary: string, d: ErrorDetails): string {
  // Layout: one summary line, then given / expected / hint on their own lines, so that the
  // three questions a user has ("what did I pass?", "what is allowed?", "what now?") are each
  // answered in a predictable place.
  const lines = [summary];
  if (d.given !== undefined)
    lines.push(`  given:    ${clip(JSON.stringify(d.given), GIVEN_CHARS)}`);
  if (d.expected !== undefined) lines.push(`  expected: ${d.expected}`);
  if (d.stderr !== undefined && d.stderr.trim() !== "") {
    // The tail is what explains a failed step; the whole text stays in details.stderr.
    const tail = d.stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES);
    lines.push(`  stderr:   ${tail.join("\n            ")}`);
  }
  if (d.hint !== undefined) lines.push(`  hint:     ${d.hint}`);
  return lines.join("\n");
}

export class MultiarchError extends Error {
  override readonly name = "MultiarchError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, summary: string, options: MultiarchErrorOptions = {}) {
    const { cause, secrets = [], ...raw } = options;
    const scrub = (s: string | undefined): string | undefined =>
      s === undefined ? undefined : redact(s, secrets);
    // Build details without `undefined`-valued keys so they print and compare cleanly.
    const details: { -readonly [K in keyof ErrorDetails]: ErrorDetails[K] } = {};
    if (raw.platform !== undefined) details.platform = raw.platform;
    if (raw.exitCode !== undefined) details.exitCode = raw.exitCode;
    if (raw.status !== undefined) details.status = raw.status;
    for (const key of ["stderr", "given", "expected", "hint", "operation"] as const) {
      const value = scrub(raw[key]);
      if (value !== undefined) details[key] = value;
    }
    super(redact(buildMessage(summary, details), secrets), cause === undefined ? {} : { cause });
    this.code = code;
    this.details = Object.freeze(details);
  }
}

/**
 * True when `e` is a MultiarchError (optionally with the given code). Narrows the type, so
 * `if (isMultiarchError(e, ErrorCode.AUTH_FAILED)) e.details...` type-checks.
 */
export function isMultiarchError<C extends ErrorCode>(
  e: unknown,
  code?: C,
): e is MultiarchError & { readonly code: C } {
  return e instanceof MultiarchError && (code === undefined || e.code === code);
}
