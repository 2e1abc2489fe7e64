import { describe, expect, it } from "vitest";
import {
  mergeReferrersIndex,
  parseReferrers,
  referrersTag,
  type ReferrerDescriptor,
} from "../../../src/attest/referrers-index.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
/** The entries of the index bytes a merge returned. */
const entriesOf = (bytes: Buffer | undefined): unknown =>
  (JSON.parse(bytes?.toString() ?? "") as { manifests: unknown }).manifests;
const referrer = (c: string, artifactType: string): ReferrerDescriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: d(c),
  size: 500,
  artifactType,
});

describe("referrersTag", () => {
  it("is the digest with its colon made a dash", () => {
    expect(referrersTag(d("a"))).toBe(`sha256-${"a".repeat(64)}`);
  });
});

describe("mergeReferrersIndex", () => {
  const provenance = referrer("1", "application/vnd.in-toto+json");
  const sbom = referrer("2", "application/spdx+json");

  it("makes a new OCI index when the tag does not exist", () => {
    const bytes = mergeReferrersIndex(undefined, [provenance, sbom]);
    expect(JSON.parse(bytes?.toString() ?? "")).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [provenance, sbom],
    });
  });

  it("keeps entries others wrote, with fields we do not know, and appends ours", () => {
    const foreign = { ...referrer("9", "application/vnd.dev.cosign.artifact.sig.v1+json"), x: 1 };
    const existing = { schemaVersion: 2, manifests: [foreign] };
    const bytes = mergeReferrersIndex(existing, [provenance]);
    expect(entriesOf(bytes)).toEqual([foreign, provenance]);
  });

  it("adds nothing twice, and says when there is nothing to write", () => {
    const existing = { schemaVersion: 2, manifests: [provenance] };
    expect(mergeReferrersIndex(existing, [provenance, provenance])).toBeUndefined();
    const bytes = mergeReferrersIndex(existing, [sbom, sbom]);
    expect(entriesOf(bytes)).toEqual([provenance, sbom]);
  });

  it("refuses a tag that holds something else than an index", () => {
    expect(() => mergeReferrersIndex({ schemaVersion: 2, config: {} }, [sbom])).toThrow(
      "not an image index",
    );
  });
});

describe("parseReferrers", () => {
  it("reads the entries with their artifactType, and names what is malformed", () => {
    const sbom = referrer("2", "application/spdx+json");
    expect(parseReferrers({ schemaVersion: 2, manifests: [sbom] }, "x")).toEqual({
      ok: true,
      value: [sbom],
    });
    const bad = parseReferrers({ schemaVersion: 2, manifests: [{ digest: "nope" }] }, "r:tag");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(
      /^The referrers index r:tag is malformed \(manifests\.0\./,
    );
  });
});
