// The bed runs a program of every platform it claims, and registers QEMU only for those the kernel
// refuses, i386 included. Run in a binfmt_misc sandbox (test/testbed/sandbox-platforms.sh): its
// own user namespace and handlers, so the shared bed's are never touched. This kernel runs i386
// programs; --refuse-i386 makes it refuse them with the exec format error of a kernel without
// IA32 emulation.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { arch } from "node:os";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/engine/emulation.js";
import { parsePlatform } from "../../src/platform/platform.js";

const BINFMT = "/proc/sys/fs/binfmt_misc";

function sandboxCheck(...args: string[]): { platforms: Map<string, string>; handlers: string[] } {
  const out = execFileSync("bash", ["test/testbed/sandbox-platforms.sh", ...args], {
    encoding: "utf8",
  });
  const platforms = new Map<string, string>();
  let handlers: string[] = [];
  for (const line of out.trim().split("\n")) {
    if (line.startsWith("handlers:")) handlers = line.slice("handlers:".length).trim().split(" ");
    else {
      const [platform, ...verdict] = line.trim().split(/\s+/);
      if (platform) platforms.set(platform, verdict.join(" "));
    }
  }
  return { platforms, handlers };
}

/** The mode withEmulation reports for linux/386 when its probe saw what the sandbox's did. */
function reportedMode(verdict: string | undefined): string {
  const machine = verdict?.split(" ")[1] ?? "";
  return classify(parsePlatform("linux/amd64"), parsePlatform("linux/386"), { machine }).mode;
}

function hostHandlers(): string[] {
  return readdirSync(BINFMT).sort();
}

describe("the bed's platform check", () => {
  it("assumes an x86_64 machine, as the bed's i386 handling does", () => {
    expect(arch()).toBe("x64");
  });

  it("on a kernel refusing i386 programs, registers qemu-i386 and the report calls 386 emulated", () => {
    const before = hostHandlers();
    const { platforms, handlers } = sandboxCheck("--refuse-i386");

    expect(platforms.get("linux/386")).toBe("emulated i686");
    expect(handlers).toContain("qemu-i386");
    // The sandbox started empty: every foreign platform got its handler because it was refused.
    expect(platforms.get("linux/amd64")).toBe("native x86_64");
    expect(platforms.get("linux/arm64")).toBe("emulated aarch64");
    expect(platforms.get("linux/s390x")).toBe("emulated s390x");
    expect(handlers).toEqual(expect.arrayContaining(["qemu-aarch64", "qemu-arm", "qemu-s390x"]));
    // What withEmulation's report makes of the machine an i386 program saw there.
    expect(reportedMode(platforms.get("linux/386"))).toBe("emulated");
    expect(hostHandlers()).toEqual(before);
  });

  it("on a kernel running i386 programs, registers no qemu-i386 and the report calls 386 native", () => {
    const { platforms, handlers } = sandboxCheck();

    expect(platforms.get("linux/386")).toBe("native x86_64");
    expect(handlers).not.toContain("qemu-i386");
    expect(reportedMode(platforms.get("linux/386"))).toBe("native");
  });
});
