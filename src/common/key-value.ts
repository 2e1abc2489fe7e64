/**
 * `KEY=VALUE` lists (build args, annotations, labels), as flags and module arguments give them.
 */
import { ErrorCode, MultiarchError } from "./errors.js";

/** Parse `["A=1", "B=x=y"]` into `{ A: "1", B: "x=y" }`; the value may be empty, the key not. */
export function parseKeyValues(what: string, items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const key = eq < 0 ? "" : item.slice(0, eq).trim();
    if (eq < 0 || key === "" || /\s/.test(key)) {
      throw new MultiarchError(ErrorCode.INVALID_INPUT, `Malformed ${what}.`, {
        given: item,
        expected: `KEY=VALUE with a non-empty KEY and no spaces in it, e.g. VERSION=1.2.3`,
        hint: `write each ${what} as KEY=VALUE`,
      });
    }
    out[key] = item.slice(eq + 1);
  }
  return out;
}
