/**
 * Platform parsing, normalisation and per-platform derived names.
 *
 * Normalisation follows containerd's `platforms.Normalize` (the rules Docker and BuildKit use),
 * with one deliberate difference: `armel` means linux/arm/v5 here (Debian's armel baseline is
 * ARMv5TE), whereas containerd maps it to linux/arm/v6.
 *
 * Everything here is pure and table-driven: to support a new platform, add one row to
 * PLATFORM_TABLE and, if needed, its aliases to ARCH_ALIASES.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";

export type Arch = "amd64" | "arm64" | "arm" | "386" | "ppc64le" | "s390x" | "riscv64" | "mips64le";

/** An OCI platform. Only linux is supported. `variant` is set only for 32-bit arm. */
export interface Platform {
  readonly os: "linux";
  readonly arch: Arch;
  readonly variant?: string;
}

/** Names other tools use for the same platform. */
export interface PlatformInfo {
  readonly platform: Platform;
  /** Canonical `os/arch[/variant]` string. */
  readonly canonical: string;
  /**
   * `uname -m` on native hardware. Under emulation or on a 64-bit kernel this can differ; see the
   * comments in the table. Prefer ELF checks (elfMachine/elfClass/littleEndian) for verification.
   */
  readonly unameMachine: string;
  /** GOARCH. */
  readonly goarch: string;
  /** GOARM (arm only). */
  readonly goarm?: "5" | "6" | "7";
  /** Debian (dpkg) architecture name. */
  readonly debianArch: string;
  /** Rust target triple. */
  readonly rustTarget: string;
  /** ELF e_machine value (EM_*). */
  readonly elfMachine: number;
  /** ELF class: 32- or 64-bit. */
  readonly elfClass: 32 | 64;
  /** ELF data encoding: true for ELFDATA2LSB. */
  readonly littleEndian: boolean;
}

type Row = Omit<PlatformInfo, "canonical">;

const linux = (arch: Arch, variant?: string): Platform =>
  Object.freeze(variant === undefined ? { os: "linux", arch } : { os: "linux", arch, variant });

// ELF e_machine constants (from <elf.h>).
const EM_386 = 3;
const EM_MIPS = 8;
const EM_PPC64 = 21;
const EM_S390 = 22;
const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_RISCV = 243;

const ROWS: readonly Row[] = [
  {
    platform: linux("amd64"),
    unameMachine: "x86_64",
    goarch: "amd64",
    debianArch: "amd64",
    rustTarget: "x86_64-unknown-linux-gnu",
    elfMachine: EM_X86_64,
    elfClass: 64,
    littleEndian: true,
  },
  {
    platform: linux("arm64"),
    unameMachine: "aarch64",
    goarch: "arm64",
    debianArch: "arm64",
    rustTarget: "aarch64-unknown-linux-gnu",
    elfMachine: EM_AARCH64,
    elfClass: 64,
    littleEndian: true,
  },
  {
    // On an arm64 kernel running 32-bit code (e.g. arm/v7 containers on arm64 hosts) uname may
    // report armv8l or aarch64 instead; under qemu-arm it reports armv7l.
    platform: linux("arm", "v7"),
    unameMachine: "armv7l",
    goarch: "arm",
    goarm: "7",
    debianArch: "armhf",
    rustTarget: "armv7-unknown-linux-gnueabihf",
    elfMachine: EM_ARM,
    elfClass: 32,
    littleEndian: true,
  },
  {
    // armv6l is what ARMv6 hardware (Raspberry Pi 1/Zero) reports. Under emulation qemu-arm runs
    // its default ARMv7 CPU for every arm variant (binfmt picks no per-variant CPU): armv7l.
    platform: linux("arm", "v6"),
    unameMachine: "armv6l",
    goarch: "arm",
    goarm: "6",
    // Debian has no ARMv6 hard-float port: its armhf needs ARMv7, and Raspbian's armhf (v6) is a
    // separate archive. Debian's armel (ARMv5TE soft-float) runs on ARMv6, so armel it is.
    debianArch: "armel",
    rustTarget: "arm-unknown-linux-gnueabihf",
    elfMachine: EM_ARM,
    elfClass: 32,
    littleEndian: true,
  },
  {
    // armv5tejl is what ARM926EJ-S class hardware reports (the common ARMv5 core). Under
    // emulation it is armv7l, seen on the test bed (see arm/v6).
    platform: linux("arm", "v5"),
    unameMachine: "armv5tejl",
    goarch: "arm",
    goarm: "5",
    debianArch: "armel",
    rustTarget: "armv5te-unknown-linux-gnueabi",
    elfMachine: EM_ARM,
    elfClass: 32,
    littleEndian: true,
  },
  {
    // i686 on a 32-bit kernel, and under qemu-i386. On an amd64 kernel that runs i386 code,
    // linux/386 containers run without QEMU and report x86_64: the engine does not set the
    // linux32 personality. Some amd64 kernels refuse i386 code (exec format error): there only a
    // registered qemu-i386 runs it.
    platform: linux("386"),
    unameMachine: "i686",
    goarch: "386",
    debianArch: "i386",
    rustTarget: "i686-unknown-linux-gnu",
    elfMachine: EM_386,
    elfClass: 32,
    littleEndian: true,
  },
  {
    platform: linux("ppc64le"),
    unameMachine: "ppc64le",
    goarch: "ppc64le",
    debianArch: "ppc64el",
    rustTarget: "powerpc64le-unknown-linux-gnu",
    elfMachine: EM_PPC64,
    elfClass: 64,
    littleEndian: true,
  },
  {
    platform: linux("s390x"),
    unameMachine: "s390x",
    goarch: "s390x",
    debianArch: "s390x",
    rustTarget: "s390x-unknown-linux-gnu",
    elfMachine: EM_S390,
    elfClass: 64,
    littleEndian: false, // the only big-endian platform in the table
  },
  {
    platform: linux("riscv64"),
    unameMachine: "riscv64",
    goarch: "riscv64",
    debianArch: "riscv64",
    rustTarget: "riscv64gc-unknown-linux-gnu",
    elfMachine: EM_RISCV,
    elfClass: 64,
    littleEndian: true,
  },
  {
    // The kernel reports "mips64" for both endiannesses; endianness is only visible in ELF.
    platform: linux("mips64le"),
    unameMachine: "mips64",
    goarch: "mips64le",
    debianArch: "mips64el",
    rustTarget: "mips64el-unknown-linux-gnuabi64",
    elfMachine: EM_MIPS,
    elfClass: 64,
    littleEndian: true,
  },
];

export function formatPlatform(p: Platform): string {
  return p.variant === undefined ? `${p.os}/${p.arch}` : `${p.os}/${p.arch}/${p.variant}`;
}

export function platformEquals(a: Platform, b: Platform): boolean {
  return formatPlatform(a) === formatPlatform(b);
}

const TABLE: ReadonlyMap<string, PlatformInfo> = new Map(
  ROWS.map((row) => {
    const canonical = formatPlatform(row.platform);
    return [canonical, Object.freeze({ ...row, canonical })];
  }),
);

/** Every supported platform, in table order. */
export const SUPPORTED_PLATFORMS: readonly Platform[] = Object.freeze(
  [...TABLE.values()].map((info) => info.platform),
);

/** Derived names for a platform. Throws INVALID_PLATFORM for a platform not in the table. */
export function platformInfo(p: Platform): PlatformInfo {
  const info = TABLE.get(formatPlatform(p));
  if (info === undefined) {
    throw invalid(formatPlatform(p), "this platform is not supported");
  }
  return info;
}

/**
 * Every spelling (lower case) of each arch, with the variant a spelling implies, if any. A
 * spelling that implies a variant (armv7, armhf, ...) may not be followed by another variant.
 */
const SPELLINGS: readonly (readonly [Arch, string | undefined, readonly string[]])[] = [
  ["amd64", undefined, ["amd64", "x86_64", "x86-64"]],
  ["arm64", undefined, ["arm64", "aarch64"]],
  ["arm", undefined, ["arm"]],
  ["arm", "v7", ["armhf", "armv7", "armv7l"]],
  ["arm", "v6", ["armv6", "armv6l"]],
  ["arm", "v5", ["armel", "armv5", "armv5l", "armv5tel", "armv5tejl"]],
  ["386", undefined, ["386", "i386", "i686", "x86"]],
  ["ppc64le", undefined, ["ppc64le", "ppc64el"]],
  ["s390x", undefined, ["s390x"]],
  ["riscv64", undefined, ["riscv64"]],
  ["mips64le", undefined, ["mips64le", "mips64el"]],
];

const ARCH_ALIASES: ReadonlyMap<string, { arch: Arch; variant?: string }> = new Map(
  SPELLINGS.flatMap(([arch, variant, spellings]) =>
    spellings.map((spelling) => [spelling, variant === undefined ? { arch } : { arch, variant }]),
  ),
);

/**
 * Variants accepted per arch after normalisation (`7` → `v7`), and what each normalises to.
 * `undefined` means "no variant" in the canonical form: arm64/v8 and amd64/v1 are the defaults
 * and are dropped, as containerd does; bare `arm` means arm/v7, as in containerd. An arch not
 * listed takes no variant.
 */
const VARIANTS: Partial<Record<Arch, ReadonlyMap<string | undefined, string | undefined>>> = {
  amd64: new Map([
    [undefined, undefined],
    ["v1", undefined],
  ]),
  arm64: new Map([
    [undefined, undefined],
    ["v8", undefined],
  ]),
  arm: new Map([
    [undefined, "v7"],
    ["v7", "v7"],
    ["v6", "v6"],
    ["v5", "v5"],
  ]),
};
const NO_VARIANT: ReadonlyMap<string | undefined, string | undefined> = new Map([
  [undefined, undefined],
]);

/** Operating systems we recognise only to say clearly that they are not supported. */
const OTHER_OSES = new Set([
  "windows",
  "darwin",
  "macos",
  "freebsd",
  "netbsd",
  "openbsd",
  "dragonfly",
  "solaris",
  "illumos",
  "aix",
  "android",
  "ios",
  "plan9",
  "js",
  "wasip1",
  "wasi",
]);

const ACCEPTED_FORMS =
  `one of ${[...TABLE.keys()].join(", ")}; the "linux/" prefix is optional and aliases ` +
  `such as x86_64, aarch64, armhf, armel, armv6, i386, ppc64el and mips64el are accepted`;

function invalid(input: string, reason: string): MultiarchError {
  return new MultiarchError(
    ErrorCode.INVALID_PLATFORM,
    `Invalid platform ${JSON.stringify(input)}: ${reason}.`,
    {
      given: input,
      expected: ACCEPTED_FORMS,
      hint: "use an os/arch[/variant] string like linux/amd64 or linux/arm/v7",
    },
  );
}

/**
 * Parse and normalise a platform string (`os/arch[/variant]`, `arch[/variant]`, or an alias such
 * as `aarch64` or `armhf`). Case-insensitive; surrounding whitespace is ignored.
 * Returns one of the frozen SUPPORTED_PLATFORMS objects.
 * @throws MultiarchError INVALID_PLATFORM
 */
export function parsePlatform(input: string): Platform {
  const text = input.trim().toLowerCase();
  if (text === "") throw invalid(input, "it is empty");

  const parts = text.split("/");
  if (parts.some((part) => part === "")) throw invalid(input, "it has an empty component");
  if (parts.length > 3) throw invalid(input, "it has more than three components");

  // A leading OS is recognised by name, as containerd does; otherwise the string starts with the arch.
  let rest = parts;
  const first = parts[0] ?? "";
  if (first === "linux") {
    rest = parts.slice(1);
    if (rest.length === 0) throw invalid(input, "it names an OS but no architecture");
  } else if (OTHER_OSES.has(first)) {
    throw invalid(input, `only linux platforms are supported, not ${first}`);
  } else if (parts.length === 3) {
    throw invalid(input, `unknown OS ${JSON.stringify(first)}`);
  }

  const [archText = "", variantText] = rest;
  const alias = ARCH_ALIASES.get(archText);
  if (alias === undefined) throw invalid(input, `unknown architecture ${JSON.stringify(archText)}`);
  if (alias.variant !== undefined && variantText !== undefined) {
    throw invalid(input, `${archText} already implies variant ${alias.variant}`);
  }

  // Accept bare-number variants (`arm/7`) as containerd does.
  let variant = alias.variant ?? variantText;
  if (variant !== undefined && /^\d+$/.test(variant)) variant = `v${variant}`;

  const allowed = VARIANTS[alias.arch] ?? NO_VARIANT;
  if (!allowed.has(variant)) {
    const options = [...allowed.keys()].filter((v) => v !== undefined);
    throw invalid(
      input,
      options.length === 0
        ? `${alias.arch} has no variants`
        : `unsupported variant ${variant ?? ""} for ${alias.arch} (supported: ${options.join(", ")})`,
    );
  }
  return platformInfo(linux(alias.arch, allowed.get(variant))).platform;
}

export interface ParsedPlatforms {
  /** Unique platforms, in first-seen order. */
  readonly platforms: readonly Platform[];
  /** Entries dropped because they normalise to a platform seen earlier. */
  readonly duplicates: readonly { readonly input: string; readonly canonical: string }[];
}

/**
 * Parse a platform list: an array, a comma-separated string, or an array whose items are
 * themselves comma-separated (as with a repeated `--platform a,b --platform c` flag).
 * @throws MultiarchError INVALID_INPUT when the list is empty, INVALID_PLATFORM for a bad entry
 */
export function parsePlatforms(inputs: readonly string[] | string): ParsedPlatforms {
  const items = (typeof inputs === "string" ? [inputs] : inputs).flatMap((item) => item.split(","));
  if (items.every((item) => item.trim() === "")) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No platforms given.", {
      given: typeof inputs === "string" ? inputs : JSON.stringify(inputs),
      expected: "at least one platform, e.g. linux/amd64,linux/arm64",
      hint: "pass a list of platforms or a comma-separated string",
    });
  }

  const seen = new Map<string, Platform>();
  const duplicates: { input: string; canonical: string }[] = [];
  for (const item of items) {
    const platform = parsePlatform(item);
    const canonical = formatPlatform(platform);
    if (seen.has(canonical)) duplicates.push({ input: item.trim(), canonical });
    else seen.set(canonical, platform);
  }
  return { platforms: [...seen.values()], duplicates };
}

/** zod schema: a platform string in, a normalised Platform out; errors carry our message. */
export const platformSchema = z.string().transform((input, ctx): Platform => {
  try {
    return parsePlatform(input);
  } catch (e) {
    if (!(e instanceof MultiarchError)) throw e;
    ctx.addIssue({ code: "custom", message: e.message, input, params: { code: e.code } });
    return z.NEVER;
  }
});
