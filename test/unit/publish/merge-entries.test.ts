// The pure half of merge: attestation entries recognised, two sources of one platform refused
// (naming both), and the index document the entries make.
import { expect, test } from "vitest";
import { MultiarchError } from "../../../src/common/errors.js";
import {
  isAttestation,
  mergedIndexBytes,
  uniquePlatforms,
  type MergeEntry,
} from "../../../src/publish/merge-entries.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const digest = (c: string) => `sha256:${c.repeat(64)}`;

function entry(source: string, d: string, architecture: string, variant?: string): MergeEntry {
  return {
    source,
    repository: "team/app",
    descriptor: {
      mediaType: OCI_MANIFEST,
      digest: d,
      size: 500,
      platform: { os: "linux", architecture, ...(variant === undefined ? {} : { variant }) },
    },
  };
}

test("attestations: unknown/unknown, or marked by buildx", () => {
  const base = { mediaType: OCI_MANIFEST, digest: digest("a"), size: 1 };
  expect(isAttestation({ ...base, platform: { os: "unknown", architecture: "unknown" } })).toBe(
    true,
  );
  expect(
    isAttestation({
      ...base,
      annotations: { "vnd.docker.reference.type": "attestation-manifest" },
    }),
  ).toBe(true);
  expect(isAttestation({ ...base, platform: { os: "linux", architecture: "arm64" } })).toBe(false);
});

test("two sources of one platform (in any spelling) are refused, naming both", () => {
  const a = entry("reg/a@x", digest("a"), "arm64");
  const b = entry("reg/b@y", digest("b"), "arm64", "v8");
  let error: unknown;
  try {
    uniquePlatforms([entry("reg/c@z", digest("c"), "amd64"), a, b]);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MultiarchError);
  expect(error).toMatchObject({ code: "INVALID_INPUT", details: { platform: "linux/arm64" } });
  expect((error as Error).message).toContain("reg/a@x");
  expect((error as Error).message).toContain("reg/b@y");
});

test("the same manifest given twice is kept once", () => {
  const a = entry("reg/a@x", digest("a"), "arm64");
  expect(uniquePlatforms([a, { ...a, source: "again" }])).toEqual([a]);
});

test("the index: OCI, entries in order, annotations on the index and on each descriptor (by its platform)", () => {
  const bytes = mergedIndexBytes(
    [entry("s1", digest("a"), "amd64"), entry("s2", digest("b"), "arm", "v7")],
    { "org.opencontainers.image.title": "t" },
    (platform) =>
      platform === "linux/arm/v7" ? { "com.example.arm": "yes" } : { "com.example.job": "7" },
  );
  expect(JSON.parse(bytes.toString("utf8"))).toEqual({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: digest("a"),
        size: 500,
        annotations: { "com.example.job": "7" },
        platform: { architecture: "amd64", os: "linux" },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: digest("b"),
        size: 500,
        annotations: { "com.example.arm": "yes" },
        platform: { architecture: "arm", os: "linux", variant: "v7" },
      },
    ],
    annotations: { "org.opencontainers.image.title": "t" },
  });
  expect(
    JSON.parse(mergedIndexBytes([entry("s", digest("a"), "amd64")]).toString()),
  ).not.toHaveProperty("annotations");
});
