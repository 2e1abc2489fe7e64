/**
 * The per-platform containers of one multi-platform image, and what every consumer of them
 * (publish, export) does first: check them, decorate them, and build them all.
 */
import type { Container } from "@dagger.io/dagger";
import { buildFailure } from "./build-failure.js";
import type { BuildMode } from "../plan/dockerfile-stages.js";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { formatPlatform, parsePlatform, type Platform } from "../platform/platform.js";
import { silent, type ProgressListener } from "../common/progress.js";

export interface Variant {
  readonly platform: Platform | string;
  readonly container: Container;
  /** Built under QEMU: a crash by signal is then reported as QEMU_CRASH. */
  readonly emulated?: boolean;
  /** How it is built, when known; default: from `emulated`. */
  readonly mode?: BuildMode;
}

export interface BuiltVariant {
  readonly platform: string;
  readonly container: Container;
  readonly emulated: boolean;
  readonly mode: BuildMode;
  readonly seconds: number;
}

/** Canonical platforms of the variants; two variants of one platform are an error. */
export function variantPlatforms(variants: readonly Variant[]): string[] {
  if (variants.length === 0) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No variants to publish.", {
      expected: "at least one { platform, container }",
    });
  }
  const names = variants.map((v) =>
    formatPlatform(typeof v.platform === "string" ? parsePlatform(v.platform) : v.platform),
  );
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length > 0) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `Two variants have the platform ${twice[0]}.`,
      {
        given: names.join(", "),
        expected: "one variant per platform",
        hint: "an image index can hold only one image per platform; drop or rename the duplicate",
      },
    );
  }
  return names;
}

/**
 * Labels go into each image config; annotations onto each manifest, those of its platform.
 * @param annotations the manifest annotations of a canonical platform
 */
export function decorate(
  variants: readonly Variant[],
  labels: Readonly<Record<string, string>>,
  annotations: (platform: string) => Readonly<Record<string, string>>,
): Variant[] {
  const names = variantPlatforms(variants);
  return variants.map((variant, i) => {
    let container = variant.container;
    for (const [k, v] of Object.entries(labels)) container = container.withLabel(k, v);
    for (const [k, v] of Object.entries(annotations(names[i] ?? ""))) {
      container = container.withAnnotation(k, v);
    }
    return { ...variant, container };
  });
}

/**
 * Build every variant, in parallel, before anything leaves the engine: one failed platform
 * means nothing is published. The first failure (in platform order) is thrown, naming every
 * platform that failed.
 */
export async function buildVariants(
  variants: readonly Variant[],
  options: { onProgress?: ProgressListener; secrets?: readonly string[] } = {},
): Promise<BuiltVariant[]> {
  const { onProgress = silent, secrets = [] } = options;
  const names = variantPlatforms(variants);
  const outcomes = await Promise.allSettled(
    variants.map(async (variant, i) => {
      const platform = names[i] ?? "";
      const start = performance.now();
      onProgress({ kind: "build-start", platform });
      try {
        const container = await variant.container.sync();
        const seconds = (performance.now() - start) / 1000;
        onProgress({ kind: "build-done", platform, seconds });
        const emulated = variant.emulated ?? false;
        const mode = variant.mode ?? (emulated ? "emulated" : "native");
        return { platform, container, emulated, mode, seconds };
      } catch (error) {
        onProgress({ kind: "build-failed", platform, seconds: (performance.now() - start) / 1000 });
        throw buildFailure(error, platform, variant.emulated ?? false, secrets);
      }
    }),
  );
  const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
  if (failures.length > 0) {
    const first = failures[0];
    if (failures.length > 1 && first instanceof MultiarchError) {
      const failed = failures.map((f) => (f instanceof MultiarchError ? f.details.platform : "?"));
      throw new MultiarchError(
        first.code,
        `${failures.length} platforms failed to build: ${failed.join(", ")}.`,
        {
          ...first.details,
          cause: first,
          secrets,
        },
      );
    }
    throw first;
  }
  return outcomes.map((o) => (o as PromiseFulfilledResult<BuiltVariant>).value);
}
