/**
 * exportIndex: the multi-platform image as an OCI layout tarball instead of a push, for a dry
 * run or a hand-off to an air-gapped registry (`skopeo copy oci-archive:FILE docker://...`).
 */
import type { File } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { annotationsAt } from "../plan/annotations.js";
import { parseOptions } from "../common/parse-options.js";
import { silent, type ProgressListener } from "../common/progress.js";
import { buildVariants, decorate, type Variant } from "../engine/variants.js";
import { imageFormat, imageOptionsSchema } from "../plan/image-format.js";
import type { z } from "zod";

export type ExportIndexOptions = z.input<typeof imageOptionsSchema> & {
  onProgress?: ProgressListener;
};

/**
 * Build every variant, then write them as one OCI image index in a tarball (a Dagger File; call
 * `.export(path)` on it to write it to the host).
 * @throws MultiarchError INVALID_INPUT, BUILD_FAILED / QEMU_CRASH
 */
export async function exportIndex(
  variants: readonly Variant[],
  options: ExportIndexOptions = {},
): Promise<File> {
  const { onProgress = silent, ...rest } = options;
  const opts = parseOptions(imageOptionsSchema, rest, "export options");
  const elsewhere = opts.placedAnnotations.find((a) => a.level !== "manifest");
  if (elsewhere !== undefined) {
    // The engine writes the tarball's index and index.json: only manifests can be annotated.
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `An exported tarball takes manifest annotations only, not ${elsewhere.level} ones.`,
      {
        given: `${elsewhere.level}:${elsewhere.key}`,
        hint: "push to a registry for index and descriptor annotations, or drop the level prefix",
      },
    );
  }
  const [first, ...others] = await buildVariants(
    decorate(variants, opts.labels, (platform) => ({
      ...opts.annotations,
      ...annotationsAt(opts.placedAnnotations, "manifest", platform),
    })),
    { onProgress },
  );
  // buildVariants refuses an empty list, so there is a first variant.
  if (first === undefined) throw new Error("unreachable: no variants after buildVariants");
  return first.container.asTarball({
    platformVariants: others.map((v) => v.container),
    ...imageFormat(opts.mediaTypes, opts.compression),
  });
}
