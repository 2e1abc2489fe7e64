/**
 * How images are written: media types and layer compression, as users name them. Only types are
 * imported from @dagger.io/dagger, so parsing these (in the CLI) does not load the SDK.
 */
import type { ImageLayerCompression, ImageMediaTypes } from "@dagger.io/dagger";
import { z } from "zod";
import { ANNOTATION_LEVELS } from "./annotations.js";

export const mediaTypesSchema = z.enum(["oci", "docker"]);
/** Which family of media types an index and its manifests use: OCI, or Docker's older ones. */
export type MediaTypeFamily = z.infer<typeof mediaTypesSchema>;

export const compressionSchema = z.enum(["gzip", "zstd", "uncompressed", "estargz"]);
export type Compression = z.infer<typeof compressionSchema>;

// The engine's enum values (ImageMediaTypes / ImageLayerCompression), spelled out.
const MEDIA_TYPES: Record<MediaTypeFamily, `${ImageMediaTypes}`> = {
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
export function imageFormat(mediaTypes: MediaTypeFamily, compression: Compression) {
  return {
    mediaTypes: MEDIA_TYPES[mediaTypes] as ImageMediaTypes,
    forcedCompression: COMPRESSION[compression] as ImageLayerCompression,
  };
}

/** A PlacedAnnotation (see annotations.ts), as options take it. */
export const placedAnnotationSchema = z.object({
  level: z.enum(ANNOTATION_LEVELS),
  platforms: z.array(z.string().min(1)).min(1).readonly().optional(),
  key: z.string().min(1),
  value: z.string(),
});

/**
 * What every index that leaves the engine (pushed or exported) can be given: labels go into each
 * image config, `annotations` onto each manifest (and, when pushed as OCI, onto the index),
 * `placedAnnotations` only where their level says (buildx's manifest, index,
 * manifest-descriptor), and its format.
 */
export const imageOptionsSchema = z.object({
  annotations: z.record(z.string().min(1), z.string()).default({}),
  placedAnnotations: z.array(placedAnnotationSchema).default([]),
  labels: z.record(z.string().min(1), z.string()).default({}),
  mediaTypes: mediaTypesSchema.default("oci"),
  compression: compressionSchema.default("gzip"),
});
