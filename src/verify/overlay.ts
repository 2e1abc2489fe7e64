/**
 * The filesystem an image's layers add up to, as far as regular files go: each layer's entries
 * applied in order, with OCI whiteouts (`.wh.NAME` deletes NAME, `.wh..wh..opq` hides everything
 * the lower layers put in its directory). Pure: entries in, files out.
 */
import type { ElfParse } from "./elf.js";

/** One tar entry of a layer, as the scan reads it. */
export interface TarEntry {
  /** As stored, e.g. `./bin/busybox`, `usr/lib/`, `etc/.wh.passwd`. */
  readonly path: string;
  /** node-tar's type name: File, OldFile, ContiguousFile, Link, SymbolicLink, Directory, ... */
  readonly type: string;
  readonly size: number;
  /** Hard link target (type Link). */
  readonly linkpath?: string;
  /** The first bytes of a regular file, parsed. */
  readonly elf?: ElfParse;
}

/** A regular file of the final filesystem. */
export interface ScannedFile {
  /** Absolute, normalised: `/bin/busybox`. */
  readonly path: string;
  readonly size: number;
  readonly elf: ElfParse;
}

export type LayerChange =
  | { readonly kind: "file"; readonly file: ScannedFile }
  /** A hard link: the same content as `target`. */
  | { readonly kind: "link"; readonly path: string; readonly target: string }
  | { readonly kind: "directory"; readonly path: string }
  /** Symlinks, devices, FIFOs: not files the scan reads, but they replace what was there. */
  | { readonly kind: "other"; readonly path: string }
  /** `.wh.NAME`: NAME (and everything below it) is deleted from the lower layers. */
  | { readonly kind: "whiteout"; readonly path: string }
  /** `.wh..wh..opq` in a directory: everything the lower layers put in it is hidden. */
  | { readonly kind: "opaque"; readonly path: string };

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";
const REGULAR = new Set(["File", "OldFile", "ContiguousFile"]);

/** `./a//b/` → `/a/b`; `./` → `/`. `..` cannot escape the root. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** What one tar entry does to the filesystem. */
export function classifyEntry(entry: TarEntry): LayerChange {
  const path = normalizePath(entry.path);
  const base = baseOf(path);
  if (base === OPAQUE) return { kind: "opaque", path: parentOf(path) };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const parent = parentOf(path);
    const name = base.slice(WHITEOUT_PREFIX.length);
    return { kind: "whiteout", path: parent === "/" ? `/${name}` : `${parent}/${name}` };
  }
  if (REGULAR.has(entry.type)) {
    return {
      kind: "file",
      file: { path, size: entry.size, elf: entry.elf ?? { kind: "not-elf" } },
    };
  }
  if (entry.type === "Link" && entry.linkpath !== undefined) {
    return { kind: "link", path, target: normalizePath(entry.linkpath) };
  }
  if (entry.type === "Directory") return { kind: "directory", path };
  return { kind: "other", path };
}

type Node = ScannedFile | "directory";

function deleteBelow(state: Map<string, Node>, dir: string): void {
  const prefix = dir === "/" ? "/" : `${dir}/`;
  for (const key of state.keys()) if (key.startsWith(prefix) && key !== dir) state.delete(key);
}

/** A whiteout: the path goes, and everything below it (tar need not list directories). */
function remove(state: Map<string, Node>, path: string): void {
  state.delete(path);
  deleteBelow(state, path);
}

/**
 * Apply layers (lowest first) and return the regular files of the result, hard links included
 * (a link has its target's content). Whiteouts act on lower layers only, as the OCI image spec
 * says, so a layer's whiteouts are applied before its own entries.
 */
export function mergeLayers(layers: readonly (readonly LayerChange[])[]): ScannedFile[] {
  const state = new Map<string, Node>();
  for (const changes of layers) {
    for (const change of changes) {
      if (change.kind === "whiteout") remove(state, change.path);
      else if (change.kind === "opaque") deleteBelow(state, change.path);
    }
    for (const change of changes) {
      switch (change.kind) {
        case "directory":
          // A directory over a file replaces it; over a directory it merges.
          if (state.get(change.path) !== "directory") state.delete(change.path);
          state.set(change.path, "directory");
          break;
        case "file":
          replace(state, change.file.path);
          state.set(change.file.path, change.file);
          break;
        case "link": {
          const target = state.get(change.target);
          replace(state, change.path);
          if (target !== undefined && target !== "directory") {
            state.set(change.path, { ...target, path: change.path });
          }
          break;
        }
        case "other":
          replace(state, change.path);
          break;
        case "whiteout":
        case "opaque":
          break;
      }
    }
  }
  const files: ScannedFile[] = [];
  for (const node of state.values()) if (node !== "directory") files.push(node);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A non-directory at `path` replaces whatever was there, a directory with its contents. */
function replace(state: Map<string, Node>, path: string): void {
  if (state.get(path) === "directory") deleteBelow(state, path);
  state.delete(path);
}
