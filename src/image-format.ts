/**
 * How images are written: media types and layer compression, as users name them.
 */
import { ImageLayerCompression, ImageMediaTypes } from "@dagger.io/dagger";
import { z } from "zod";

export const mediaTypesSchema = z.enum(["oci", "docker"]);
export type MediaTypes = z.infer<typeof mediaTypesSchema>;

export const compressionSchema = z.enum(["gzip", "zstd", "uncompressed", "estargz"]);
export type Compression = z.infer<typeof compressionSchema>;

const MEDIA_TYPES: Record<MediaTypes, ImageMediaTypes> = {
  oci: ImageMediaTypes.Oci,
  docker: ImageMediaTypes.Docker,
};

const COMPRESSION: Record<Compression, ImageLayerCompression> = {
  gzip: ImageLayerCompression.Gzip,
  zstd: ImageLayerCompression.Zstd,
  uncompressed: ImageLayerCompression.Uncompressed,
  estargz: ImageLayerCompression.Estargz,
};

/** Options for Container.publish / asTarball. */
export function imageFormat(mediaTypes: MediaTypes, compression: Compression) {
  return { mediaTypes: MEDIA_TYPES[mediaTypes], forcedCompression: COMPRESSION[compression] };
}
