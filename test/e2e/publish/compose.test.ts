// examples/compose: another team's pipeline (withEmulation → buildPlatform with their own
// per-platform Dagger pipeline → publishIndex), on the real engine and registry, read back with
// skopeo and umoci.
import { connection, dag, type Platform as DaggerPlatform } from "@dagger.io/dagger";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { composePipeline } from "../../../examples/compose/compose.js";
import { acceptedMachines } from "../../../src/engine/emulation.js";
import {
  ErrorCode,
  isMultiarchError,
  parsePlatform,
  type PublishResult,
} from "../../../src/index.js";
import { exists, indexPlatforms, inspectRaw, readImageFiles, uniqueRepo } from "../support/oci.js";

const REGISTRY = "127.0.0.1:5000";
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
// Every platform of the bed's busybox: beyond Dockerfiles and beyond Debian's three.
const PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/arm/v5",
  "linux/ppc64le",
  "linux/s390x",
  "linux/386",
  "linux/mips64le",
];

describe("examples/compose: the team's own pipeline per platform, no Dockerfile", () => {
  const repo = `${REGISTRY}/${uniqueRepo("compose")}`;
  let result: PublishResult;

  it("publishes one index for eight platforms under two tags", async () => {
    await connection(async () => {
      result = await composePipeline(repo, PLATFORMS, { tags: ["2.0", "latest"] });
    });
    expect(result.refs).toEqual([
      `${repo}:2.0@${result.digest}`,
      `${repo}:latest@${result.digest}`,
    ]);
    expect(result.platforms.map((p) => p.platform)).toEqual(PLATFORMS);
  });

  it("is served by the registry as that index, both tags the same digest", () => {
    const raw = inspectRaw(`${repo}:2.0`);
    expect(raw.digest).toBe(result.digest);
    expect(inspectRaw(`${repo}:latest`).digest).toBe(result.digest);
    expect(raw.json.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    // The engine writes the index's entries in its own (sorted) order, not the order given.
    expect([...indexPlatforms(raw)].sort()).toEqual([...PLATFORMS].sort());
    const served = new Map(
      (raw.json.manifests ?? []).map((m, i) => [indexPlatforms(raw)[i], m.digest]),
    );
    for (const p of result.platforms) expect(served.get(p.platform)).toBe(p.digest);
  });

  it.each(PLATFORMS)("%s: its files, and the build step ran as that platform", (platform) => {
    const [motd, machine] = readImageFiles(`${repo}:2.0`, platform, [
      "etc/motd",
      "etc/build-machine",
    ]);
    expect(motd).toMatch(new RegExp(`^Welcome to ${platform}: `));
    expect(acceptedMachines(parsePlatform(platform))).toContain(machine?.trim());
  });

  it("runs its entrypoint, pulled back from the registry by digest, on every platform", async () => {
    const outputs: string[] = [];
    await connection(async () => {
      for (const p of result.platforms) {
        outputs.push(
          await dag
            .container({ platform: p.platform as DaggerPlatform })
            .from(`${repo}@${p.digest}`)
            .withExec([], { useEntrypoint: true })
            .stdout(),
        );
      }
    });
    expect(outputs.map((o) => o.split(":")[0])).toEqual(PLATFORMS.map((p) => `Welcome to ${p}`));
  });

  it("stops with EMULATION_UNAVAILABLE before pushing when a platform cannot run", async () => {
    // riscv64 has a QEMU handler on the bed, but the bed's busybox has no riscv64 image.
    const target = `${REGISTRY}/${uniqueRepo("compose-unavailable")}:v1`;
    let error: unknown;
    await connection(async () => {
      error = await composePipeline(target, ["linux/amd64", "linux/riscv64"]).catch(
        (e: unknown) => e,
      );
    });
    expect(isMultiarchError(error, ErrorCode.EMULATION_UNAVAILABLE)).toBe(true);
    expect((error as Error).message).toContain("linux/riscv64");
    expect(exists(target)).toBe(false);
  });

  it("runs as a command with tsx, importing the SDK by its package name", () => {
    const target = `${REGISTRY}/${uniqueRepo("compose-cli")}:v1`;
    const run = spawnSync(
      "npx",
      ["tsx", "examples/compose/compose.ts", target, "linux/amd64,aarch64"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(run.stderr).not.toMatch(/Cannot find (package|module)/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^linux\/amd64 +sha256:[a-f0-9]{64}$/m);
    expect(run.stdout).toMatch(/^linux\/arm64 +sha256:[a-f0-9]{64}$/m);
    expect(run.stdout).toContain(`pushed ${target}@sha256:`);
    expect(indexPlatforms(inspectRaw(target))).toEqual(["linux/amd64", "linux/arm64"]);

    const usage = spawnSync("npx", ["tsx", "examples/compose/compose.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("usage: compose.ts");
  });
});
