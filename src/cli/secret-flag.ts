/**
 * buildx's `--secret id=ID,src=PATH` / `id=ID,env=VAR` (also `source=`, and `type=file|env`). The
 * value is mounted for RUN --mount=type=secret,id=ID; it is never printed nor written to any
 * output. Pure: reading the file or variable happens at the edges.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";

export type SecretSource =
  | { readonly id: string; readonly file: string }
  | { readonly id: string; readonly env: string; readonly value: string };

const EXPECTED = "id=ID,src=PATH or id=ID,env=VARIABLE (as docker buildx build --secret)";
const ID = /^[A-Za-z0-9_.-]{1,255}$/;

function malformed(text: string, reason: string): MultiarchError {
  return new MultiarchError(ErrorCode.INVALID_INPUT, `Malformed secret: ${reason}.`, {
    given: text,
    expected: EXPECTED,
  });
}

/** @throws MultiarchError INVALID_INPUT */
export function parseSecretFlag(
  text: string,
): { readonly id: string; readonly file: string } | { readonly id: string; readonly env: string } {
  const fields = new Map<string, string>();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "" || fields.has(key)) throw malformed(text, "each part is KEY=VALUE, once");
    fields.set(key === "source" ? "src" : key, part.slice(eq + 1).trim());
  }
  const unknown = [...fields.keys()].find((key) => !["id", "src", "env", "type"].includes(key));
  if (unknown !== undefined) throw malformed(text, `unknown key ${JSON.stringify(unknown)}`);
  const id = fields.get("id") ?? "";
  if (!ID.test(id)) throw malformed(text, "id= must name the secret (letters, digits, . _ -)");
  const type = fields.get("type") ?? (fields.has("env") ? "env" : "file");
  const src = fields.get("src");
  const env = fields.get("env");
  if (type === "file" && src !== undefined && src !== "" && env === undefined) {
    return { id, file: src };
  }
  if (type === "env" && src === undefined && env !== undefined && /^[A-Za-z_]\w*$/.test(env)) {
    return { id, env };
  }
  throw malformed(text, "give exactly one of src=PATH (a file) or env=VARIABLE");
}
