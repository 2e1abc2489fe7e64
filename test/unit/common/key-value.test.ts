// KEY=VALUE lists as flags and module arguments give them.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { parseKeyValues } from "../../../src/common/key-value.js";
import { expectMultiarchError } from "../../support/expect-error.js";

describe("parseKeyValues", () => {
  it.each([
    [["A=1"], { A: "1" }],
    [["A="], { A: "" }],
    [["URL=http://x/?a=b"], { URL: "http://x/?a=b" }],
    [["A=1", "A=2"], { A: "2" }],
    [[], {}],
  ])("%j → %j", (items, expected) => {
    expect(parseKeyValues("build arg", items)).toEqual(expected);
  });

  it.each(["A", "=1", "A B=1", " =x"])("rejects %j with INVALID_INPUT naming it", async (item) => {
    const error = await expectMultiarchError(
      () => parseKeyValues("build arg", [item]),
      ErrorCode.INVALID_INPUT,
      { given: item },
    );
    expect(error.message).toContain("Malformed build arg");
  });
});
