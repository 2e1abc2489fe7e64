import { describe, expect, it } from "vitest";
import { parsePlatform, parsePlatforms } from "../../../src/platform/platform.js";
import {
  binaryProblems,
  checkBinaries,
  checkBlobs,
  checkConfigPlatform,
  checkMediaType,
  checkPlatforms,
  checkSmoke,
  MAX_FILES_NAMED,
  type EntryFacts,
} from "../../../src/verify/checks.js";
import type { ElfParse } from "../../../src/verify/elf.js";
import type { ScannedFile } from "../../../src/verify/overlay.js";

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const entry = (n: number, os: string, architecture: string, variant?: string): EntryFacts => ({
  digest: d(n),
  platform: variant === undefined ? { os, architecture } : { os, architecture, variant },
});
const platforms = (list: string) => parsePlatforms(list).platforms;

describe("checkMediaType", () => {
  it("accepts an OCI index and a Docker manifest list", () => {
    expect(checkMediaType("application/vnd.oci.image.index.v1+json")).toEqual([]);
    expect(checkMediaType("application/vnd.docker.distribution.manifest.list.v2+json")).toEqual([]);
  });

  it("names a single manifest as not an index", () => {
    const [problem] = checkMediaType("application/vnd.oci.image.manifest.v1+json");
    expect(problem?.kind).toBe("not-an-index");
    expect(problem?.message).toContain("application/vnd.oci.image.manifest.v1+json");
  });
});

describe("checkPlatforms", () => {
  const good = [
    entry(1, "linux", "amd64"),
    entry(2, "linux", "arm64"),
    entry(3, "linux", "arm", "v7"),
  ];

  it("passes when the set is exactly the requested one, in any order and spelling", () => {
    expect(checkPlatforms(good, platforms("armhf,linux/amd64,aarch64"))).toEqual([]);
    expect(checkPlatforms(good)).toEqual([]);
  });

  it("names a missing platform", () => {
    expect(checkPlatforms(good, platforms("amd64,arm64,arm/v7,s390x"))).toEqual([
      {
        platform: "linux/s390x",
        kind: "missing-platform",
        message: "The index has no entry for linux/s390x.",
      },
    ]);
  });

  it("names an extra platform", () => {
    const problems = checkPlatforms(good, platforms("amd64,arm64"));
    expect(problems.map((p) => [p.kind, p.platform])).toEqual([["extra-platform", "linux/arm/v7"]]);
    expect(problems[0]?.message).toContain("requested: linux/amd64, linux/arm64");
  });

  it("takes a BuildKit attestation entry about a listed platform for what it is, not a platform", () => {
    const attestation: EntryFacts = {
      ...entry(4, "unknown", "unknown"),
      annotations: {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": d(1),
      },
    };
    expect(checkPlatforms([...good, attestation], platforms("amd64,arm64,arm/v7"))).toEqual([]);
  });

  it("names an unknown/unknown entry, and says when it is a BuildKit attestation about nothing listed", () => {
    const attestation: EntryFacts = {
      ...entry(4, "unknown", "unknown"),
      annotations: {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": d(9),
      },
    };
    const problems = checkPlatforms([...good, attestation], platforms("amd64,arm64,arm/v7"));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.kind).toBe("unknown-platform");
    expect(problems[0]?.platform).toBe("unknown/unknown");
    expect(problems[0]?.message).toContain("unknown/unknown");
    expect(problems[0]?.message).toContain("attestation manifest (for sha256:999999999999)");
    // Not also an "extra" platform.
    expect(problems.some((p) => p.kind === "extra-platform")).toBe(false);
  });

  it("names an unknown/unknown entry without platforms requested too", () => {
    expect(checkPlatforms([entry(5, "unknown", "unknown")]).map((p) => p.kind)).toEqual([
      "unknown-platform",
    ]);
  });

  it("names duplicates (after normalisation) and entries without a platform", () => {
    const problems = checkPlatforms([
      entry(1, "linux", "arm64"),
      entry(2, "linux", "arm64", "v8"),
      { digest: d(3) },
    ]);
    expect(problems.map((p) => [p.kind, p.platform])).toEqual([
      ["duplicate-platform", "linux/arm64"],
      ["no-platform", undefined],
    ]);
  });
});

describe("checkConfigPlatform", () => {
  const arm64 = { os: "linux", architecture: "arm64" };

  it("agrees when os, architecture and variant agree, in canonical form", () => {
    expect(checkConfigPlatform("linux/arm64", arm64, arm64)).toEqual([]);
    expect(checkConfigPlatform("linux/arm64", { ...arm64, variant: "v8" }, arm64)).toEqual([]);
    const v7 = { os: "linux", architecture: "arm", variant: "v7" };
    expect(checkConfigPlatform("linux/arm/v7", v7, v7)).toEqual([]);
  });

  it("accepts a config that leaves the variant out", () => {
    expect(
      checkConfigPlatform(
        "linux/arm/v5",
        { os: "linux", architecture: "arm", variant: "v5" },
        { os: "linux", architecture: "arm" },
      ),
    ).toEqual([]);
  });

  it("names an architecture or variant that differs", () => {
    expect(
      checkConfigPlatform("linux/arm64", arm64, { os: "linux", architecture: "amd64" }),
    ).toEqual([
      {
        platform: "linux/arm64",
        kind: "config-mismatch",
        message: "The index says linux/arm64, but the image config says linux/amd64.",
      },
    ]);
    expect(
      checkConfigPlatform(
        "linux/arm/v7",
        { os: "linux", architecture: "arm", variant: "v7" },
        { os: "linux", architecture: "arm", variant: "v5" },
      ).map((p) => p.kind),
    ).toEqual(["config-mismatch"]);
    expect(
      checkConfigPlatform(
        "linux/amd64",
        { os: "linux", architecture: "amd64" },
        {
          os: "windows",
          architecture: "amd64",
        },
      ).map((p) => p.kind),
    ).toEqual(["config-mismatch"]);
  });
});

describe("checkBlobs", () => {
  it("names each missing blob with what it is", () => {
    expect(
      checkBlobs("linux/s390x", [
        { what: "config", digest: d(1), exists: true },
        { what: "layer 2/3", digest: d(2), exists: false },
      ]),
    ).toEqual([
      {
        platform: "linux/s390x",
        kind: "missing-blob",
        message: `The layer 2/3 ${d(2)} is not in the repository.`,
      },
    ]);
  });
});

describe("checkBinaries", () => {
  const elf = (machine: number, elfClass: 32 | 64 = 64, type = 2): ElfParse => ({
    kind: "elf",
    header: { elfClass, littleEndian: true, type, machine },
  });
  const files: ScannedFile[] = [
    { path: "/bin/busybox", size: 1, elf: elf(62) },
    { path: "/usr/lib/libc.so.6", size: 1, elf: elf(183, 64, 3) },
    { path: "/usr/lib/bpf/prog.o", size: 1, elf: elf(247, 64, 1) },
    { path: "/etc/passwd", size: 1, elf: { kind: "not-elf" } },
    { path: "/core", size: 1, elf: elf(62, 64, 4) },
  ];

  it("names executables and shared objects for another CPU, nothing else", () => {
    expect(checkBinaries(files, parsePlatform("linux/arm64"))).toEqual([
      { path: "/bin/busybox", found: "x86-64", expected: "aarch64 (linux/arm64)" },
    ]);
    expect(checkBinaries(files, parsePlatform("linux/amd64"))).toEqual([
      { path: "/usr/lib/libc.so.6", found: "aarch64", expected: "x86-64 (linux/amd64)" },
    ]);
  });

  it("makes one problem per file, up to a limit, then one for the rest", () => {
    const many = Array.from({ length: MAX_FILES_NAMED + 5 }, (_, i) => ({
      path: `/bin/f${i}`,
      found: "x86-64",
      expected: "aarch64 (linux/arm64)",
    }));
    const problems = binaryProblems("linux/arm64", many);
    expect(problems).toHaveLength(MAX_FILES_NAMED + 1);
    expect(problems[0]).toEqual({
      platform: "linux/arm64",
      kind: "wrong-architecture",
      message: "/bin/f0 is x86-64, expected aarch64 (linux/arm64).",
    });
    expect(problems.at(-1)?.message).toContain("5 more");
  });
});

describe("checkSmoke", () => {
  const command = ["sh", "-c", "uname -m"];

  it("passes a run that passed", () => {
    expect(checkSmoke("linux/arm64", { command, passed: true, exitCode: 0, stderr: "" })).toEqual(
      [],
    );
  });

  it("names the platform, the command, the exit code and the end of stderr", () => {
    const [problem] = checkSmoke("linux/s390x", {
      command,
      passed: false,
      exitCode: 127,
      stderr: "line one\nsh: uname: not found\n",
    });
    expect(problem).toEqual({
      platform: "linux/s390x",
      kind: "smoke-failed",
      message: "The smoke command `sh -c uname -m` exited 127: line one | sh: uname: not found.",
    });
  });

  it("says when the command could not run at all", () => {
    const [problem] = checkSmoke("linux/ppc64le", {
      command,
      passed: false,
      stderr: "",
      error: "failed to resolve source metadata",
    });
    expect(problem?.message).toContain("could not run: failed to resolve source metadata");
  });
});
