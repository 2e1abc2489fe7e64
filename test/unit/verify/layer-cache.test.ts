// The layer-read cache: reads once per digest, survives a broken cache directory.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LayerRead } from "../../../src/verify/layer.js";
import { cachedLayerRead, defaultLayerCacheDir } from "../../../src/verify/layer-cache.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const READ: LayerRead = {
  entries: [{ path: "bin/app", type: "File", size: 10, elf: { kind: "not-elf" } }],
  compression: "gzip",
  tarBytes: 2048,
};

describe("cachedLayerRead", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "multiarch-layer-cache-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("reads a layer once, then answers from the cache with the same content", async () => {
    const dir = tempDir();
    let reads = 0;
    const read = () => Promise.resolve((reads++, READ));
    expect(await cachedLayerRead(dir, DIGEST, read)).toEqual({ layer: READ, cached: false });
    expect(await cachedLayerRead(dir, DIGEST, read)).toEqual({ layer: READ, cached: true });
    expect(reads).toBe(1);
  });

  it("keys by digest: another layer is read", async () => {
    const dir = tempDir();
    let reads = 0;
    const read = () => Promise.resolve((reads++, READ));
    await cachedLayerRead(dir, DIGEST, read);
    await cachedLayerRead(dir, `sha256:${"b".repeat(64)}`, read);
    expect(reads).toBe(2);
  });

  it("reads when the cache cannot be written (a file where the directory should be)", async () => {
    const blocker = join(tempDir(), "not-a-dir");
    writeFileSync(blocker, "");
    const result = await cachedLayerRead(blocker, DIGEST, () => Promise.resolve(READ));
    expect(result).toEqual({ layer: READ, cached: false });
  });

  it("reads every time without a cache directory", async () => {
    let reads = 0;
    const read = () => Promise.resolve((reads++, READ));
    await cachedLayerRead(undefined, DIGEST, read);
    await cachedLayerRead(undefined, DIGEST, read);
    expect(reads).toBe(2);
  });

  it("lives under MULTIARCH_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache", () => {
    expect(defaultLayerCacheDir({ MULTIARCH_CACHE_DIR: "/c" })).toBe("/c/layers");
    expect(defaultLayerCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/multiarch/layers");
    expect(defaultLayerCacheDir({})).toMatch(/\/\.cache\/multiarch\/layers$/);
  });
});
