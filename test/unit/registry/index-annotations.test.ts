// annotateIndex: the index's own annotations and its manifest descriptors' annotations, added
// to the document as served (unknown fields kept), and nothing rewritten when nothing changes.
import { describe, expect, test } from "vitest";
import type { ManifestResult } from "../../../src/registry/client.js";
import { annotateIndex } from "../../../src/registry/index-annotations.js";
import { MediaType } from "../../../src/registry/media-types.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const doc = {
  schemaVersion: 2,
  mediaType: MediaType.OCI_INDEX,
  manifests: [
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d("a"),
      size: 500,
      platform: { os: "linux", architecture: "amd64" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: d("b"),
      size: 501,
      platform: { os: "linux", architecture: "arm64" },
      annotations: { kept: "yes" },
    },
  ],
  "x-unknown": 1,
};

function served(json: unknown): ManifestResult {
  const bytes = Buffer.from(JSON.stringify(json));
  return { mediaType: MediaType.OCI_INDEX, digest: d("f"), bytes, json };
}

describe("annotateIndex", () => {
  test("index annotations on the index, descriptor annotations on their platform's entry", () => {
    const { bytes, same } = annotateIndex(
      served(doc),
      { title: "demo" },
      "here",
      (platform, current) => (platform === "linux/arm64" ? { ...current, arm: "1" } : current),
    );
    expect(same).toBe(false);
    const out = JSON.parse(Buffer.from(bytes).toString("utf8")) as typeof doc & {
      annotations: unknown;
    };
    expect(out.annotations).toEqual({ title: "demo" });
    expect(out.manifests[0]).toEqual(doc.manifests[0]);
    expect(out.manifests[1]?.annotations).toEqual({ kept: "yes", arm: "1" });
    expect(out["x-unknown"]).toBe(1);
  });

  test("nothing to add: the served bytes, unchanged", () => {
    const current = served({ ...doc, annotations: { title: "demo" } });
    const { bytes, same } = annotateIndex(current, { title: "demo" }, "here", (_, c) => c);
    expect(same).toBe(true);
    expect(bytes).toBe(current.bytes);
    expect(annotateIndex(served(doc), {}, "here").same).toBe(true);
  });

  test("an entry's annotations can be dropped: the field goes when none are left", () => {
    const { bytes } = annotateIndex(served(doc), {}, "here", () => ({}));
    const out = JSON.parse(Buffer.from(bytes).toString("utf8")) as typeof doc;
    expect(out.manifests[1]).not.toHaveProperty("annotations");
    expect(out.manifests[0]).toEqual(doc.manifests[0]);
  });
});
