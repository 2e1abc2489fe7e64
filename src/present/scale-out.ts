/**
 * How the scale-out commands' results read (merge, plan): tables for people, JSON for machines.
 * Pure, like render.ts.
 */
import { humanSize, shortDigest, table } from "../common/text.js";
import type { BuildMode } from "../plan/dockerfile-stages.js";
import type { MatrixEntry } from "../plan/github-matrix.js";
import type { MergeResult } from "../publish/merge-index.js";

/** The human result of a merge: one row per platform, then the index and its refs. */
export function mergeTable(result: MergeResult): string {
  const rows = result.platforms.map((p) => [
    p.platform,
    shortDigest(p.digest),
    humanSize(p.size),
    p.source,
  ]);
  const { mounted, copied } = result.blobs;
  const lines = [
    table(["PLATFORM", "DIGEST", "SIZE", "SOURCE"], rows),
    "",
    ...(result.skipped.length === 0
      ? []
      : [`left out ${result.skipped.length} attestation manifest(s) of the source indexes`]),
    ...(mounted + copied === 0
      ? []
      : [`blobs from other repositories: ${mounted} mounted, ${copied} copied`]),
    `index  ${result.digest}  ${result.mediaType}`,
    ...result.refs.map((ref) => `pushed ${ref}`),
  ];
  return `${lines.join("\n")}\n`;
}

export interface PlannedPlatform extends MatrixEntry {
  /** The engine asked: its name (`default` for the one the CLI connects to). */
  readonly engine: string;
  /** How that engine would build it; `unavailable` when it cannot run it at all. */
  readonly mode: BuildMode | "unavailable";
  /** Why it is unavailable, when it is. */
  readonly reason?: string;
}

export interface Plan {
  /** Each engine asked, with its own platform. */
  readonly engines: readonly { readonly name: string; readonly native: string }[];
  readonly platforms: readonly PlannedPlatform[];
}

/** The human plan: per platform and engine, how it builds, and its GitHub runner. */
export function planTable(plan: Plan): string {
  const rows = plan.platforms.map((p) => [
    p.platform,
    p.engine,
    p.mode,
    `${p.runner}${p.emulated ? " (QEMU)" : ""}`,
  ]);
  const engines = plan.engines.map((e) => `engine ${e.name}: ${e.native}`);
  const why = plan.platforms
    .filter((p) => p.reason !== undefined)
    .map((p) => `${p.platform} on ${p.engine}: ${p.reason ?? ""}`);
  return `${[...engines, table(["PLATFORM", "ENGINE", "MODE", "GITHUB RUNNER"], rows), ...why].join("\n")}\n`;
}
