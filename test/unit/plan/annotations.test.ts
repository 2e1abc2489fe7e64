import { describe, expect, it } from "vitest";
import { ociAnnotations } from "../../../src/plan/annotations.js";

describe("ociAnnotations", () => {
  it("maps friendly names to org.opencontainers.image.* keys", () => {
    expect(ociAnnotations({ version: "1.2.3", revision: "abc", created: 1_700_000_000 })).toEqual({
      "org.opencontainers.image.version": "1.2.3",
      "org.opencontainers.image.revision": "abc",
      "org.opencontainers.image.created": "2023-11-14T22:13:20.000Z",
    });
  });
});
