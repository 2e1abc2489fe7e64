/**
 * Reading a layer blob without unpacking it: decompress as a stream (gzip with node:zlib, zstd
 * with fzstd, or none), walk the tar entries with node-tar's parser, and keep only each regular
 * file's first bytes, parsed as an ELF header. Nothing is written to disk and nothing is run.
 */
import { Decompress as ZstdDecompress } from "fzstd";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { ELF_HEADER_BYTES, parseElfHeader } from "./elf.js";
import type { TarEntry } from "./overlay.js";

export type LayerCompression = "gzip" | "zstd" | "none";

export interface LayerRead {
  readonly entries: readonly TarEntry[];
  readonly compression: LayerCompression;
  /** Bytes of the tar stream, after decompression. */
  readonly tarBytes: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Blob bytes handed to the decompressor at a time. */
const CHUNK = 1 << 20;
const REGULAR = new Set(["File", "OldFile", "ContiguousFile"]);

/** An entry while its data streams by. */
interface EntryRecord {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly linkpath: string | undefined;
  /** First bytes of a regular file; undefined for other entries. */
  head: Buffer[] | undefined;
  got: number;
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/**
 * How a layer blob is compressed, from its magic bytes (media types lie less often than they
 * are missing, but bytes never lie): gzip, zstd, or an uncompressed tar.
 */
export function layerCompression(blob: Uint8Array): LayerCompression {
  if (startsWith(blob, GZIP_MAGIC)) return "gzip";
  if (startsWith(blob, ZSTD_MAGIC)) return "zstd";
  return "none";
}

/**
 * Every entry of a layer tarball, with each regular file's ELF header (from its first 20 bytes).
 * @param where names the layer in errors
 * @throws MultiarchError VERIFY_FAILED when the blob is not a (compressed) tar
 */
export async function readLayer(blob: Uint8Array, where: string): Promise<LayerRead> {
  const compression = layerCompression(blob);
  const records: EntryRecord[] = [];
  let tarBytes = 0;
  let warning: string | undefined;

  const parser = new Parser({
    strict: false,
    // We decompress ourselves, and a layer is what it is: no ratio limit.
    maxDecompressionRatio: Number.POSITIVE_INFINITY,
    onwarn: (code, message) => {
      warning ??= `${code}: ${message}`;
    },
    onReadEntry: (entry: ReadEntry) => {
      const record: EntryRecord = {
        path: entry.path,
        type: entry.type,
        size: entry.size,
        linkpath: entry.linkpath,
        head: undefined,
        got: 0,
      };
      records.push(record);
      if (!REGULAR.has(entry.type)) {
        entry.resume();
        return;
      }
      const head: Buffer[] = [];
      record.head = head;
      entry.on("data", (chunk: Buffer) => {
        if (record.got >= ELF_HEADER_BYTES) return;
        head.push(chunk.subarray(0, ELF_HEADER_BYTES - record.got));
        record.got += Math.min(chunk.length, ELF_HEADER_BYTES - record.got);
      });
    },
  });

  const ended = endOfArchive(parser);
  const done = new Promise<void>((resolve, reject) => {
    parser.on("end", () => resolve());
    parser.on("error", (error: unknown) => reject(asError(error)));
    parser.on("abort", (error: unknown) => reject(asError(error)));
  });
  // Awaited below, after decompression: until then a parser error must not count as unhandled.
  done.catch(() => undefined);
  const feed = (chunk: Uint8Array): void => {
    tarBytes += chunk.length;
    // Past the end of the archive, bytes are padding: read (and counted), not parsed.
    if (ended()) return;
    parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  };

  try {
    if (compression === "gzip") await gunzipInto(blob, feed);
    else if (compression === "zstd") unzstdInto(blob, feed);
    else for (let i = 0; i < blob.length; i += CHUNK) feed(blob.subarray(i, i + CHUNK));
    parser.end();
    await done;
  } catch (cause) {
    throw unreadable(where, compression, cause instanceof Error ? cause.message : String(cause));
  }
  // An archive of its two end blocks alone (an empty layer) is a tar archive, with no entries.
  if (records.length === 0 && tarBytes > 0 && warning !== undefined && !ended()) {
    throw unreadable(where, compression, warning);
  }
  const entries = records.map((r): TarEntry => ({
    path: r.path,
    type: r.type,
    size: r.size,
    ...(r.linkpath === undefined ? {} : { linkpath: r.linkpath }),
    ...(r.head === undefined ? {} : { elf: parseElfHeader(Buffer.concat(r.head)) }),
  }));
  return { entries, compression, tarBytes };
}

/**
 * Whether the parser has seen the end of the archive (two zero blocks). node-tar has no event for
 * it, only a private flag; past it, its parser keeps every further byte in a buffer it grows by
 * concatenation, so a layer padded with a gigabyte of zeros would cost that memory and quadratic
 * time. Without the flag (another node-tar version) this says false, and parsing is as before.
 */
function endOfArchive(parser: Parser): () => boolean {
  const flag = Object.getOwnPropertySymbols(parser).find((s) => s.description === "sawEOF");
  const state = parser as unknown as Record<symbol, unknown>;
  return () => flag !== undefined && state[flag] === true;
}

function gunzipInto(blob: Uint8Array, feed: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    gunzip.on("data", feed);
    gunzip.on("end", resolve);
    gunzip.on("error", reject);
    gunzip.end(blob);
  });
}

function unzstdInto(blob: Uint8Array, feed: (chunk: Uint8Array) => void): void {
  const stream = new ZstdDecompress((chunk) => feed(chunk));
  for (let i = 0; i < blob.length; i += CHUNK) {
    const end = Math.min(i + CHUNK, blob.length);
    stream.push(blob.subarray(i, end), end === blob.length);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function unreadable(where: string, compression: LayerCompression, reason: string): MultiarchError {
  return new MultiarchError(
    ErrorCode.VERIFY_FAILED,
    `Layer ${where} is not a readable ${compression === "none" ? "" : `${compression} `}tar archive: ${reason}.`,
    {
      hint: "layers must be tar archives, uncompressed or compressed with gzip or zstd; pass scanBinaries: false to skip the scan",
    },
  );
}
