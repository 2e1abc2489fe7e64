import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { artifactManifest, attestationKind, EMPTY_CONFIG } from "../../../src/attest/artifact.js";

const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("artifactManifest", () => {
  const subject = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${"a".repeat(64)}`,
    size: 1234,
  };
  const bytes = Buffer.from('{"spdxVersion":"SPDX-2.3"}');
  const artifact = artifactManifest(
    { artifactType: "application/spdx+json", bytes },
    subject,
    new Date("2026-01-01T00:00:00Z"),
  );
  const doc = JSON.parse(artifact.manifest.toString()) as Record<string, unknown>;

  it("is an OCI 1.1 image manifest: artifactType, the empty config, the blob, the subject", () => {
    expect(doc).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/spdx+json",
      config: {
        mediaType: "application/vnd.oci.empty.v1+json",
        digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        size: 2,
      },
      layers: [{ mediaType: "application/spdx+json", digest: sha(bytes), size: bytes.length }],
      subject,
      annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00.000Z" },
    });
    expect(sha(EMPTY_CONFIG)).toBe((doc["config"] as { digest: string }).digest);
  });

  it("is listed by its own digest and size, with its artifactType", () => {
    expect(artifact.digest).toBe(sha(artifact.manifest));
    expect(artifact.descriptor).toMatchObject({
      digest: artifact.digest,
      size: artifact.manifest.length,
      artifactType: "application/spdx+json",
    });
  });
});

describe("attestationKind", () => {
  it.each([
    ["application/vnd.in-toto+json", "provenance"],
    ["application/spdx+json", "sbom"],
    ["application/vnd.cyclonedx+json", "sbom"],
    ["application/vnd.dev.cosign.artifact.sig.v1+json", undefined],
    [undefined, undefined],
  ] as const)("%s → %s", (type, kind) => {
    expect(attestationKind(type)).toBe(kind);
  });
});
