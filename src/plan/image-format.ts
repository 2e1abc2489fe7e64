/**
 * How images are written: media types and layer compression, as users name them. Only types are
 * imported from @dagger.io/dagger, so parsing these (in the CLI) does not load the SDK.
 */
import type { ImageLayerCompression, ImageMediaTypes } from "@dagger.io/dagger";
import { z } from "zod";

export const mediaTypesSchema = z.enum(["oci", "docker"]);
export type MediaTypes = z.infer<typeof mediaTypesSchema>;

export const compressionSchema = z.enum(["gzip", "zstd", "uncompressed", "estargz"]);
export type Compression = z.infer<typeof compressionSchema>;

// The engine's enum values (ImageMediaTypes / ImageLayerCompression), spelled out.
const MEDIA_TYPES: Record<MediaTypes, `${ImageMediaTypes}`> = {
  oci: "OCIMediaTypes",
  docker: "DockerMediaTypes",
};

const COMPRESSION: Record<Compression, `${ImageLayerCompression}`> = {
  gzip: "Gzip",
  zstd: "Zstd",
  uncompressed: "Uncompressed",
  estargz: "EStarGZ",
};

/** Options for Container.publish / asTarball. */
export function imageFormat(mediaTypes: MediaTypes, compression: Compression) {
  return {
    mediaTypes: MEDIA_TYPES[mediaTypes] as ImageMediaTypes,
    forcedCompression: COMPRESSION[compression] as ImageLayerCompression,
  };
}
