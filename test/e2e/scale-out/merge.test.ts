// multiarch merge against the bed's registry, with images another tool pushed: skopeo copies one
// platform of a seeded multi-platform base image into a repository of its own (as a CI job that
// builds with buildah or docker would push it by digest); merge joins them into one index under
// every tag, and skopeo (the independent witness) lists the platforms under each tag.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { exists, indexPlatforms, inspectRaw, uniqueRepo } from "../support/oci.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
// Seeded by the bed (test/testbed/lib/seed.sh): every architecture's busybox-static.
const BASE = `${REGISTRY}/library/busybox:latest`;
const DEBIAN = `${REGISTRY}/library/debian:bookworm-slim`;
const ROOT = uniqueRepo("merge");

/** Push one platform of `from` to `to` with skopeo; its digest. */
function pushOne(from: string, arch: string, to: string): string {
  execFileSync(
    "skopeo",
    [
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--override-arch",
      arch,
      `docker://${from}`,
      `docker://${to}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return inspectRaw(to).digest;
}

interface MergeJson {
  digest: string;
  refs: string[];
  platforms: { platform: string; digest: string; size: number; source: string }[];
  skipped: unknown[];
  blobs: { mounted: number; copied: number };
}

let amd64: string;
let arm64: string;

beforeAll(() => {
  amd64 = `${REGISTRY}/${ROOT}/src-amd64@${pushOne(BASE, "amd64", `${REGISTRY}/${ROOT}/src-amd64:job`)}`;
  arm64 = `${REGISTRY}/${ROOT}/src-arm64@${pushOne(BASE, "arm64", `${REGISTRY}/${ROOT}/src-arm64:job`)}`;
});

describe("multiarch merge", () => {
  test("two single-platform images pushed by skopeo become one index under every tag", async () => {
    const app = `${REGISTRY}/${ROOT}/app`;
    const run = await runCli([
      "merge",
      "--address",
      app,
      "--tag",
      "1.0",
      "--tag",
      "latest",
      "--annotation",
      "index:org.opencontainers.image.title=merged",
      "--json",
      amd64,
      arm64,
    ]);
    expect(run.stderr).toContain("verified");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as MergeJson;
    expect(result.platforms.map((p) => [p.platform, p.source])).toEqual([
      ["linux/amd64", amd64],
      ["linux/arm64", arm64],
    ]);
    // The sources live in other repositories of the same registry: their blobs were mounted.
    expect(result.blobs.mounted).toBeGreaterThan(0);
    for (const tag of ["1.0", "latest"]) {
      const served = inspectRaw(`${app}:${tag}`);
      expect(served.digest).toBe(result.digest);
      expect(indexPlatforms(served)).toEqual(["linux/amd64", "linux/arm64"]);
      expect(served.json.annotations?.["org.opencontainers.image.title"]).toBe("merged");
      expect(served.json.manifests?.map((m) => m.digest)).toEqual([
        amd64.split("@")[1],
        arm64.split("@")[1],
      ]);
    }
  });

  test("an index given as a source is flattened into its platforms", async () => {
    const pair = `${REGISTRY}/${ROOT}/pair`;
    const first = await runCli(["merge", "--address", `${pair}:1`, "--no-scan", amd64, arm64]);
    expect(first.code).toBe(0);
    const s390x = `${REGISTRY}/${ROOT}/src-s390x@${pushOne(BASE, "s390x", `${REGISTRY}/${ROOT}/src-s390x:job`)}`;
    const all = `${REGISTRY}/${ROOT}/all`;
    const run = await runCli(["merge", "--address", `${all}:1`, "--json", `${pair}:1`, s390x]);
    expect(run.stderr).toContain("verified");
    expect(run.code).toBe(0);
    expect(indexPlatforms(inspectRaw(`${all}:1`))).toEqual([
      "linux/amd64",
      "linux/arm64",
      "linux/s390x",
    ]);
  });

  test("two sources of one platform are refused, naming both; no tag is written", async () => {
    const other = `${REGISTRY}/${ROOT}/debian-arm64@${pushOne(DEBIAN, "arm64", `${REGISTRY}/${ROOT}/debian-arm64:job`)}`;
    const dup = `${REGISTRY}/${ROOT}/dup`;
    const run = await runCli(["merge", "--address", `${dup}:1`, amd64, arm64, other]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("INVALID_INPUT");
    expect(run.stderr).toContain("linux/arm64");
    expect(run.stderr).toContain(arm64);
    expect(run.stderr).toContain(other);
    expect(exists(`${dup}:1`)).toBe(false);
  });

  test("a source that is not in the registry fails before anything is written", async () => {
    const gone = `${REGISTRY}/${ROOT}/src-amd64@sha256:${"0".repeat(64)}`;
    const missing = `${REGISTRY}/${ROOT}/missing`;
    const run = await runCli(["merge", "--address", `${missing}:1`, amd64, gone]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("REGISTRY_ERROR");
    expect(run.stderr).toContain(gone);
    expect(exists(`${missing}:1`)).toBe(false);
  });
});
