/**
 * buildx's `--output` (`-o`), the two kinds multiarch writes: `type=registry` (push, the
 * default) and `type=oci,dest=FILE` (an OCI layout tarball). Pure.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";

export type OutputSpec =
  { readonly kind: "registry" } | { readonly kind: "oci"; readonly dest: string };

const EXPECTED = "type=registry, or type=oci,dest=FILE";

/** @throws MultiarchError INVALID_INPUT */
export function parseOutput(text: string): OutputSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "" || fields.has(key)) {
      throw new MultiarchError(ErrorCode.INVALID_INPUT, "Malformed output.", {
        given: text,
        expected: EXPECTED,
      });
    }
    fields.set(key, part.slice(eq + 1));
  }
  const type = fields.get("type");
  const allowed = type === "registry" ? ["type"] : type === "oci" ? ["type", "dest"] : undefined;
  if (allowed === undefined) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `Output type ${JSON.stringify(type ?? "")} is not one multiarch writes.`,
      {
        given: text,
        expected: EXPECTED,
        hint: "an image index is pushed, or written as an OCI tarball",
      },
    );
  }
  const extra = [...fields.keys()].find((key) => !allowed.includes(key));
  if (extra !== undefined) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `Output attribute ${JSON.stringify(extra)} is not supported for type=${type}.`,
      { given: text, expected: EXPECTED },
    );
  }
  if (type === "registry") return { kind: "registry" };
  const dest = fields.get("dest")?.trim() ?? "";
  if (dest === "" || dest === "-") {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "type=oci needs dest=FILE.", {
      given: text,
      expected: EXPECTED,
    });
  }
  return { kind: "oci", dest };
}
