/**
 * When the compile step ran, read back from what a contender pushed: the compile scenarios'
 * Dockerfiles stamp gcc's start and end (epoch ms) inside the RUN step into /compile-span, the
 * image's last layer. Same for every contender, so "gcc itself" can be told apart from what
 * each tool spends before and after it (start-up, pulls, snapshots, export, push).
 */
import { Decompress as ZstdDecompress } from "fzstd";
import { gunzipSync } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES } from "../src/registry/media-types.js";
import { layerCompression } from "../src/verify/layer.js";

interface Descriptor {
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}
interface Manifest {
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

async function get(registry: string, path: string, accept?: readonly string[]): Promise<Response> {
  const res = await fetch(`http://${registry}/v2/${path}`, {
    headers: accept === undefined ? {} : { accept: accept.join(", ") },
  });
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${path}`);
  return res;
}

/** The file named NAME in a layer blob (any compression), as text; undefined when absent. */
async function fileInLayer(blob: Uint8Array, name: string): Promise<string | undefined> {
  const kind = layerCompression(blob);
  let tar: Uint8Array;
  if (kind === "gzip") tar = gunzipSync(blob);
  else if (kind === "zstd") {
    const parts: Uint8Array[] = [];
    const z = new ZstdDecompress((chunk) => parts.push(chunk));
    z.push(blob, true);
    tar = Buffer.concat(parts);
  } else tar = blob;
  let found: string | undefined;
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      if (entry.path.replace(/^\.?\//, "") !== name) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on("data", (c: Buffer) => chunks.push(c));
      entry.on("end", () => (found = Buffer.concat(chunks).toString("utf8")));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(Buffer.from(tar));
  });
  return found;
}

/** When gcc ran, in epoch seconds. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The compile step's span per platform ("linux/arm64" → {start, end}), from every variant of
 * REGISTRY/REPO:TAG (a single-platform push, a plain manifest, is named ONLY); platforms whose
 * image has no /compile-span are left out.
 */
export async function compileSpans(
  registry: string,
  repo: string,
  tag: string,
  only: string,
): Promise<Record<string, Span>> {
  const top = (await (
    await get(registry, `${repo}/manifests/${tag}`, [
      ...INDEX_MEDIA_TYPES,
      ...IMAGE_MANIFEST_MEDIA_TYPES,
    ])
  ).json()) as Manifest;
  const entries: { platform: string; manifest: Manifest }[] = [];
  if (top.manifests === undefined) entries.push({ platform: only, manifest: top });
  else
    for (const d of top.manifests) {
      const p = d.platform;
      const platform = [p?.os, p?.architecture, p?.variant].filter(Boolean).join("/");
      const manifest = (await (
        await get(registry, `${repo}/manifests/${d.digest}`, IMAGE_MANIFEST_MEDIA_TYPES)
      ).json()) as Manifest;
      entries.push({ platform, manifest });
    }
  const out: Record<string, Span> = {};
  for (const { platform, manifest } of entries) {
    const last = manifest.layers?.at(-1);
    if (last === undefined) continue;
    const blob = new Uint8Array(
      await (await get(registry, `${repo}/blobs/${last.digest}`)).arrayBuffer(),
    );
    const [start, end] =
      (await fileInLayer(blob, "compile-span"))?.trim().split(" ").map(Number) ?? [];
    if (start !== undefined && end !== undefined && Number.isFinite(start) && Number.isFinite(end))
      out[platform] = { start: start / 1000, end: end / 1000 };
  }
  return out;
}
