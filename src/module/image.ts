/**
 * What the Dagger module's `build` function returns: one container per platform, not yet pushed.
 */
import { func, object, type Container, type File, type Secret } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseKeyValues } from "../common/key-value.js";
import type { Variant } from "../engine/variants.js";
import { exportIndex } from "../publish/export-index.js";
import { publishIndex } from "../publish/publish-index.js";
import { formatReport } from "../verify/report.js";
import { verify as verifyImage } from "../verify/verify.js";
import { imageFormatOptions, MultiarchCompression, MultiarchMediaTypes } from "./formats.js";
import { MultiarchPublished } from "./published.js";
import { credentialsFor, type MultiarchRegistryAuth } from "./registry-auth.js";

/** A multi-platform image: one container per platform, built on publish or export. */
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

  /** Credentials chained on the module before build, by registry. */
  @func()
  registryAuths: MultiarchRegistryAuth[];

  constructor(
    variants: Container[],
    platforms: string[],
    emulated: string[],
    registryAuths: MultiarchRegistryAuth[] = [],
  ) {
    this.variants = variants;
    this.platforms = platforms;
    this.emulated = emulated;
    this.registryAuths = registryAuths;
  }

  /** The SDK's variants: variants[i] is the container of platforms[i]. */
  private toVariants(): Variant[] {
    if (this.variants.length !== this.platforms.length) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `This image has ${this.variants.length} containers but ${this.platforms.length} platforms.`,
        { expected: "one platform per container, in the same order" },
      );
    }
    return this.variants.map((container, i) => {
      const platform = this.platforms[i] ?? "";
      return { platform, container, emulated: this.emulated.includes(platform) };
    });
  }

  /**
   * Build every platform, then push them as ONE image index and point every tag at it. Nothing is
   * pushed unless every platform built.
   */
  @func({ cache: "never" })
  async publish(
    /** Where to push: registry/repository[:tag], e.g. ghcr.io/acme/app or 127.0.0.1:5000/app:1.0. */
    address: string,
    /** Tags to push, all naming the same index; default: the address's own tag, else latest. */
    tags: string[] = [],
    /** Registry user name (else the credentials chained with withRegistryAuth); give a password too. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Annotations for every manifest and the index, KEY=VALUE (e.g. org.opencontainers.image.version=1.0). */
    annotations: string[] = [],
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
  ): Promise<MultiarchPublished> {
    const result = await publishIndex(this.toVariants(), address, {
      ...imageFormatOptions(mediaTypes, compression),
      annotations: parseKeyValues("annotation", annotations),
      ...(tags.length === 0 ? {} : { tags }),
      ...credentialsFor(this.registryAuths, address, { username, password }),
      ...(plainHttp ? { plainHttp } : {}),
    });
    return MultiarchPublished.of(result);
  }

  /**
   * Build every platform, then write them as ONE image index in an OCI layout tarball (for a dry
   * run or an air-gapped hand-off: skopeo copy oci-archive:image.tar docker://...).
   */
  @func()
  async export(
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
  ): Promise<File> {
    return exportIndex(this.toVariants(), imageFormatOptions(mediaTypes, compression));
  }

  /**
   * Read back what the registry serves at an address (after publish) and check it against this
   * image's platforms: one image index (no unknown/unknown entry), configs that agree with it,
   * every blob present, and every ELF binary built for its platform's CPU. Returns a report, one
   * line per platform; fails with VERIFY_FAILED naming every problem.
   */
  @func({ cache: "never" })
  async verify(
    /** What to read: registry/repository:tag or registry/repository@sha256:... (default tag: latest). */
    address: string,
    /** Registry user name (else the credentials chained with withRegistryAuth); give a password too. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
  ): Promise<string> {
    const report = await verifyImage(address, {
      platforms: [...this.platforms],
      ...credentialsFor(this.registryAuths, address, { username, password }),
      ...(plainHttp ? { plainHttp } : {}),
    });
    return formatReport(report);
  }
}
