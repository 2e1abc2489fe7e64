// How a probe's outcome is classified: pure, no engine.
import { describe, expect, it } from "vitest";
import { acceptedMachines, classify } from "../../../src/engine/emulation.js";
import { parsePlatform } from "../../../src/platform/platform.js";

const amd64 = parsePlatform("linux/amd64");

describe("classify", () => {
  it.each([
    ["linux/amd64", "x86_64", "native"],
    ["linux/386", "x86_64", "native"],
    // i686 is what QEMU reports: the kernel refused i386 code and qemu-i386 ran it.
    ["linux/386", "i686", "emulated"],
    ["linux/arm64", "aarch64", "emulated"],
    ["linux/arm/v7", "armv7l", "emulated"],
    ["linux/arm/v5", "armv7l", "emulated"],
    ["linux/s390x", "s390x", "emulated"],
  ])("%s running as %s is %s", (platform, machine, mode) => {
    expect(classify(amd64, parsePlatform(platform), { machine })).toEqual({
      platform,
      mode,
      machine,
    });
  });

  it("calls a probe that ran as the wrong machine unavailable, saying what it saw", () => {
    const result = classify(amd64, parsePlatform("linux/arm64"), { machine: "x86_64" });
    expect(result.mode).toBe("unavailable");
    expect(result.reason).toContain("ran as x86_64, expected aarch64");
  });

  it("calls a probe that failed unavailable, keeping the error", () => {
    const result = classify(amd64, parsePlatform("linux/s390x"), { error: "exec format error" });
    expect(result).toEqual({
      platform: "linux/s390x",
      mode: "unavailable",
      reason: "exec format error",
    });
  });

  it("knows what QEMU's arm CPU reports for the older variants", () => {
    expect(acceptedMachines(parsePlatform("arm/v6"))).toEqual(["armv6l", "armv7l"]);
  });
});
