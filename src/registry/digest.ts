/**
 * Content digests as OCI uses them (`sha256:<64 hex>`). Only sha256 is supported: it is what
 * every registry and builder we target produces, and the only algorithm OCI requires.
 */
import { createHash } from "node:crypto";

/** Matches a sha256 digest in canonical (lower-case) form. */
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function isDigest(text: string): boolean {
  return DIGEST_PATTERN.test(text);
}

/** The OCI digest of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
