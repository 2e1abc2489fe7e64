// The one way tests assert a failure: a MultiarchError with this code and these details. Callers
// test the code and details, not the wording (see src/common/errors.ts).
import { inspect } from "node:util";
import { expect } from "vitest";
import {
  isMultiarchError,
  type ErrorCode,
  type ErrorDetails,
  type MultiarchError,
} from "../../src/common/errors.js";

/**
 * Expect `action` to fail with a MultiarchError of `code` whose details include `details` (a
 * subset, compared as toMatchObject does, so asymmetric matchers work), and return the error
 * for further checks.
 * @param action a promise, or a function that throws or returns a promise
 */
export async function expectMultiarchError(
  action: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  details?: ErrorDetails,
): Promise<MultiarchError> {
  let error: unknown;
  let threw = false;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (e) {
    threw = true;
    error = e;
  }
  if (!threw) expect.fail(`expected a MultiarchError ${code}, but nothing was thrown`);
  if (!isMultiarchError(error)) {
    expect.fail(`expected a MultiarchError ${code}, but got ${inspect(error, { depth: 2 })}`);
  }
  expect(error.code, error.message).toBe(code);
  if (details !== undefined) expect(error.details, error.message).toMatchObject(details);
  return error;
}
