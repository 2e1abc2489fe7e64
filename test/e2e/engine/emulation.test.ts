// withEmulation against the real engine and the host's binfmt handlers.
import { connection } from "@dagger.io/dagger";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  isMultiarchError,
  withEmulation,
  type EmulationReport,
} from "../../../src/index.js";
import { i386 } from "../support/platforms.js";

const BINFMT = "/proc/sys/fs/binfmt_misc";
const MIPS_HANDLER = `${BINFMT}/qemu-mips64el`;
// Seeded by test/testbed/lib/seed.sh: Debian's qemu-user-static behind a tonistiigi/binfmt-like
// entrypoint (`--install all|ARCH,...`).
const INSTALLER = `${process.env.MULTIARCH_REGISTRY ?? "127.0.0.1:5000"}/multiarch/binfmt:debian`;

const handlers = () => new Set(readdirSync(BINFMT).filter((n) => n.startsWith("qemu-")));

describe("withEmulation", () => {
  it("reports amd64 native, 386 as this kernel runs it, the others emulated, and what each ran as", async () => {
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
      { platform: "linux/386", ...i386() },
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

  it("answers a second probe of this engine with the same QEMU handlers from the first; a handler switched off is probed again", async () => {
    const cache = mkdtempSync(join(tmpdir(), "multiarch-probes-"));
    const platforms = ["linux/amd64", "linux/arm64", "linux/mips64le"];
    const probes: EmulationReport[] = [];
    const previous = process.env.MULTIARCH_CACHE_DIR;
    process.env.MULTIARCH_CACHE_DIR = cache;
    try {
      await connection(async () => {
        probes.push(await withEmulation(platforms));
        probes.push(await withEmulation(platforms));
        probes.push(await withEmulation(platforms, { reuseProbes: false }));
        writeFileSync(MIPS_HANDLER, "0");
        try {
          probes.push(await withEmulation(platforms, { require: false }));
        } finally {
          writeFileSync(MIPS_HANDLER, "1");
        }
      });
    } finally {
      if (previous === undefined) delete process.env.MULTIARCH_CACHE_DIR;
      else process.env.MULTIARCH_CACHE_DIR = previous;
      rmSync(cache, { recursive: true, force: true });
    }
    const [first, second, fresh, switchedOff] = probes;
    expect(first?.known).toBeUndefined();
    expect(second?.known).toEqual(platforms);
    expect(second?.platforms).toEqual(first?.platforms);
    expect(fresh?.known).toBeUndefined();
    expect(fresh?.platforms).toEqual(first?.platforms);
    // Another handler state is another key: every platform probed, mips64le found missing.
    expect(switchedOff?.known).toBeUndefined();
    expect(switchedOff?.platforms[2]).toMatchObject({
      platform: "linux/mips64le",
      mode: "unavailable",
    });
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

  it("installs a missing emulator with the privileged installer image, then runs it", async () => {
    const before = handlers();
    expect(before.has("qemu-mips64el")).toBe(true);
    writeFileSync(MIPS_HANDLER, "-1");
    let unavailable: EmulationReport | undefined;
    let report: EmulationReport | undefined;
    let registered = "";
    try {
      await connection(async () => {
        unavailable = await withEmulation(["linux/mips64le"], { require: false });
        report = await withEmulation(["linux/amd64", "linux/mips64le"], {
          install: true,
          installerImage: INSTALLER,
        });
      });
      registered = existsSync(MIPS_HANDLER) ? readFileSync(MIPS_HANDLER, "utf8") : "";
    } finally {
      // Leave the host as the bed made it: handlers the installer added go, and mips64el is
      // Debian's again (the installer's points into a container snapshot of the engine's).
      for (const name of handlers())
        if (!before.has(name)) writeFileSync(`${BINFMT}/${name}`, "-1");
      if (existsSync(MIPS_HANDLER)) writeFileSync(MIPS_HANDLER, "-1");
      execFileSync("update-binfmts", ["--enable", "qemu-mips64el"]);
    }
    expect(unavailable?.installed).toBe(false);
    expect(unavailable?.platforms[0]).toMatchObject({
      platform: "linux/mips64le",
      mode: "unavailable",
    });
    expect(report?.installed).toBe(true);
    expect(report?.platforms).toEqual([
      { platform: "linux/amd64", mode: "native", machine: "x86_64" },
      { platform: "linux/mips64le", mode: "emulated", machine: "mips64" },
    ]);
    // What the installer registered: Debian's interpreter path and magic, with the F flag.
    expect(registered).toMatch(/^enabled\n/);
    expect(registered).toContain("interpreter /usr/libexec/qemu-binfmt/mips64el-binfmt-P\n");
    expect(registered).toMatch(/^flags: P?O?C?F$/m);
    expect(registered).toContain("magic 7f454c4602010100000000000000000002000800\n");
    expect(readFileSync(MIPS_HANDLER, "utf8")).toMatch(/^enabled\n[^]*flags: PF$/m);
  });
});
