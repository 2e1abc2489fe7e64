// The GitHub Actions matrix: a runner per platform, native where GitHub has that CPU.
import { expect, test } from "vitest";
import { githubMatrix, runnerFor } from "../../../src/plan/github-matrix.js";

test("amd64 and 386 on the x86-64 runner, arm64 on the arm runner, the rest under QEMU", () => {
  expect(githubMatrix("amd64,arm64,armhf,386,s390x,ppc64le,riscv64").include).toEqual([
    { platform: "linux/amd64", runner: "ubuntu-24.04", emulated: false, slug: "linux-amd64" },
    { platform: "linux/arm64", runner: "ubuntu-24.04-arm", emulated: false, slug: "linux-arm64" },
    { platform: "linux/arm/v7", runner: "ubuntu-24.04", emulated: true, slug: "linux-arm-v7" },
    { platform: "linux/386", runner: "ubuntu-24.04", emulated: false, slug: "linux-386" },
    { platform: "linux/s390x", runner: "ubuntu-24.04", emulated: true, slug: "linux-s390x" },
    { platform: "linux/ppc64le", runner: "ubuntu-24.04", emulated: true, slug: "linux-ppc64le" },
    { platform: "linux/riscv64", runner: "ubuntu-24.04", emulated: true, slug: "linux-riscv64" },
  ]);
});

test("spellings are normalised and repeats dropped, as everywhere", () => {
  expect(githubMatrix(["aarch64", "linux/arm64/v8"]).include.map((e) => e.platform)).toEqual([
    "linux/arm64",
  ]);
  expect(runnerFor("linux/arm64")).toEqual({ runner: "ubuntu-24.04-arm", emulated: false });
});

test("an unknown platform is INVALID_PLATFORM", () => {
  let error: unknown;
  try {
    githubMatrix("vax");
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: "INVALID_PLATFORM" });
});
