// withEmulation against the real engine and the host's binfmt handlers.
import { connection } from "@dagger.io/dagger";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  isMultiarchError,
  withEmulation,
  type EmulationReport,
} from "../../src/index.js";

const MIPS_HANDLER = "/proc/sys/fs/binfmt_misc/qemu-mips64el";

describe("withEmulation", () => {
  it("reports amd64 and 386 native, the others emulated, and what each ran as", async () => {
    let report: EmulationReport | undefined;
    await connection(async () => {
      report = await withEmulation([
        "amd64",
        "i386",
        "aarch64",
        "armhf",
        "ppc64el",
        "s390x",
        "arm64",
      ]);
    });
    expect(report?.native).toBe("linux/amd64");
    expect(report?.platforms).toEqual([
      { platform: "linux/amd64", mode: "native", machine: "x86_64" },
      { platform: "linux/386", mode: "native", machine: "x86_64" },
      { platform: "linux/arm64", mode: "emulated", machine: "aarch64" },
      { platform: "linux/arm/v7", mode: "emulated", machine: "armv7l" },
      { platform: "linux/ppc64le", mode: "emulated", machine: "ppc64le" },
      { platform: "linux/s390x", mode: "emulated", machine: "s390x" },
    ]);
    expect(report?.duplicates).toEqual([{ input: "arm64", canonical: "linux/arm64" }]);
  });

  it("raises EMULATION_UNAVAILABLE, naming the platform, when its QEMU handler is off", async () => {
    expect(readFileSync(MIPS_HANDLER, "utf8")).toMatch(/^enabled/);
    writeFileSync(MIPS_HANDLER, "0");
    let error: unknown;
    try {
      await connection(async () => {
        error = await withEmulation(["linux/amd64", "linux/mips64le"]).catch((e: unknown) => e);
      });
    } finally {
      writeFileSync(MIPS_HANDLER, "1");
    }
    expect(isMultiarchError(error, ErrorCode.EMULATION_UNAVAILABLE)).toBe(true);
    expect((error as Error).message).toContain("linux/mips64le");
    expect((error as Error).message).toContain("it runs: linux/amd64");
    expect((error as Error).message).toContain("qemu-user-static");
  });

  it("only reports an unavailable platform when not required", async () => {
    writeFileSync(MIPS_HANDLER, "0");
    let report: EmulationReport | undefined;
    try {
      await connection(async () => {
        report = await withEmulation(["linux/mips64le"], { require: false });
      });
    } finally {
      writeFileSync(MIPS_HANDLER, "1");
    }
    expect(report?.platforms[0]).toMatchObject({ platform: "linux/mips64le", mode: "unavailable" });
  });
});
