// The test bed is real: the engine runs every seeded busybox platform, natively or under QEMU.
import { connection, dag, type Platform as DaggerPlatform } from "@dagger.io/dagger";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { acceptedMachines } from "../../src/engine/emulation.js";
import { parsePlatform, platformInfo } from "../../src/platform/platform.js";

/** The platforms of the seeded busybox index, as the registry serves them. */
function seededBusyboxPlatforms(): string[] {
  const raw = execFileSync(
    "skopeo",
    ["inspect", "--raw", "--tls-verify=false", "docker://127.0.0.1:5000/library/busybox:latest"],
    { encoding: "utf8" },
  );
  const index = JSON.parse(raw) as {
    manifests: { platform: { os: string; architecture: string; variant?: string } }[];
  };
  return index.manifests.map(({ platform: p }) =>
    [p.os, p.architecture, p.variant].filter(Boolean).join("/"),
  );
}

describe("test bed", () => {
  const platforms = seededBusyboxPlatforms();

  it("seeds busybox for the platforms the issue names", () => {
    expect(platforms).toEqual(
      expect.arrayContaining([
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
        "linux/ppc64le",
        "linux/s390x",
        "linux/386",
      ]),
    );
  });

  it("reports linux/amd64 as the engine's default platform", async () => {
    await connection(async () => {
      expect(await dag.defaultPlatform()).toBe("linux/amd64");
    });
  });

  it.each(platforms)("runs a %s busybox container as that platform", async (name) => {
    const info = platformInfo(parsePlatform(name));
    await connection(async () => {
      const ctr = dag.container({ platform: name as DaggerPlatform }).from("busybox");
      const machine = (await ctr.withExec(["uname", "-m"]).stdout()).trim();
      // The first 20 bytes of the ELF header: class, byte order and e_machine of /bin/busybox.
      const header = await ctr.withExec(["od", "-An", "-tu1", "-N20", "/bin/busybox"]).stdout();
      const bytes = header.trim().split(/\s+/).map(Number);
      const eMachine = info.littleEndian
        ? (bytes[18] ?? 0) + 256 * (bytes[19] ?? 0)
        : 256 * (bytes[18] ?? 0) + (bytes[19] ?? 0);

      expect(acceptedMachines(parsePlatform(name))).toContain(machine);
      expect({ class: bytes[4], data: bytes[5], eMachine }).toEqual({
        class: info.elfClass === 64 ? 2 : 1,
        data: info.littleEndian ? 1 : 2,
        eMachine: info.elfMachine,
      });
    });
  });
});
