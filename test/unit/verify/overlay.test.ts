import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import type { ElfParse } from "../../../src/verify/elf.js";
import { layerCompression, readLayer } from "../../../src/verify/layer.js";
import {
  classifyEntry,
  mergeLayers,
  normalizePath,
  type TarEntry,
} from "../../../src/verify/overlay.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const ELF: ElfParse = {
  kind: "elf",
  header: { elfClass: 64, littleEndian: true, type: 2, machine: 62 },
};
const file = (path: string, elf: ElfParse = ELF): TarEntry => ({
  path,
  type: "File",
  size: 1,
  elf,
});
const dir = (path: string): TarEntry => ({ path, type: "Directory", size: 0 });
const layer = (...entries: TarEntry[]) => entries.map(classifyEntry);
const paths = (layers: TarEntry[][]) =>
  mergeLayers(layers.map((l) => layer(...l))).map((f) => f.path);

describe("normalizePath", () => {
  it.each([
    ["./bin/busybox", "/bin/busybox"],
    ["bin/busybox", "/bin/busybox"],
    ["/bin//busybox", "/bin/busybox"],
    ["usr/lib/", "/usr/lib"],
    ["./", "/"],
    ["../../etc/passwd", "/etc/passwd"],
    ["a/./b/../c", "/a/c"],
  ])("%s → %s", (input, output) => expect(normalizePath(input)).toBe(output));
});

describe("classifyEntry", () => {
  it("reads whiteouts and opaque markers", () => {
    expect(classifyEntry(file("./etc/.wh.passwd"))).toEqual({
      kind: "whiteout",
      path: "/etc/passwd",
    });
    expect(classifyEntry(file(".wh.opt"))).toEqual({ kind: "whiteout", path: "/opt" });
    expect(classifyEntry(file("usr/share/.wh..wh..opq"))).toEqual({
      kind: "opaque",
      path: "/usr/share",
    });
  });

  it("keeps regular files, hard links, directories and the rest apart", () => {
    expect(classifyEntry(file("./bin/sh")).kind).toBe("file");
    expect(classifyEntry({ path: "bin/x", type: "OldFile", size: 3 })).toEqual({
      kind: "file",
      file: { path: "/bin/x", size: 3, elf: { kind: "not-elf" } },
    });
    expect(
      classifyEntry({ path: "./bin/ls", type: "Link", size: 0, linkpath: "./bin/busybox" }),
    ).toEqual({ kind: "link", path: "/bin/ls", target: "/bin/busybox" });
    expect(classifyEntry(dir("./usr/")).kind).toBe("directory");
    expect(classifyEntry({ path: "bin/sh", type: "SymbolicLink", size: 0 }).kind).toBe("other");
  });
});

describe("mergeLayers", () => {
  it("a whiteout deletes a lower layer's file", () => {
    expect(
      paths([[file("opt/x86/busybox"), file("bin/sh")], [file("opt/x86/.wh.busybox")]]),
    ).toEqual(["/bin/sh"]);
  });

  it("a whiteout of a directory deletes everything below it, listed directories or not", () => {
    expect(
      paths([[dir("opt/"), file("opt/a/b"), file("opt/c"), file("optional")], [file(".wh.opt")]]),
    ).toEqual(["/optional"]);
  });

  it("a whiteout acts on lower layers only: its own layer may re-create the path", () => {
    expect(paths([[file("bin/tool")], [file("bin/.wh.tool"), file("bin/tool")]])).toEqual([
      "/bin/tool",
    ]);
    // ...whatever the order of the two entries in the tar.
    expect(paths([[file("bin/tool")], [file("bin/tool"), file("bin/.wh.tool")]])).toEqual([
      "/bin/tool",
    ]);
  });

  it("an opaque directory hides what lower layers put in it, not what its layer adds", () => {
    expect(
      paths([
        [file("etc/a"), file("etc/sub/b"), file("etcetera")],
        [dir("etc/"), file("etc/.wh..wh..opq"), file("etc/c")],
      ]),
    ).toEqual(["/etc/c", "/etcetera"]);
  });

  it("a later file replaces an earlier one; a symlink replaces a file", () => {
    const notElf: ElfParse = { kind: "not-elf" };
    const merged = mergeLayers([layer(file("bin/a"), file("bin/b")), layer(file("bin/a", notElf))]);
    expect(merged.find((f) => f.path === "/bin/a")?.elf).toEqual(notElf);
    expect(paths([[file("bin/a")], [{ path: "bin/a", type: "SymbolicLink", size: 0 }]])).toEqual(
      [],
    );
  });

  it("a file replacing a directory removes what was in it", () => {
    expect(paths([[dir("lib/"), file("lib/x.so")], [file("lib")]])).toEqual(["/lib"]);
  });

  it("a hard link is a file with its target's content", () => {
    const merged = mergeLayers([
      layer(file("bin/busybox"), {
        path: "bin/ls",
        type: "Link",
        size: 0,
        linkpath: "bin/busybox",
      }),
    ]);
    expect(merged.map((f) => [f.path, f.elf.kind])).toEqual([
      ["/bin/busybox", "elf"],
      ["/bin/ls", "elf"],
    ]);
  });
});

// A minimal ustar writer, to give readLayer real tar bytes.
function tarball(entries: { path: string; body?: Buffer; type?: string; link?: string }[]) {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    header.write(e.path, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148);
    header.write(e.type ?? "0", 156);
    if (e.link !== undefined) header.write(e.link, 157, 100, "utf8");
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe("readLayer", () => {
  const busybox = Buffer.concat([
    Buffer.from("7f454c460201010300000000000000000200b700", "hex"),
    Buffer.alloc(100_000, 7),
  ]);
  const tar = tarball([
    { path: "./bin/", type: "5" },
    { path: "./bin/busybox", body: busybox },
    { path: "./bin/ls", type: "1", link: "./bin/busybox" },
    { path: "./bin/sh", type: "2", link: "busybox" },
    { path: "./etc/passwd", body: Buffer.from("root:x:0:0:root:/root:/bin/sh\n") },
    { path: "./etc/.wh.shadow" },
    { path: "./empty" },
  ]);

  it.each([
    ["uncompressed", tar, "none"],
    ["gzip", gzipSync(tar), "gzip"],
  ] as const)("walks a %s layer, keeping each file's ELF header", async (_, blob, compression) => {
    expect(layerCompression(blob)).toBe(compression);
    const read = await readLayer(blob, "test");
    expect(read.compression).toBe(compression);
    expect(read.tarBytes).toBe(tar.length);
    expect(read.entries.map((e) => [e.path, e.type, e.elf?.kind])).toEqual([
      ["./bin/", "Directory", undefined],
      ["./bin/busybox", "File", "elf"],
      ["./bin/ls", "Link", undefined],
      ["./bin/sh", "SymbolicLink", undefined],
      ["./etc/passwd", "File", "not-elf"],
      ["./etc/.wh.shadow", "File", "not-elf"],
      ["./empty", "File", "not-elf"],
    ]);
    const elf = read.entries[1]?.elf;
    expect(elf?.kind === "elf" ? elf.header.machine : 0).toBe(183);
  });

  it("rejects a blob that is no tar, as VERIFY_FAILED naming the layer", async () => {
    const error = await expectMultiarchError(
      readLayer(gzipSync(Buffer.alloc(4096, 0x41)), "2/3 (sha256:abc)"),
      ErrorCode.VERIFY_FAILED,
    );
    expect(error.message).toContain("2/3 (sha256:abc)");
  });

  it("reads an empty layer (the two end blocks alone, gzipped: Docker's empty layer) as no entries", async () => {
    const read = await readLayer(gzipSync(Buffer.alloc(1024)), "1/1");
    expect(read.entries).toEqual([]);
    expect(read.tarBytes).toBe(1024);
  });

  it("reads past 64 MiB of zeros after the end of the archive without parsing them", async () => {
    // node-tar would keep them all in one growing buffer; the read stops parsing at the end.
    const padded = Buffer.concat([tar, Buffer.alloc(64 * 1024 * 1024)]);
    const read = await readLayer(gzipSync(padded), "1/1");
    expect(read.entries).toHaveLength(7);
    expect(read.tarBytes).toBe(padded.length);
  });

  it("rejects a corrupt gzip stream", async () => {
    const blob = gzipSync(tar);
    await expectMultiarchError(readLayer(blob.subarray(0, 200), "1/1"), ErrorCode.VERIFY_FAILED);
  });
});
