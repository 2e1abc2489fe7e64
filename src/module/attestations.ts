/**
 * The module's provenance and sbom arguments, mapped onto the library's options (the same
 * spellings as the CLI's --provenance, which are buildx's).
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseProvenanceSetting, type ProvenanceMode } from "../attest/provenance.js";

export function attestationOptions(
  provenance: string,
  sbom: boolean,
): { provenance: ProvenanceMode | false; sbom: boolean } {
  const mode = parseProvenanceSetting(provenance);
  if (mode === undefined) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "Invalid provenance.", {
      given: provenance,
      expected: "false, true (= min), min or max",
    });
  }
  return { provenance: mode, sbom };
}
