/**
 * exportIndex: the multi-platform image as an OCI layout tarball instead of a push, for a dry
 * run or a hand-off to an air-gapped registry (`skopeo copy oci-archive:FILE docker://...`).
 */
import type { File } from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { compressionSchema, imageFormat, mediaTypesSchema } from "../plan/image-format.js";
import { silent, type ProgressListener } from "../common/progress.js";
import { buildAll, decorate, type Variant } from "../engine/variants.js";

const optionsSchema = z.object({
  annotations: z.record(z.string().min(1), z.string()).default({}),
  labels: z.record(z.string().min(1), z.string()).default({}),
  mediaTypes: mediaTypesSchema.default("oci"),
  compression: compressionSchema.default("gzip"),
});

export type ExportIndexOptions = z.input<typeof optionsSchema> & { onProgress?: ProgressListener };

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
  const opts = parseOptions(optionsSchema, rest, "export options");
  const built = await buildAll(
    variants.map((v) => ({
      ...v,
      container: decorate(v.container, opts.labels, opts.annotations),
    })),
    { onProgress },
  );
  const [first, ...others] = built;
  if (first === undefined)
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No variants to export.");
  return first.container.asTarball({
    platformVariants: others.map((v) => v.container),
    ...imageFormat(opts.mediaTypes, opts.compression),
  });
}
