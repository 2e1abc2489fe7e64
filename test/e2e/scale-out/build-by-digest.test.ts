// The CI recipe on the bed, one engine standing in for each runner: `build --push-by-digest`
// once per platform (a matrix job each), then `merge` of the digests; and `plan`, which probes
// the engine the way publish does. Assumes the bed's engine is x86-64 with QEMU for arm64
// (testbed.test.ts checks that bed).
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { exists, indexPlatforms, inspectRaw, uniqueRepo } from "../support/oci.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const FIXTURE = fileURLToPath(new URL("../../fixtures/cli-hello", import.meta.url));
const REPO = `${REGISTRY}/${uniqueRepo("by-digest")}`;

interface BuildJson {
  digest: string;
  refs: string[];
  mediaType: string;
  platforms: { platform: string; digest: string; size: number; mode: string }[];
}

describe("build --push-by-digest, then merge", () => {
  test("each platform pushed by digest, no tag moved; merged by digest into one index", async () => {
    const built: BuildJson[] = [];
    for (const platform of ["linux/amd64", "linux/arm64"]) {
      const run = await runCli([
        "build",
        "--source",
        FIXTURE,
        "--platform",
        platform,
        "--push-by-digest",
        "--address",
        REPO,
        "--json",
      ]);
      expect(run.stderr).toContain(platform);
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout) as BuildJson;
      // publish --json's keys: the digest is the platform's own manifest.
      expect(result.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(result.refs).toEqual([`${REPO}@${result.digest}`]);
      expect(result.platforms.map((p) => [p.platform, p.digest])).toEqual([
        [platform, result.digest],
      ]);
      expect(inspectRaw(result.refs[0] ?? "").digest).toBe(result.digest);
      built.push(result);
    }
    expect(exists(`${REPO}:latest`)).toBe(false);

    const merge = await runCli([
      "merge",
      "--address",
      REPO,
      "--tag",
      "1.0",
      "--json",
      ...built.map((b) => b.digest),
    ]);
    expect(merge.stderr).toContain("verified");
    expect(merge.code).toBe(0);
    const served = inspectRaw(`${REPO}:1.0`);
    expect(indexPlatforms(served)).toEqual(["linux/amd64", "linux/arm64"]);
    expect(served.json.manifests?.map((m) => m.digest)).toEqual(built.map((b) => b.digest));
  });
});

test("plan says how the engine builds each platform, and the GitHub runner of each", async () => {
  const run = await runCli([
    "plan",
    "--platforms",
    "linux/amd64,linux/arm64",
    "--source",
    FIXTURE,
    "--json",
  ]);
  expect(run.code).toBe(0);
  const plan = JSON.parse(run.stdout) as {
    engines: { name: string; native: string }[];
    platforms: { platform: string; engine: string; mode: string; runner: string }[];
  };
  expect(plan.engines).toEqual([{ name: "default", native: "linux/amd64" }]);
  expect(plan.platforms.map((p) => [p.platform, p.engine, p.mode, p.runner])).toEqual([
    ["linux/amd64", "default", "native", "ubuntu-24.04"],
    // The fixture RUNs in the target stage: emulated, not cross.
    ["linux/arm64", "default", "emulated", "ubuntu-24.04-arm"],
  ]);
});
