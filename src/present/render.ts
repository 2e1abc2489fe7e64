/**
 * How results read, for both front ends (the CLI and the Dagger module): progress lines, result
 * tables and JSON. Pure: values in, strings or plain objects out.
 */
import type { BuildMode } from "../plan/dockerfile-stages.js";
import type { EmulationReport } from "../engine/emulation.js";
import type { ProgressEvent } from "../common/progress.js";
import type { PublishedPlatform, PublishResult } from "../publish/result.js";
import type { PublishReport } from "../publish/publish.js";
import type { ImageSummary } from "../registry/image-index.js";
import { INDEX_MEDIA_TYPES } from "../registry/media-types.js";
import { humanSize, seconds, shortDigest, table } from "../common/text.js";

export interface ProgressContext {
  /** Column width for platform names, so the lines of different platforms align. */
  readonly width: number;
  /** How the engine runs a platform, once known. */
  readonly modeOf: (platform: string) => BuildMode | undefined;
}

/** One stderr line for a progress event. */
export function progressLine(event: ProgressEvent, context: ProgressContext): string {
  const name = (platform: string) => platform.padEnd(context.width);
  switch (event.kind) {
    case "probe":
      return `checking how the engine runs ${event.platforms.join(", ")}…`;
    case "build-start": {
      const mode = context.modeOf(event.platform);
      return `${name(event.platform)}  building${mode === undefined ? "" : ` (${mode})`}…`;
    }
    case "build-done":
      return `${name(event.platform)}  built in ${seconds(event.seconds)} s`;
    case "build-failed":
      return `${name(event.platform)}  failed after ${seconds(event.seconds)} s`;
    case "engine-route":
      return `engine ${event.engine} builds ${event.platforms.join(", ")}`;
    case "engine-fallback":
      return `FALLBACK: engine ${event.engine} failed (${event.reason}); building ${event.platforms.join(", ")} on the default engine instead, emulated where it cannot run them natively`;
    case "push-start":
      return `pushing ${event.ref}…`;
    case "push-done":
      return `pushed ${shortDigest(event.digest)} in ${seconds(event.seconds)} s`;
    case "verify-start":
      return `verifying what the registry serves${event.scanBinaries ? " (platforms, blobs, every binary's CPU)" : ""}…`;
    case "verify-done":
      return `verified in ${seconds(event.seconds)} s`;
    case "attest-start":
      return `${name(event.platform)}  making ${event.what}…`;
    case "attest-done":
      return `${name(event.platform)}  attested (${event.where}) in ${seconds(event.seconds)} s`;
    case "retry":
      return `retrying ${event.operation} in ${seconds(event.seconds)} s (attempt ${event.attempt}/${event.attempts}: ${event.reason})`;
  }
}

/**
 * The engine's answer to the probe, in one line: `engine linux/amd64: linux/arm64 emulated`, and
 * which answers an earlier probe of this engine with the same QEMU handlers gave.
 */
export function emulationLine(report: EmulationReport): string {
  const modes = report.platforms.map((p) => `${p.platform} ${p.mode}`).join(", ");
  const known = report.known?.length ?? 0;
  const note =
    known === 0
      ? ""
      : known === report.platforms.length
        ? " (known from an earlier probe: same engine, same QEMU handlers)"
        : ` (${known} of ${report.platforms.length} known from an earlier probe)`;
  return `engine ${report.native}: ${modes}${note}`;
}

/** Notes on platforms given twice (dropped), or "" when none were. */
export function duplicatesNote(
  duplicates: readonly { readonly input: string; readonly canonical: string }[],
): string {
  return duplicates
    .map((d) => `note: ${d.input} is ${d.canonical}, already listed; built once\n`)
    .join("");
}

/** The human result of a publish: one row per platform, then the index and its refs. */
export function publishTable(report: Omit<PublishResult, "size">): string {
  // Routed over several engines: which engine built each platform (FALLBACK when its own failed).
  const routed = report.platforms.some((p) => engineOf(p) !== undefined);
  const rows = report.platforms.map((p) => [
    p.platform,
    p.mode,
    shortDigest(p.digest),
    humanSize(p.size),
    seconds(p.seconds),
    ...(routed ? [engineColumn(p)] : []),
  ]);
  const lines = [
    table(["PLATFORM", "MODE", "DIGEST", "SIZE", "SECONDS", ...(routed ? ["ENGINE"] : [])], rows),
    "",
    // A push by digest (build) is one image manifest, not an index.
    `${INDEX_MEDIA_TYPES.includes(report.mediaType) ? "index" : "image"}  ${report.digest}  ${report.mediaType}`,
    ...report.refs.map((ref) => `pushed ${ref}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The engine a routed platform was built on (publishRouted's report), if any. */
function engineOf(p: PublishedPlatform): { engine: string; fallbackFrom?: string } | undefined {
  const routed = p as PublishedPlatform & { engine?: unknown; fallbackFrom?: unknown };
  if (typeof routed.engine !== "string") return undefined;
  return typeof routed.fallbackFrom === "string"
    ? { engine: routed.engine, fallbackFrom: routed.fallbackFrom }
    : { engine: routed.engine };
}

function engineColumn(p: PublishedPlatform): string {
  const e = engineOf(p);
  if (e === undefined) return "";
  return e.fallbackFrom === undefined
    ? e.engine
    : `${e.engine} (FALLBACK: ${e.fallbackFrom} failed)`;
}

export interface PublishJson {
  readonly digest: string;
  readonly refs: readonly string[];
  readonly mediaType: string;
  readonly platforms: readonly PublishedPlatform[];
  readonly emulation: EmulationReport;
}

/** The machine-readable result of a publish (`--json`). */
export function publishJson(report: PublishReport): PublishJson {
  return {
    digest: report.digest,
    refs: [...report.refs],
    mediaType: report.mediaType,
    platforms: report.platforms.map((p) => ({
      platform: p.platform,
      digest: p.digest,
      size: p.size,
      seconds: Math.round(p.seconds * 1000) / 1000,
      emulated: p.emulated,
      mode: p.mode,
      ...engineOf(p),
      ...(p.attestations === undefined ? {} : { attestations: p.attestations }),
    })),
    emulation: report.emulation,
  };
}

export interface ExportResult {
  /** Absolute host path of the tarball. */
  readonly path: string;
  readonly size: number;
  readonly platforms: readonly {
    readonly platform: string;
    readonly seconds: number;
    readonly mode: BuildMode;
  }[];
  readonly emulation: EmulationReport;
}

/** The human result of `--export`. */
export function exportTable(result: ExportResult): string {
  const rows = result.platforms.map((p) => [p.platform, p.mode, seconds(p.seconds)]);
  return (
    `${table(["PLATFORM", "MODE", "SECONDS"], rows)}\n\n` +
    `wrote ${result.path} (${humanSize(result.size)}, OCI layout, ${result.platforms.length} platforms)\n`
  );
}

/** The machine-readable result of `--export --json`. */
export function exportJson(result: ExportResult): ExportResult {
  return {
    ...result,
    platforms: result.platforms.map((p) => ({
      ...p,
      seconds: Math.round(p.seconds * 1000) / 1000,
    })),
  };
}

/** The human listing of `inspect`. */
export function inspectTable(reference: string, summary: ImageSummary): string {
  if (summary.kind === "manifest") {
    const rows = [[summary.platform ?? "?", summary.digest, humanSize(summary.size)]];
    return (
      `${reference}  single-platform image  ${summary.mediaType}\n` +
      `${table(["PLATFORM", "MANIFEST DIGEST", "SIZE"], rows)}\n`
    );
  }
  const rows = summary.entries.map((e) => [e.platform ?? "-", e.digest, humanSize(e.size)]);
  return (
    `${reference}  ${summary.digest}  ${summary.mediaType}\n` +
    `${table(["PLATFORM", "MANIFEST DIGEST", "SIZE"], rows)}\n`
  );
}

/** One platform of `inspect --json`: the keys every command's JSON gives a platform, and more. */
export interface InspectPlatformJson {
  readonly platform?: string;
  readonly rawPlatform?: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly manifestSize?: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * `inspect --json`, in the vocabulary publish and verify use too: `ref` (what was asked),
 * `digest` and `mediaType` of what it names, `platforms[]` with `platform`, `digest`, `size`.
 * A single-platform image is one entry of `platforms`.
 */
export interface InspectJson {
  readonly ref: string;
  readonly kind: ImageSummary["kind"];
  readonly digest: string;
  readonly mediaType: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly platforms: readonly InspectPlatformJson[];
}

export function inspectJson(ref: string, summary: ImageSummary): InspectJson {
  const { kind, digest, mediaType, annotations } = summary;
  const platforms: InspectPlatformJson[] =
    summary.kind === "index"
      ? summary.entries.map((e) => ({ ...e }))
      : [
          {
            ...(summary.platform === undefined ? {} : { platform: summary.platform }),
            ...(summary.rawPlatform === undefined ? {} : { rawPlatform: summary.rawPlatform }),
            digest,
            mediaType,
            size: summary.size,
            annotations,
          },
        ];
  return { ref, kind, digest, mediaType, annotations, platforms };
}

/** JSON for stdout: indented, one trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
