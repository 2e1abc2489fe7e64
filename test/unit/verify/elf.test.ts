import { describe, expect, it } from "vitest";
import { parsePlatform } from "../../../src/platform/platform.js";
import {
  ELF_HEADER_BYTES,
  elfMismatch,
  machineName,
  parseElfHeader,
  type ElfHeader,
} from "../../../src/verify/elf.js";

// The first 20 bytes of real binaries, taken from the test bed's seeded images (busybox-static
// and mmdebstrap'd debian:bookworm-slim, both from Debian packages), with what `file` says.
const REAL: readonly {
  from: string;
  hex: string;
  platform: string;
  header: ElfHeader;
}[] = [
  // busybox:latest /bin/busybox — "ELF 64-bit LSB executable, x86-64"
  {
    from: "busybox amd64 /bin/busybox",
    hex: "7f454c4602010103000000000000000002003e00",
    platform: "linux/amd64",
    header: { elfClass: 64, littleEndian: true, type: 2, machine: 62 },
  },
  // "ELF 64-bit LSB executable, ARM aarch64"
  {
    from: "busybox arm64 /bin/busybox",
    hex: "7f454c460201010300000000000000000200b700",
    platform: "linux/arm64",
    header: { elfClass: 64, littleEndian: true, type: 2, machine: 183 },
  },
  // "ELF 32-bit LSB executable, ARM, EABI5"
  {
    from: "busybox arm/v7 /bin/busybox",
    hex: "7f454c4601010103000000000000000002002800",
    platform: "linux/arm/v7",
    header: { elfClass: 32, littleEndian: true, type: 2, machine: 40 },
  },
  {
    from: "busybox arm/v5 /bin/busybox",
    hex: "7f454c4601010100000000000000000002002800",
    platform: "linux/arm/v5",
    header: { elfClass: 32, littleEndian: true, type: 2, machine: 40 },
  },
  // "ELF 64-bit LSB executable, 64-bit PowerPC or cisco 7500, OpenPOWER ELF V2 ABI"
  {
    from: "busybox ppc64le /bin/busybox",
    hex: "7f454c4602010103000000000000000002001500",
    platform: "linux/ppc64le",
    header: { elfClass: 64, littleEndian: true, type: 2, machine: 21 },
  },
  // "ELF 64-bit MSB executable, IBM S/390": big-endian, so e_type and e_machine are too.
  {
    from: "busybox s390x /bin/busybox",
    hex: "7f454c4602020103000000000000000000020016",
    platform: "linux/s390x",
    header: { elfClass: 64, littleEndian: false, type: 2, machine: 22 },
  },
  // "ELF 32-bit LSB executable, Intel 80386"
  {
    from: "busybox 386 /bin/busybox",
    hex: "7f454c4601010103000000000000000002000300",
    platform: "linux/386",
    header: { elfClass: 32, littleEndian: true, type: 2, machine: 3 },
  },
  // "ELF 64-bit LSB executable, MIPS, MIPS64 rel2"
  {
    from: "busybox mips64le /bin/busybox",
    hex: "7f454c4602010100000000000000000002000800",
    platform: "linux/mips64le",
    header: { elfClass: 64, littleEndian: true, type: 2, machine: 8 },
  },
  // "ELF 64-bit LSB pie executable, x86-64": PIEs are ET_DYN.
  {
    from: "debian amd64 /usr/bin/ls",
    hex: "7f454c4602010100000000000000000003003e00",
    platform: "linux/amd64",
    header: { elfClass: 64, littleEndian: true, type: 3, machine: 62 },
  },
  {
    from: "debian arm64 /usr/bin/ls",
    hex: "7f454c460201010000000000000000000300b700",
    platform: "linux/arm64",
    header: { elfClass: 64, littleEndian: true, type: 3, machine: 183 },
  },
  {
    from: "debian arm/v7 /usr/bin/ls",
    hex: "7f454c4601010100000000000000000003002800",
    platform: "linux/arm/v7",
    header: { elfClass: 32, littleEndian: true, type: 3, machine: 40 },
  },
  // "ELF 64-bit LSB shared object, ARM aarch64"
  {
    from: "debian arm64 libc.so.6",
    hex: "7f454c460201010300000000000000000300b700",
    platform: "linux/arm64",
    header: { elfClass: 64, littleEndian: true, type: 3, machine: 183 },
  },
];

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));

describe("parseElfHeader", () => {
  it.each(REAL)("$from", ({ hex, header }) => {
    expect(parseElfHeader(bytes(hex))).toEqual({ kind: "elf", header });
  });

  it.each(REAL)("$from is for $platform, and for no other platform", ({ hex, platform }) => {
    const parsed = parseElfHeader(bytes(hex));
    if (parsed.kind !== "elf") throw new Error("not parsed");
    expect(elfMismatch(parsed.header, parsePlatform(platform))).toBeUndefined();
    const others = REAL.map((r) => r.platform).filter((p) => p !== platform);
    for (const other of new Set(others)) {
      // arm/v5 and arm/v7 share EM_ARM, 32-bit, LSB: ELF alone cannot tell them apart.
      if (platform.startsWith("linux/arm/") && other.startsWith("linux/arm/")) continue;
      expect(elfMismatch(parsed.header, parsePlatform(other)), other).toBeDefined();
    }
  });

  it("reads only the first 20 bytes; more do not matter", () => {
    const hex = REAL[0]?.hex ?? "";
    expect(ELF_HEADER_BYTES).toBe(20);
    expect(parseElfHeader(bytes(`${hex}ffffffff`))).toEqual(parseElfHeader(bytes(hex)));
  });

  it.each([
    ["a shell script", "23212f62696e2f73680a2320556e636f6d707265"],
    ["a text file", "726f6f743a783a303a303a726f6f743a2f726f6f"],
    ["an empty file", ""],
    ["three bytes of the magic", "7f454c"],
  ])("%s is not ELF", (_, hex) => {
    expect(parseElfHeader(bytes(hex))).toEqual({ kind: "not-elf" });
  });

  it.each([
    ["truncated after the magic", "7f454c4602010100", /only 8 bytes/],
    ["EI_CLASS 3", "7f454c4603010100000000000000000002003e00", /EI_CLASS 3/],
    ["EI_DATA 0", "7f454c4602000100000000000000000002003e00", /EI_DATA 0/],
  ])("%s is malformed", (_, hex, reason) => {
    const parsed = parseElfHeader(bytes(hex));
    expect(parsed.kind).toBe("malformed");
    if (parsed.kind === "malformed") expect(parsed.reason).toMatch(reason);
  });

  it("reads a header from a subarray of a larger buffer (tar chunks are views)", () => {
    const big = Buffer.concat([Buffer.alloc(7, 1), Buffer.from(REAL[1]?.hex ?? "", "hex")]);
    expect(parseElfHeader(big.subarray(7))).toEqual({ kind: "elf", header: REAL[1]?.header });
  });
});

describe("elfMismatch", () => {
  const amd64 = parseElfHeader(bytes(REAL[0]?.hex ?? ""));
  const s390x = parseElfHeader(bytes(REAL[5]?.hex ?? ""));
  if (amd64.kind !== "elf" || s390x.kind !== "elf") throw new Error("fixtures");

  it("names the machine found and the one expected, with the platform", () => {
    expect(elfMismatch(amd64.header, parsePlatform("linux/arm64"))).toEqual({
      found: "x86-64",
      expected: "aarch64 (linux/arm64)",
    });
    expect(elfMismatch(s390x.header, parsePlatform("linux/ppc64le"))).toEqual({
      found: "s390 64-bit MSB",
      expected: "ppc64 64-bit LSB (linux/ppc64le)",
    });
  });

  it("names class and byte order when only they differ", () => {
    // mips64 big-endian in a mips64le image: same e_machine, other byte order.
    const big: ElfHeader = { elfClass: 64, littleEndian: false, type: 2, machine: 8 };
    expect(elfMismatch(big, parsePlatform("linux/mips64le"))).toEqual({
      found: "mips 64-bit MSB",
      expected: "mips 64-bit LSB (linux/mips64le)",
    });
    // i386 code in an amd64 image is another machine; x32 (EM_X86_64, 32-bit) another class.
    const x32: ElfHeader = { elfClass: 32, littleEndian: true, type: 2, machine: 62 };
    expect(elfMismatch(x32, parsePlatform("linux/amd64"))?.found).toBe("x86-64 32-bit LSB");
  });

  it("names machines it has no name for by number", () => {
    expect(machineName(9999)).toBe("e_machine 9999");
    expect(machineName(243)).toBe("riscv");
  });
});
