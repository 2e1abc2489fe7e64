/**
 * Options of the public functions are parsed once, at the edge, into typed values; what does
 * not parse is INVALID_INPUT, saying what was given and what was expected.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "./errors.js";

export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  hint?: string,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new MultiarchError(ErrorCode.INVALID_INPUT, `Invalid ${what}.`, {
    given: JSON.stringify(input),
    expected: z.prettifyError(parsed.error),
    ...(hint === undefined ? {} : { hint }),
  });
}
