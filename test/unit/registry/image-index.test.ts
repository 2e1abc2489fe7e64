import { describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import {
  describePlatform,
  parseManifestDocument,
  rawPlatform,
  safeParseConfigPlatform,
  safeParseManifestDocument,
  type OciPlatform,
} from "../../../src/registry/image-index.js";
import { MediaType } from "../../../src/registry/media-types.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

const INDEX = {
  schemaVersion: 2,
  mediaType: MediaType.OCI_INDEX,
  manifests: [
    {
      mediaType: MediaType.OCI_MANIFEST,
      digest: digest("a"),
      size: 480,
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    },
    {
      mediaType: MediaType.OCI_MANIFEST,
      digest: digest("b"),
      size: 566,
      platform: { os: "unknown", architecture: "unknown" },
      annotations: {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": digest("a"),
      },
    },
  ],
  annotations: { "org.opencontainers.image.created": "2024-01-01T00:00:00Z" },
};

const MANIFEST = {
  schemaVersion: 2,
  mediaType: MediaType.DOCKER_MANIFEST,
  config: { mediaType: MediaType.DOCKER_CONFIG, digest: digest("c"), size: 1469 },
  layers: [
    {
      mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
      digest: digest("d"),
      size: 10,
    },
  ],
};

describe("parseManifestDocument", () => {
  test("an OCI index keeps platforms and annotations", () => {
    const doc = parseManifestDocument(INDEX, MediaType.OCI_INDEX, "r/app:1");
    expect(doc.kind).toBe("index");
    if (doc.kind !== "index") return;
    expect(doc.index.manifests.map((m) => m.platform)).toEqual([
      { os: "linux", architecture: "arm64", variant: "v8" },
      { os: "unknown", architecture: "unknown" },
    ]);
    expect(doc.index.manifests[1]?.annotations?.["vnd.docker.reference.type"]).toBe(
      "attestation-manifest",
    );
    expect(doc.index.annotations).toEqual(INDEX.annotations);
  });

  test("a Docker manifest list is an index", () => {
    const list = { ...INDEX, mediaType: MediaType.DOCKER_MANIFEST_LIST };
    expect(parseManifestDocument(list, undefined, "r/app:1").kind).toBe("index");
  });

  test("a Docker v2 manifest is a manifest", () => {
    const doc = parseManifestDocument(MANIFEST, MediaType.DOCKER_MANIFEST, "r/app:1");
    expect(doc.kind).toBe("manifest");
    if (doc.kind !== "manifest") return;
    expect(doc.manifest.config.size).toBe(1469);
    expect(doc.manifest.layers).toHaveLength(1);
  });

  test.each([
    { name: "index", json: { ...INDEX, mediaType: undefined }, kind: "index" },
    { name: "manifest", json: { ...MANIFEST, mediaType: undefined }, kind: "manifest" },
  ])("without any media type, the shape decides: $name", ({ json, kind }) => {
    expect(parseManifestDocument(json, undefined, "r/app:1").kind).toBe(kind);
  });

  test("the response's media type wins over the document's", () => {
    const doc = parseManifestDocument(
      { ...INDEX, mediaType: undefined },
      MediaType.OCI_INDEX,
      "r/app:1",
    );
    expect(doc.kind).toBe("index");
  });

  test("unknown fields are dropped, not rejected", () => {
    const doc = parseManifestDocument(
      { ...INDEX, subject: { digest: digest("e") }, artifactType: "x/y" },
      undefined,
      "r/app:1",
    );
    expect(doc.kind).toBe("index");
  });

  test.each([
    {
      name: "Docker schema 1",
      json: { schemaVersion: 1, name: "x" },
      mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws",
      message: "is not an image index or image manifest",
    },
    {
      name: "not an object",
      json: "hello",
      mediaType: undefined,
      message: "is not an image index",
    },
    {
      name: "schemaVersion 1 index",
      json: { ...INDEX, schemaVersion: 1 },
      mediaType: undefined,
      message: "schemaVersion",
    },
    {
      name: "negative size",
      json: { ...INDEX, manifests: [{ ...INDEX.manifests[0], size: -1 }] },
      mediaType: undefined,
      message: "manifests.0.size",
    },
    {
      name: "bad digest",
      json: { ...INDEX, manifests: [{ ...INDEX.manifests[0], digest: "nope" }] },
      mediaType: undefined,
      message: "manifests.0.digest",
    },
    {
      name: "sha512 digest (only sha256 is supported)",
      json: {
        ...INDEX,
        manifests: [{ ...INDEX.manifests[0], digest: `sha512:${"a".repeat(128)}` }],
      },
      mediaType: undefined,
      message: "manifests.0.digest: expected sha256",
    },
    {
      name: "platform without architecture",
      json: { ...INDEX, manifests: [{ ...INDEX.manifests[0], platform: { os: "linux" } }] },
      mediaType: undefined,
      message: "manifests.0.platform.architecture",
    },
    {
      name: "manifest without layers",
      json: { ...MANIFEST, layers: undefined },
      mediaType: undefined,
      message: "layers",
    },
    {
      name: "non-string annotation",
      json: { ...INDEX, annotations: { a: 1 } },
      mediaType: undefined,
      message: "annotations.a",
    },
  ])("rejects $name, naming the document and the field", async ({ json, mediaType, message }) => {
    const parsed = safeParseManifestDocument(json, mediaType, "r/app:1");
    expect(parsed.ok).toBe(false);
    const reason = parsed.ok ? "" : parsed.reason;
    expect(reason).toContain("r/app:1");
    expect(reason).toContain(message);
    // Thrown, it is the registry's unusable answer; whether that fails a verification is verify's call.
    const e = await expectMultiarchError(
      () => parseManifestDocument(json, mediaType, "r/app:1"),
      ErrorCode.REGISTRY_ERROR,
    );
    expect(e.message).toBe(reason);
  });
});

describe("safeParseConfigPlatform", () => {
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

  test("reads os/architecture/variant and ignores the rest", () => {
    expect(
      safeParseConfigPlatform(
        bytes({ os: "linux", architecture: "arm", variant: "v7", rootfs: { type: "layers" } }),
        "r/app@x",
      ),
    ).toEqual({ ok: true, value: { os: "linux", architecture: "arm", variant: "v7" } });
  });

  test.each([
    { name: "without architecture", blob: bytes({ os: "linux" }), reason: "architecture" },
    { name: "that is not JSON", blob: Buffer.from("\x1f\x8b"), reason: "is not JSON" },
  ])("says why a config $name is no platform, naming the image", ({ blob, reason }) => {
    const parsed = safeParseConfigPlatform(blob, "r/app@x");
    expect(parsed).toEqual({ ok: false, reason: expect.stringContaining(reason) as string });
    expect(parsed.ok ? "" : parsed.reason).toContain("image config of r/app@x");
  });
});

describe("describePlatform / rawPlatform", () => {
  test.each<{ platform: OciPlatform; described: string; raw: string }>([
    {
      platform: { os: "linux", architecture: "amd64" },
      described: "linux/amd64",
      raw: "linux/amd64",
    },
    // Canonical form drops the default arm64 variant, keeps arm's.
    {
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
      described: "linux/arm64",
      raw: "linux/arm64/v8",
    },
    {
      platform: { os: "linux", architecture: "arm", variant: "v7" },
      described: "linux/arm/v7",
      raw: "linux/arm/v7",
    },
    { platform: { os: "linux", architecture: "arm" }, described: "linux/arm/v7", raw: "linux/arm" },
    // Not ours to normalise: kept as written.
    {
      platform: { os: "unknown", architecture: "unknown" },
      described: "unknown/unknown",
      raw: "unknown/unknown",
    },
    {
      platform: { os: "windows", architecture: "amd64" },
      described: "windows/amd64",
      raw: "windows/amd64",
    },
    {
      platform: { os: "linux", architecture: "sparc64" },
      described: "linux/sparc64",
      raw: "linux/sparc64",
    },
    {
      platform: { os: "linux", architecture: "arm", variant: "v9" },
      described: "linux/arm/v9",
      raw: "linux/arm/v9",
    },
    {
      platform: { os: "linux", architecture: "amd64", variant: "" },
      described: "linux/amd64",
      raw: "linux/amd64",
    },
  ])("$raw → $described", ({ platform, described, raw }) => {
    expect(describePlatform(platform)).toBe(described);
    expect(rawPlatform(platform)).toBe(raw);
  });
});
