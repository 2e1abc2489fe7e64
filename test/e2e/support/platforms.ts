import { existsSync } from "node:fs";

// What the engine tests expect of the five platforms most of them publish: written out here, not
// derived from the code under test.
export const FIVE = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x"];

/** `uname -m` of each, as the x86_64 test bed runs it (natively or under QEMU). */
export const MACHINE: Readonly<Record<string, string>> = {
  "linux/amd64": "x86_64",
  "linux/arm64": "aarch64",
  "linux/arm/v7": "armv7l",
  "linux/ppc64le": "ppc64le",
  "linux/s390x": "s390x",
};

/**
 * How this machine runs linux/386, measured where the bed decided it: `testbed:up` registers
 * qemu-i386 only on a kernel that refuses i386 programs. Natively the probe reports the kernel's
 * x86_64; under QEMU, i686.
 */
export function i386(): { readonly mode: "native" | "emulated"; readonly machine: string } {
  return existsSync("/proc/sys/fs/binfmt_misc/qemu-i386")
    ? { mode: "emulated", machine: "i686" }
    : { mode: "native", machine: "x86_64" };
}
