/**
 * `--provenance` and `--sbom` as buildx spells them: bare (`--sbom`), booleans
 * (`--sbom=false`), and for provenance `mode=min|max` (bare and `true` mean min, as in buildx).
 */
import { parseProvenanceSetting, type ProvenanceMode } from "../attest/provenance.js";
import { UsageError } from "./usage.js";

export const ATTESTATION_FLAGS = ["--provenance", "--sbom"] as const;

/** A bare `--provenance` / `--sbom` becomes `--x=true`: buildx takes their values after `=` only. */
export function withAttestationDefaults(args: readonly string[]): string[] {
  return args.map((arg) =>
    (ATTESTATION_FLAGS as readonly string[]).includes(arg) ? `${arg}=true` : arg,
  );
}

const TRUE = new Set(["true", "1"]);
const FALSE = new Set(["false", "0"]);

/** `--provenance VALUE` → false, "min" or "max". */
export function parseProvenanceFlag(value: string | undefined): ProvenanceMode | false {
  const setting = value === undefined ? false : parseProvenanceSetting(value);
  if (setting !== undefined) return setting;
  throw new UsageError(
    `--provenance ${JSON.stringify(value)}: expected true, false, mode=min or mode=max`,
    "publish",
  );
}

/** `--sbom VALUE` → boolean. */
export function parseSbomFlag(value: string | undefined): boolean {
  if (value === undefined || FALSE.has(value)) return false;
  if (TRUE.has(value)) return true;
  throw new UsageError(`--sbom ${JSON.stringify(value)}: expected true or false`, "publish");
}
