/**
 * The image-format choices of the Dagger module, as enums (what `dagger call` offers), and their
 * mapping onto the SDK's own format names.
 */
import type { Compression, MediaTypeFamily } from "../plan/image-format.js";

/** Media types of the pushed or exported index and its manifests. */
export enum MultiarchMediaTypes {
  /** OCI image index and OCI image manifests (application/vnd.oci.*). The default. */
  OCI = "oci",
  /** Docker manifest list and Docker schema 2 manifests, for registries or clients that need them. */
  DOCKER = "docker",
}

/** Compression of the image layers. */
export enum MultiarchCompression {
  /** gzip: what every registry and runtime reads. The default. */
  GZIP = "gzip",
  /** zstd: smaller and faster to unpack; needs containerd 1.5+ or a recent Docker. */
  ZSTD = "zstd",
  /** No compression. */
  UNCOMPRESSED = "uncompressed",
  /** eStargz: gzip that lazy-pulling snapshotters can read before the download ends. */
  ESTARGZ = "estargz",
}

const MEDIA_TYPES: Readonly<Record<MultiarchMediaTypes, MediaTypeFamily>> = {
  [MultiarchMediaTypes.OCI]: "oci",
  [MultiarchMediaTypes.DOCKER]: "docker",
};

const COMPRESSION: Readonly<Record<MultiarchCompression, Compression>> = {
  [MultiarchCompression.GZIP]: "gzip",
  [MultiarchCompression.ZSTD]: "zstd",
  [MultiarchCompression.UNCOMPRESSED]: "uncompressed",
  [MultiarchCompression.ESTARGZ]: "estargz",
};

/** The SDK options for the module's enum values. */
export function imageFormatOptions(
  mediaTypes: MultiarchMediaTypes,
  compression: MultiarchCompression,
): { mediaTypes: MediaTypeFamily; compression: Compression } {
  return { mediaTypes: MEDIA_TYPES[mediaTypes], compression: COMPRESSION[compression] };
}
