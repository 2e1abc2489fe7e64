/**
 * ELF headers, as far as telling which CPU a binary is for: the identification bytes and
 * e_machine. Pure: bytes in, a typed header out. Nothing is ever run.
 */
import { formatPlatform, platformInfo, type Platform } from "../platform/platform.js";

/** Bytes needed: e_ident (16), e_type (2), e_machine (2). */
export const ELF_HEADER_BYTES = 20;

/** e_type values worth checking: code the platform's loader would run. */
export const ET_EXEC = 2;
export const ET_DYN = 3;

export interface ElfHeader {
  readonly elfClass: 32 | 64;
  /** ELFDATA2LSB. */
  readonly littleEndian: boolean;
  /** e_type: 1 relocatable, 2 executable, 3 shared object (or PIE), 4 core. */
  readonly type: number;
  /** e_machine (EM_*). */
  readonly machine: number;
}

export type ElfParse =
  | { readonly kind: "elf"; readonly header: ElfHeader }
  | { readonly kind: "not-elf" }
  /** Starts with the ELF magic but is too short or has an invalid class or byte order. */
  | { readonly kind: "malformed"; readonly reason: string };

const MAGIC = [0x7f, 0x45, 0x4c, 0x46]; // \x7fELF
const EI_CLASS = 4;
const EI_DATA = 5;
const E_TYPE = 16;
const E_MACHINE = 18;

/** Parse the first bytes of a file (at least ELF_HEADER_BYTES of them for an ELF file). */
export function parseElfHeader(bytes: Uint8Array): ElfParse {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    return { kind: "not-elf" };
  }
  if (bytes.length < ELF_HEADER_BYTES) {
    return { kind: "malformed", reason: `only ${bytes.length} bytes` };
  }
  const cls = bytes[EI_CLASS];
  const data = bytes[EI_DATA];
  if (cls !== 1 && cls !== 2) return { kind: "malformed", reason: `EI_CLASS ${cls}` };
  if (data !== 1 && data !== 2) return { kind: "malformed", reason: `EI_DATA ${data}` };
  const littleEndian = data === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    kind: "elf",
    header: {
      elfClass: cls === 1 ? 32 : 64,
      littleEndian,
      type: view.getUint16(E_TYPE, littleEndian),
      machine: view.getUint16(E_MACHINE, littleEndian),
    },
  };
}

/** Names of e_machine values, as `file` and `readelf` abbreviate them. */
const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [2, "sparc"],
  [3, "i386"],
  [8, "mips"],
  [20, "ppc"],
  [21, "ppc64"],
  [22, "s390"],
  [40, "arm"],
  [43, "sparcv9"],
  [50, "ia64"],
  [62, "x86-64"],
  [183, "aarch64"],
  [243, "riscv"],
  [247, "bpf"],
  [258, "loongarch"],
]);

export function machineName(machine: number): string {
  return MACHINE_NAMES.get(machine) ?? `e_machine ${machine}`;
}

function shape(elfClass: 32 | 64, littleEndian: boolean): string {
  return `${elfClass}-bit ${littleEndian ? "LSB" : "MSB"}`;
}

export interface ElfMismatch {
  /** What the file is, e.g. `x86-64`, or `mips 64-bit MSB` when only class/byte order differ. */
  readonly found: string;
  /** What the platform runs, e.g. `aarch64 (linux/arm64)`. */
  readonly expected: string;
}

/**
 * Compare a header with what `platform` runs (machine, class, byte order, from platformInfo).
 * @returns undefined when the binary is for this platform
 */
export function elfMismatch(header: ElfHeader, platform: Platform): ElfMismatch | undefined {
  const info = platformInfo(platform);
  const sameMachine = header.machine === info.elfMachine;
  const sameShape = header.elfClass === info.elfClass && header.littleEndian === info.littleEndian;
  if (sameMachine && sameShape) return undefined;
  const expectedName = machineName(info.elfMachine);
  const expectedShape = shape(info.elfClass, info.littleEndian);
  const foundShape = shape(header.elfClass, header.littleEndian);
  // Name the class and byte order only where they tell something: when they differ.
  return sameShape
    ? {
        found: machineName(header.machine),
        expected: `${expectedName} (${formatPlatform(platform)})`,
      }
    : {
        found: `${machineName(header.machine)} ${foundShape}`,
        expected: `${expectedName} ${expectedShape} (${formatPlatform(platform)})`,
      };
}
