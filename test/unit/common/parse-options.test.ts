// Options parsed once, at the edge.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ErrorCode, isMultiarchError, type MultiarchError } from "../../../src/common/errors.js";
import { parseOptions } from "../../../src/common/parse-options.js";

describe("parseOptions", () => {
  const schema = z.object({ tags: z.array(z.string()).default(["latest"]) });

  it("returns the typed, defaulted value", () => {
    expect(parseOptions(schema, {}, "publish options")).toEqual({ tags: ["latest"] });
  });

  it("turns what does not parse into INVALID_INPUT saying what was given and expected", () => {
    let error: unknown;
    try {
      parseOptions(schema, { tags: "v1" }, "publish options", "tags is a list");
    } catch (e) {
      error = e;
    }
    expect(isMultiarchError(error, ErrorCode.INVALID_INPUT)).toBe(true);
    expect((error as Error).message).toContain("Invalid publish options.");
    expect((error as MultiarchError).details.given).toBe('{"tags":"v1"}');
    expect((error as Error).message).toContain("tags");
    expect((error as Error).message).toContain("tags is a list");
  });
});
