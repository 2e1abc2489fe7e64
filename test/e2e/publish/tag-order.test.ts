// No tag moves until the index is final and verified: a publish whose verification fails leaves
// every tag where it was, and the index a tag first names already carries the index annotations.
import { connection, dag } from "@dagger.io/dagger";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErrorCode, isMultiarchError, publish, type PublishReport } from "../../../src/index.js";
import { exists, inspectRaw, uniqueRepo } from "../support/oci.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const REGISTRY = "127.0.0.1:5000";
const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

/** Publish inside a connection; a failure comes back as the error itself (connection wraps it). */
async function tryPublish(options: Parameters<typeof publish>[0]): Promise<unknown> {
  let outcome: unknown;
  await connection(async () => {
    try {
      outcome = await publish(options);
    } catch (error) {
      outcome = error;
    }
  });
  return outcome;
}

describe("tags move only after verification", () => {
  const repo = `${REGISTRY}/${uniqueRepo("tag-order")}`;
  let good: PublishReport;

  it("a good index under 1.0, annotated in the first index the tag names", async () => {
    const outcome = await tryPublish({
      source: dag.host().directory(fixture("cross")),
      address: repo,
      platforms: PLATFORMS,
      tags: ["1.0"],
      annotations: { "org.opencontainers.image.version": "1.0" },
    });
    if (isMultiarchError(outcome) || outcome instanceof Error) throw outcome;
    good = outcome as PublishReport;
    const served = inspectRaw(`${repo}:1.0`);
    expect(served.digest).toBe(good.digest);
    expect(served.json.annotations?.["org.opencontainers.image.version"]).toBe("1.0");
  });

  it("a build-platform binary in every platform: VERIFY_FAILED, 1.0 unmoved, latest never made", async () => {
    const outcome = await tryPublish({
      source: dag.host().directory(fixture("host-binary")),
      address: repo,
      platforms: PLATFORMS,
      tags: ["1.0", "latest"],
    });
    expect(isMultiarchError(outcome) && outcome.code).toBe(ErrorCode.VERIFY_FAILED);
    if (!isMultiarchError(outcome)) return;
    expect(outcome.message).toContain("linux/arm64: /usr/local/bin/tool is x86-64");
    // The reference names the digest once.
    expect(outcome.details.given).toMatch(/^[^@]+@sha256:[0-9a-f]{64}$/);
    expect(inspectRaw(`${repo}:1.0`).digest).toBe(good.digest);
    expect(exists(`${repo}:latest`)).toBe(false);
  });
});
