// `npm run demo`, as a new user runs it: a child process, its exit code and table, then what the
// registry serves (our inspect, skopeo, umoci) and what each platform's binary is and prints.
import { connection, dag, type Platform as DaggerPlatform } from "@dagger.io/dagger";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { acceptedMachines } from "../../src/engine/emulation.js";
import { parsePlatform, platformInfo } from "../../src/index.js";
import { inspectRaw, readImageBytes } from "./support/oci.js";
import { i386 } from "./support/platforms.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ADDRESS = "127.0.0.1:5000/hello";
const PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/ppc64le",
  "linux/s390x",
  "linux/386",
];
const BINARY = "usr/local/bin/hello";
/** What this x86_64 engine runs without QEMU: 386 only where the kernel runs i386 programs. */
const NATIVE = ["linux/amd64", ...(i386().mode === "native" ? ["linux/386"] : [])];

function npmRunDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "demo"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** What an ELF header says about the CPU, and whether the file asks for a dynamic loader. */
function elf(bytes: Buffer) {
  const elfClass = bytes[4] === 2 ? 64 : 32;
  const littleEndian = bytes[5] === 1;
  const u16 = (at: number) => (littleEndian ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const u64 = (at: number) =>
    Number(littleEndian ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at));
  const phoff = elfClass === 64 ? u64(32) : u32(28);
  const phentsize = u16(elfClass === 64 ? 54 : 42);
  const phnum = u16(elfClass === 64 ? 56 : 44);
  const PT_INTERP = 3;
  const interp = Array.from({ length: phnum }, (_, i) => u32(phoff + i * phentsize)).includes(
    PT_INTERP,
  );
  return {
    magic: bytes.subarray(0, 4).toString("latin1"),
    elfClass,
    littleEndian,
    machine: u16(18),
    interp,
  };
}

describe("npm run demo", () => {
  let stdout = "";
  let digest = "";

  it("exits 0 and prints the table, the index and both tags, then how to inspect", async () => {
    const run = await npmRunDemo();
    stdout = run.stdout;
    expect(run.code, `stderr:\n${run.stderr}`).toBe(0);
    expect(stdout).toMatch(/^PLATFORM +MODE +DIGEST +SIZE +SECONDS$/m);
    for (const platform of PLATFORMS) {
      expect(stdout).toMatch(
        new RegExp(
          // Compiled on the build machine and copied: nothing of a foreign platform ran under QEMU.
          `^${platform} +${NATIVE.includes(platform) ? "native" : "cross"} +sha256:[a-f0-9]{12} +[\\d.]+ [kM]?B +[\\d.]+$`,
          "m",
        ),
      );
    }
    digest = /^index +(sha256:[a-f0-9]{64}) /m.exec(stdout)?.[1] ?? "";
    expect(digest).not.toBe("");
    expect(stdout).toContain(`pushed ${ADDRESS}:1.0.0@${digest}`);
    expect(stdout).toContain(`pushed ${ADDRESS}:latest@${digest}`);
    expect(stdout).toContain(`npx multiarch inspect ${ADDRESS}:latest`);
  });

  it("inspect --json lists the platforms; both tags name that index", () => {
    const json = JSON.parse(
      execFileSync("node", ["bin/multiarch.js", "inspect", `${ADDRESS}:latest`, "--json"], {
        cwd: ROOT,
        encoding: "utf8",
      }),
    ) as { kind: string; digest: string; platforms: { platform?: string }[] };
    expect(json.kind).toBe("index");
    expect(json.digest).toBe(digest);
    const listed = json.platforms.map((e) => e.platform);
    expect(listed.length).toBeGreaterThanOrEqual(5);
    expect([...listed].sort()).toEqual([...PLATFORMS].sort());
    expect(inspectRaw(`${ADDRESS}:1.0.0`).digest).toBe(digest);
  });

  it.each(PLATFORMS)("%s: the published binary is a static ELF for that CPU", (platform) => {
    const info = platformInfo(parsePlatform(platform));
    const header = elf(
      readImageBytes(`${ADDRESS}@${digest}`, platform, [BINARY])[0] ?? Buffer.alloc(0),
    );
    expect(header).toEqual({
      magic: "\x7fELF",
      elfClass: info.elfClass,
      littleEndian: info.littleEndian,
      machine: info.elfMachine,
      interp: false,
    });
  });

  it("every platform's image, run through the engine, says which platform it is", async () => {
    const outputs = new Map<string, string>();
    let native = "";
    await connection(async () => {
      native = await dag.defaultPlatform();
      for (const platform of PLATFORMS) {
        outputs.set(
          platform,
          await dag
            .container({ platform: platform as DaggerPlatform })
            .from(`${ADDRESS}@${digest}`)
            .withExec([], { useEntrypoint: true })
            .stdout(),
        );
      }
    });
    for (const platform of PLATFORMS) {
      const [first, second] = (outputs.get(platform) ?? "").split("\n");
      expect(first).toBe(`hello from ${platform} (built on ${native})`);
      const machine = /^running on (\S+), Linux /.exec(second ?? "")?.[1];
      expect(acceptedMachines(parsePlatform(platform))).toContain(machine);
    }
  });
});
