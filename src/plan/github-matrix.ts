/**
 * The GitHub Actions matrix for building each platform on its own runner, then merging: one
 * matrix entry per platform, with the hosted runner whose CPU runs it natively where GitHub has
 * one (as docker/github-builder maps them), else the x86-64 runner with QEMU. Pure.
 */
import { formatPlatform, parsePlatforms } from "../platform/platform.js";

/** GitHub's hosted Linux runners by CPU (public images, 2025). */
export const GITHUB_RUNNERS = {
  amd64: "ubuntu-24.04",
  arm64: "ubuntu-24.04-arm",
} as const;

export interface MatrixEntry {
  /** Canonical platform, `os/arch[/variant]`. */
  readonly platform: string;
  /** The runner label for `runs-on`. */
  readonly runner: string;
  /** True when the runner's CPU cannot run the platform natively: the job needs QEMU. */
  readonly emulated: boolean;
  /** The platform as a name for artifacts and job titles: `linux-arm-v7`. */
  readonly slug: string;
}

export interface GithubMatrix {
  readonly include: readonly MatrixEntry[];
}

/**
 * The runner a platform builds on: linux/amd64 and linux/386 on the x86-64 runner natively,
 * linux/arm64 on the arm64 runner, the rest on the x86-64 runner under QEMU. (32-bit arm goes
 * to QEMU too: GitHub's arm64 runners cannot be relied on to run AArch32 code.)
 */
export function runnerFor(platform: string): Omit<MatrixEntry, "slug" | "platform"> {
  const arch = platform.split("/")[1];
  if (arch === "arm64") return { runner: GITHUB_RUNNERS.arm64, emulated: false };
  const native = arch === "amd64" || arch === "386";
  return { runner: GITHUB_RUNNERS.amd64, emulated: !native };
}

/**
 * The matrix for `platforms` (any spelling parsePlatforms takes), one entry each, in order.
 * @throws MultiarchError INVALID_PLATFORM
 */
export function githubMatrix(platforms: readonly string[] | string): GithubMatrix {
  const { platforms: parsed } = parsePlatforms(platforms);
  return {
    include: parsed.map((p) => {
      const platform = formatPlatform(p);
      return { platform, ...runnerFor(platform), slug: platform.replaceAll("/", "-") };
    }),
  };
}
