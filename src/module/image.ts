/**
 * What the Dagger module's `build` function returns: one container per platform, not yet pushed.
 */
import { func, object, type Container, type File } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import type { Variant } from "../engine/variants.js";
import { exportIndex } from "../publish/export-index.js";
import { reportsErrorCodes } from "./error-codes.js";
import { imageFormatOptions, MultiarchCompression, MultiarchMediaTypes } from "./formats.js";

/**
 * A multi-platform image: one container per platform, built when exported (or when its variants
 * are handed to publishIndex).
 */
@object()
export class MultiarchImage {
  /** One container per platform, in the order of `platforms`. */
  @func()
  variants: Container[];

  /** Canonical platforms (os/arch[/variant]) of the variants, in the same order. */
  @func()
  platforms: string[];

  /** The platforms whose build steps run under QEMU emulation. */
  @func()
  emulated: string[];

  constructor(variants: Container[], platforms: string[], emulated: string[]) {
    this.variants = variants;
    this.platforms = platforms;
    this.emulated = emulated;
  }

  /**
   * Build every platform, then write them as ONE image index in an OCI layout tarball (for a dry
   * run or an air-gapped hand-off: skopeo copy oci-archive:image.tar docker://...). Chain export
   * --path to write it: build ... as-tarball export --path image.tar.
   */
  @func()
  @reportsErrorCodes()
  async asTarball(
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
  ): Promise<File> {
    if (this.variants.length !== this.platforms.length) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `This image has ${this.variants.length} containers but ${this.platforms.length} platforms.`,
        { expected: "one platform per container, in the same order" },
      );
    }
    const variants: Variant[] = this.variants.map((container, i) => {
      const platform = this.platforms[i] ?? "";
      return { platform, container, emulated: this.emulated.includes(platform) };
    });
    return exportIndex(variants, imageFormatOptions(mediaTypes, compression));
  }
}
