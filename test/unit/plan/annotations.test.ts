import { describe, expect, it, test } from "vitest";
import { ErrorCode, isMultiarchError } from "../../../src/common/errors.js";
import {
  annotationsAt,
  ociAnnotations,
  parsePlacedAnnotation,
  type PlacedAnnotation,
} from "../../../src/plan/annotations.js";
import { formatPlatform, parsePlatform } from "../../../src/platform/platform.js";

describe("ociAnnotations", () => {
  it("maps friendly names to org.opencontainers.image.* keys", () => {
    expect(ociAnnotations({ version: "1.2.3", revision: "abc", created: 1_700_000_000 })).toEqual({
      "org.opencontainers.image.version": "1.2.3",
      "org.opencontainers.image.revision": "abc",
      "org.opencontainers.image.created": "2023-11-14T22:13:20.000Z",
    });
  });
});

describe("parsePlacedAnnotation (buildx's --annotation syntax)", () => {
  const canonical = (p: string) => formatPlatform(parsePlatform(p));
  const parse = (text: string) => parsePlacedAnnotation(text, canonical);

  test.each([
    ["k=v", [{ level: "manifest", key: "k", value: "v" }]],
    [
      "index:org.opencontainers.image.title=demo",
      [{ level: "index", key: "org.opencontainers.image.title", value: "demo" }],
    ],
    ["manifest:k=a=b", [{ level: "manifest", key: "k", value: "a=b" }]],
    ["manifest-descriptor:k=", [{ level: "manifest-descriptor", key: "k", value: "" }]],
    ["index-descriptor:k=v", [{ level: "index-descriptor", key: "k", value: "v" }]],
    [
      "index,manifest:k=v",
      [
        { level: "index", key: "k", value: "v" },
        { level: "manifest", key: "k", value: "v" },
      ],
    ],
    [
      "manifest[linux/amd64,aarch64]:k=v",
      [{ level: "manifest", platforms: ["linux/amd64", "linux/arm64"], key: "k", value: "v" }],
    ],
    // Text before ':' that is no level list belongs to the key.
    ["com.example:k=v", [{ level: "manifest", key: "com.example:k", value: "v" }]],
    ["k=index:v", [{ level: "manifest", key: "k", value: "index:v" }]],
  ])("%s", (text, want) => {
    expect(parse(text)).toEqual(want);
  });

  test.each([
    ["no-equals", "no '=' between key and value"],
    ["index:=v", "the key is empty"],
    ["=v", "the key is empty"],
    ["indexx:k=v", 'unknown level "indexx"'],
    ["index[linux/amd64]:k=v", "a [platform] selector applies to manifests, not to index"],
    ["manifest[]:k=v", "selector is empty"],
  ])("%s is refused", (text, reason) => {
    expect(() => parse(text)).toThrow(reason);
    try {
      parse(text);
    } catch (error) {
      expect(isMultiarchError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
    }
  });

  test("a bad platform in a selector is refused as a platform", () => {
    expect(() => parse("manifest[foo]:k=v")).toThrow('Invalid platform "foo"');
  });
});

describe("annotationsAt", () => {
  const all: PlacedAnnotation[] = [
    { level: "manifest", key: "a", value: "1" },
    { level: "manifest", platforms: ["linux/arm64"], key: "a", value: "arm" },
    { level: "index", key: "t", value: "demo" },
    { level: "manifest-descriptor", platforms: ["linux/amd64"], key: "d", value: "x" },
  ];
  test("each level, each platform; later wins", () => {
    expect(annotationsAt(all, "manifest", "linux/amd64")).toEqual({ a: "1" });
    expect(annotationsAt(all, "manifest", "linux/arm64")).toEqual({ a: "arm" });
    expect(annotationsAt(all, "index")).toEqual({ t: "demo" });
    expect(annotationsAt(all, "manifest-descriptor", "linux/amd64")).toEqual({ d: "x" });
    expect(annotationsAt(all, "manifest-descriptor", "linux/arm64")).toEqual({});
  });
});
