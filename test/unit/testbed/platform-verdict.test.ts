// How the test bed reads a platform probe (lib/qemu.sh platform_verdict): pure, no kernel.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const QEMU_SH = fileURLToPath(new URL("../../../test/testbed/lib/qemu.sh", import.meta.url));

function verdict(hostMachine: string, rc: number, output: string): string {
  return execFileSync(
    "bash",
    ["-c", '. "$0" && platform_verdict "$1" "$2" "$3"', QEMU_SH, hostMachine, String(rc), output],
    { encoding: "utf8" },
  ).trim();
}

describe("platform_verdict", () => {
  it("calls a program the kernel ran itself native: it saw the kernel's machine", () => {
    expect(verdict("x86_64", 0, "x86_64")).toBe("native x86_64");
  });

  it("calls a program that saw another machine emulated: QEMU reports its own CPU", () => {
    expect(verdict("x86_64", 0, "i686")).toBe("emulated i686");
    expect(verdict("x86_64", 0, "aarch64")).toBe("emulated aarch64");
  });

  it("calls an exec format error refused: a handler is to be registered", () => {
    const bashSays = "bash: /tmp/busybox: cannot execute binary file: Exec format error";
    expect(verdict("x86_64", 126, bashSays)).toBe("refused");
  });

  it("calls anything else failed: a broken handler is not fixed by registering another", () => {
    expect(verdict("x86_64", 127, "bash: /tmp/busybox: No such file or directory")).toBe("failed");
    expect(verdict("x86_64", 126, "bash: /tmp/busybox: Permission denied")).toBe("failed");
    expect(verdict("x86_64", 0, "")).toBe("failed");
    expect(verdict("x86_64", 1, "qemu: uncaught target signal 11")).toBe("failed");
  });
});
