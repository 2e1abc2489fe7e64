// Options parsed once, at the edge.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ErrorCode } from "../../../src/common/errors.js";
import { parseOptions } from "../../../src/common/parse-options.js";
import { expectMultiarchError } from "../../support/expect-error.js";

describe("parseOptions", () => {
  const schema = z.object({ tags: z.array(z.string()).default(["latest"]) });

  it("returns the typed, defaulted value", () => {
    expect(parseOptions(schema, {}, "publish options")).toEqual({ tags: ["latest"] });
  });

  it("turns what does not parse into INVALID_INPUT saying what was given and expected", async () => {
    const error = await expectMultiarchError(
      () => parseOptions(schema, { tags: "v1" }, "publish options", "tags is a list"),
      ErrorCode.INVALID_INPUT,
      { given: '{"tags":"v1"}', hint: "tags is a list" },
    );
    expect(error.message).toContain("Invalid publish options.");
    expect(error.details.expected).toContain("tags");
  });
});
