// KEY=VALUE lists as flags and module arguments give them.
import { describe, expect, it } from "vitest";
import { ErrorCode, isMultiarchError } from "../../../src/common/errors.js";
import { parseKeyValues } from "../../../src/common/key-value.js";

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

  it.each(["A", "=1", "A B=1", " =x"])("rejects %j with INVALID_INPUT naming it", (item) => {
    let error: unknown;
    try {
      parseKeyValues("build arg", [item]);
    } catch (e) {
      error = e;
    }
    expect(isMultiarchError(error, ErrorCode.INVALID_INPUT)).toBe(true);
    expect((error as Error).message).toContain("Malformed build arg");
    expect((error as Error).message).toContain(JSON.stringify(item));
  });
});
