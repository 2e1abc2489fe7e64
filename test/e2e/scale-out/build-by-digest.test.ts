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

interface PlanJson {
  engines: { name: string; native: string }[];
  platforms: { platform: string; engine: string; mode: string; runner: string }[];
}

/** `plan --json` of amd64 and arm64 for the fixture, with `more` flags. */
async function planJson(...more: string[]): Promise<PlanJson> {
  const args = ["--platforms", "linux/amd64,linux/arm64", "--source", FIXTURE, "--json"];
  const run = await runCli(["plan", ...args, ...more]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as PlanJson;
}

test("plan says how the engine builds each platform, and the GitHub runner of each", async () => {
  const plan = await planJson();
  expect(plan.engines).toEqual([{ name: "default", native: "linux/amd64" }]);
  expect(plan.platforms.map((p) => [p.platform, p.engine, p.mode, p.runner])).toEqual([
    ["linux/amd64", "default", "native", "ubuntu-24.04"],
    // The fixture RUNs in the target stage: emulated, not cross.
    ["linux/arm64", "default", "emulated", "ubuntu-24.04-arm"],
  ]);
});

test("plan --engine asks every engine about every platform; an engine that does not answer is named", async () => {
  // The bed's extra engines (TESTBED_ENGINES) are x86-64 hosts too, with the same QEMU handlers.
  const [E2 = "", E3 = ""] = (process.env["TESTBED_ENGINES"] ?? "").split(" ");
  expect(E2).not.toBe("");
  expect(E3).not.toBe("");
  const plan = await planJson("--engine", E2, "--engine", `linux/arm64=${E3}`);
  expect(plan.engines).toEqual([
    { name: "default", native: "linux/amd64" },
    { name: E2, native: "linux/amd64" },
    { name: E3, native: "linux/amd64" },
  ]);
  expect(plan.platforms.map((p) => [p.platform, p.engine, p.mode])).toEqual([
    ["linux/amd64", "default", "native"],
    ["linux/amd64", E2, "native"],
    ["linux/amd64", E3, "native"],
    ["linux/arm64", "default", "emulated"],
    ["linux/arm64", E2, "emulated"],
    ["linux/arm64", E3, "emulated"],
  ]);

  // Port 9 on loopback: nothing listens there.
  const dead = await runCli([
    "plan",
    "--platforms",
    "linux/arm64",
    "--engine",
    "tcp://127.0.0.1:9",
  ]);
  expect(dead.code).toBe(1);
  expect(dead.stderr).toMatch(/ENGINE_FAILED: .*tcp:\/\/127\.0\.0\.1:9.*plan could not ask it/);
  // plan has no --fallback: its hint must not offer one.
  expect(dead.stderr).not.toContain("--fallback");
});
