import { describe, expect, test } from "vitest";
import {
  ErrorCode,
  formatPlatform,
  isMultiarchError,
  parsePlatform,
  parsePlatforms,
  platformEquals,
  platformInfo,
  platformSchema,
  SUPPORTED_PLATFORMS,
  type Platform,
} from "../../../src/index.js";

/** Run fn, expecting a MultiarchError; return it. */
function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`threw a non-Error: ${String(e)}`);
  }
  throw new Error("expected an error, none was thrown");
}

const ALIASES: Record<string, readonly string[]> = {
  "linux/amd64": ["linux/amd64", "amd64", "x86_64", "x86-64", "linux/x86_64", "linux/amd64/v1"],
  "linux/arm64": ["linux/arm64", "arm64", "aarch64", "linux/arm64/v8", "arm64/v8", "linux/aarch64"],
  "linux/arm/v7": [
    "armhf",
    "arm",
    "linux/arm",
    "armv7",
    "armv7l",
    "arm/v7",
    "linux/arm/v7",
    "linux/arm/7",
  ],
  "linux/arm/v6": ["armv6", "armv6l", "arm/v6", "linux/arm/v6"],
  "linux/arm/v5": ["armel", "armv5", "arm/v5", "linux/arm/v5", "armv5tejl"],
  "linux/386": ["i386", "386", "x86", "i686", "linux/386", "linux/i386"],
  "linux/ppc64le": ["ppc64el", "ppc64le", "linux/ppc64le", "linux/ppc64el"],
  "linux/s390x": ["s390x", "linux/s390x"],
  "linux/riscv64": ["riscv64", "linux/riscv64"],
  "linux/mips64le": ["mips64le", "mips64el", "linux/mips64le", "linux/mips64el"],
};

const aliasCases = Object.entries(ALIASES).flatMap(([canonical, inputs]) =>
  inputs.map((input) => ({ input, canonical })),
);

describe("parsePlatform", () => {
  test.each(aliasCases)("$input → $canonical", ({ input, canonical }) => {
    expect(formatPlatform(parsePlatform(input))).toBe(canonical);
  });

  test.each(aliasCases)("is case-insensitive and trims: $input", ({ input, canonical }) => {
    expect(formatPlatform(parsePlatform(`  ${input.toUpperCase()}\t`))).toBe(canonical);
  });

  test("returns structured fields", () => {
    expect(parsePlatform("armhf")).toEqual({ os: "linux", arch: "arm", variant: "v7" });
    expect(parsePlatform("aarch64")).toEqual({ os: "linux", arch: "arm64" });
    expect(parsePlatform("aarch64")).not.toHaveProperty("variant");
  });

  test.each([
    { input: "", why: "empty" },
    { input: "   ", why: "blank" },
    { input: "linux/", why: "OS only with slash" },
    { input: "linux", why: "OS only" },
    { input: "/amd64", why: "empty OS" },
    { input: "linux//amd64", why: "empty component" },
    { input: "linux/amd64/", why: "trailing slash" },
    { input: "linux/arm/v7/extra", why: "too many components" },
    { input: "windows/amd64", why: "not linux", says: "only linux" },
    { input: "darwin/arm64", why: "not linux", says: "only linux" },
    { input: "windows", why: "OS alone, not linux", says: "only linux" },
    { input: "linux/arm/v9", why: "unknown arm variant", says: "v9" },
    { input: "linux/arm/v8", why: "32-bit armv8 unsupported", says: "v8" },
    { input: "linux/arm64/v9", why: "unknown arm64 variant", says: "v9" },
    { input: "linux/amd64/v3", why: "amd64 microarch levels unsupported", says: "v3" },
    { input: "linux/s390x/v1", why: "arch without variants", says: "no variants" },
    { input: "armhf/v7", why: "alias already implies a variant" },
    { input: "foo", why: "unknown arch", says: "foo" },
    { input: "linux/foo", why: "unknown arch", says: "foo" },
    { input: "foo/amd64/v1", why: "unknown OS", says: "foo" },
    { input: "mips64", why: "big-endian mips64 unsupported" },
    { input: "linux/arm64,linux/amd64", why: "a list is not a platform" },
  ])("rejects $input ($why)", ({ input, says }) => {
    const e = catchError(() => parsePlatform(input));
    expect(isMultiarchError(e, ErrorCode.INVALID_PLATFORM)).toBe(true);
    expect(e.message).toContain(JSON.stringify(input));
    // Lists the accepted forms.
    for (const p of SUPPORTED_PLATFORMS) expect(e.message).toContain(formatPlatform(p));
    if (says !== undefined) expect(e.message).toContain(says);
  });

  test("error details carry the input", () => {
    const e = catchError(() => parsePlatform("windows/amd64"));
    if (!isMultiarchError(e)) throw e;
    expect(e.details.given).toBe("windows/amd64");
    expect(e.details.expected).toContain("linux/amd64");
  });
});

describe("parsePlatforms", () => {
  test("keeps first-seen order and reports duplicates after normalisation", () => {
    const result = parsePlatforms(["aarch64", "linux/amd64", "arm64/v8", "x86_64", "armhf"]);
    expect(result.platforms.map(formatPlatform)).toEqual([
      "linux/arm64",
      "linux/amd64",
      "linux/arm/v7",
    ]);
    expect(result.duplicates).toEqual([
      { input: "arm64/v8", canonical: "linux/arm64" },
      { input: "x86_64", canonical: "linux/amd64" },
    ]);
  });

  test.each([
    { input: "linux/amd64,linux/arm64", want: ["linux/amd64", "linux/arm64"], dups: 0 },
    { input: " linux/amd64 , linux/arm64 ", want: ["linux/amd64", "linux/arm64"], dups: 0 },
    { input: "amd64", want: ["linux/amd64"], dups: 0 },
    { input: "amd64,x86_64,AMD64", want: ["linux/amd64"], dups: 2 },
    {
      input: ["linux/amd64,arm64", "arm/v7"],
      want: ["linux/amd64", "linux/arm64", "linux/arm/v7"],
      dups: 0,
    },
    { input: ["arm", "armv7l", "linux/arm/v7"], want: ["linux/arm/v7"], dups: 2 },
    { input: ["armv6", "armv5", "armel"], want: ["linux/arm/v6", "linux/arm/v5"], dups: 1 },
  ])("$input → $want", ({ input, want, dups }) => {
    const result = parsePlatforms(input);
    expect(result.platforms.map(formatPlatform)).toEqual(want);
    expect(result.duplicates).toHaveLength(dups);
  });

  test.each([{ input: [] }, { input: "" }, { input: "  " }, { input: [""] }, { input: [" ", ""] }])(
    "rejects empty list $input with INVALID_INPUT",
    ({ input }) => {
      const e = catchError(() => parsePlatforms(input));
      expect(isMultiarchError(e, ErrorCode.INVALID_INPUT)).toBe(true);
    },
  );

  test.each([
    { input: "linux/amd64,,linux/arm64", bad: "" },
    { input: "linux/amd64,", bad: "" },
    { input: ["linux/amd64", "windows/arm64"], bad: "windows/arm64" },
    { input: "linux/amd64,foo", bad: "foo" },
  ])("rejects a bad entry in $input with INVALID_PLATFORM", ({ input, bad }) => {
    const e = catchError(() => parsePlatforms(input));
    expect(isMultiarchError(e, ErrorCode.INVALID_PLATFORM)).toBe(true);
    expect(e.message).toContain(JSON.stringify(bad));
  });
});

describe("derived names", () => {
  const EXPECTED = [
    [
      "linux/amd64",
      "x86_64",
      "amd64",
      undefined,
      "amd64",
      "x86_64-unknown-linux-gnu",
      62,
      64,
      true,
    ],
    [
      "linux/arm64",
      "aarch64",
      "arm64",
      undefined,
      "arm64",
      "aarch64-unknown-linux-gnu",
      183,
      64,
      true,
    ],
    ["linux/arm/v7", "armv7l", "arm", "7", "armhf", "armv7-unknown-linux-gnueabihf", 40, 32, true],
    ["linux/arm/v6", "armv6l", "arm", "6", "armel", "arm-unknown-linux-gnueabihf", 40, 32, true],
    [
      "linux/arm/v5",
      "armv5tejl",
      "arm",
      "5",
      "armel",
      "armv5te-unknown-linux-gnueabi",
      40,
      32,
      true,
    ],
    ["linux/386", "i686", "386", undefined, "i386", "i686-unknown-linux-gnu", 3, 32, true],
    [
      "linux/ppc64le",
      "ppc64le",
      "ppc64le",
      undefined,
      "ppc64el",
      "powerpc64le-unknown-linux-gnu",
      21,
      64,
      true,
    ],
    ["linux/s390x", "s390x", "s390x", undefined, "s390x", "s390x-unknown-linux-gnu", 22, 64, false],
    [
      "linux/riscv64",
      "riscv64",
      "riscv64",
      undefined,
      "riscv64",
      "riscv64gc-unknown-linux-gnu",
      243,
      64,
      true,
    ],
    [
      "linux/mips64le",
      "mips64",
      "mips64le",
      undefined,
      "mips64el",
      "mips64el-unknown-linux-gnuabi64",
      8,
      64,
      true,
    ],
  ] as const;

  test.each(EXPECTED)(
    "%s",
    (
      canonical,
      unameMachine,
      goarch,
      goarm,
      debianArch,
      rustTarget,
      elfMachine,
      elfClass,
      littleEndian,
    ) => {
      const info = platformInfo(parsePlatform(canonical));
      expect(info.canonical).toBe(canonical);
      expect(formatPlatform(info.platform)).toBe(canonical);
      expect(info.unameMachine).toBe(unameMachine);
      expect(info.goarch).toBe(goarch);
      expect(info.goarm).toBe(goarm);
      expect(info.debianArch).toBe(debianArch);
      expect(info.rustTarget).toBe(rustTarget);
      expect(info.elfMachine).toBe(elfMachine);
      expect(info.elfClass).toBe(elfClass);
      expect(info.littleEndian).toBe(littleEndian);
    },
  );

  test("the table covers exactly the supported platforms", () => {
    expect(SUPPORTED_PLATFORMS.map(formatPlatform)).toEqual(EXPECTED.map((row) => row[0]));
  });

  test.each(EXPECTED.filter((row) => row[0] !== "linux/arm/v6"))(
    "Debian arch name of %s parses back to it",
    (canonical, _uname, _goarch, _goarm, debianArch) => {
      expect(formatPlatform(parsePlatform(debianArch))).toBe(canonical);
    },
  );

  test("platformInfo rejects a platform outside the table", () => {
    const bogus = { os: "linux", arch: "arm", variant: "v9" } as const;
    const e = catchError(() => platformInfo(bogus));
    expect(isMultiarchError(e, ErrorCode.INVALID_PLATFORM)).toBe(true);
    expect(e.message).toContain("linux/arm/v9");
  });
});

describe("formatPlatform / platformEquals", () => {
  test.each([
    { p: { os: "linux", arch: "amd64" }, want: "linux/amd64" },
    { p: { os: "linux", arch: "arm", variant: "v6" }, want: "linux/arm/v6" },
  ] satisfies { p: Platform; want: string }[])("formatPlatform → $want", ({ p, want }) => {
    expect(formatPlatform(p)).toBe(want);
  });

  test.each([
    { a: "aarch64", b: "linux/arm64/v8", want: true },
    { a: "armhf", b: "arm", want: true },
    { a: "arm/v6", b: "arm/v7", want: false },
    { a: "amd64", b: "386", want: false },
  ])("platformEquals($a, $b) → $want", ({ a, b, want }) => {
    expect(platformEquals(parsePlatform(a), parsePlatform(b))).toBe(want);
  });

  test("parsed platforms are frozen", () => {
    expect(Object.isFrozen(parsePlatform("amd64"))).toBe(true);
  });
});

describe("platformSchema", () => {
  test("transforms a string into a normalised platform", () => {
    expect(platformSchema.parse(" AArch64 ")).toEqual({ os: "linux", arch: "arm64" });
  });

  test("reports our message on a bad platform", () => {
    const result = platformSchema.safeParse("windows/amd64");
    expect(result.success).toBe(false);
    const message = result.error?.issues[0]?.message ?? "";
    expect(message).toContain('"windows/amd64"');
    expect(message).toContain("only linux");
  });

  test("rejects non-strings", () => {
    expect(platformSchema.safeParse(42).success).toBe(false);
  });
});
