/**
 * What a layer holds is a pure function of its digest, so a layer read once need never be
 * downloaded and walked again: keep each read on disk, keyed by digest. A warm rebuild pushes
 * mostly layers already seen (the base image, unchanged steps), so its verification is quick.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LayerRead } from "./layer.js";

// Part of every file name: bump it when LayerRead or the ELF parsing changes.
const FORMAT = "v1";

/** `$MULTIARCH_CACHE_DIR/layers`, else `$XDG_CACHE_HOME/multiarch/layers`, else `~/.cache/...`. */
export function defaultLayerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["MULTIARCH_CACHE_DIR"]) return join(env["MULTIARCH_CACHE_DIR"], "layers");
  return join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "multiarch", "layers");
}

function fileFor(dir: string, digest: string): string {
  return join(dir, `${FORMAT}-${digest.replace(":", "-")}.json`);
}

/**
 * The read of layer `digest`: from `dir` when there, else from `read()`, then kept in `dir`.
 * A cache that cannot be read or written is skipped, never an error.
 */
export async function cachedLayerRead(
  dir: string | undefined,
  digest: string,
  read: () => Promise<LayerRead>,
): Promise<{ readonly layer: LayerRead; readonly cached: boolean }> {
  if (dir === undefined) return { layer: await read(), cached: false };
  const file = fileFor(dir, digest);
  try {
    return { layer: JSON.parse(readFileSync(file, "utf8")) as LayerRead, cached: true };
  } catch {
    // not cached yet (or unreadable): read it
  }
  const layer = await read();
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(layer));
    renameSync(tmp, file); // atomic: a concurrent reader sees all of it or none
  } catch {
    // a read-only or full disk only costs the next run a download
  }
  return { layer, cached: false };
}
