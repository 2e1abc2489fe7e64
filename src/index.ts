/**
 * Public API of the multiarch SDK: composable functions on the Dagger engine that build one
 * container per CPU platform and publish them as one multi-platform image (an OCI image index).
 */
export * from "./common/errors.js";
export * from "./platform/platform.js";
export { ociAnnotations, type ImageMetadata } from "./plan/annotations.js";
export {
  buildPlatform,
  DEFAULT_DOCKERFILE,
  type BuildPlatformOptions,
  type PlatformPipeline,
} from "./engine/build-platform.js";
export {
  withEmulation,
  DEFAULT_PROBE_IMAGE,
  DEFAULT_BINFMT_IMAGE,
  type EmulationReport,
  type PlatformSupport,
  type RunMode,
  type WithEmulationOptions,
} from "./engine/emulation.js";
export { exportIndex, type ExportIndexOptions } from "./publish/export-index.js";
export type { Compression, MediaTypes } from "./plan/image-format.js";
export type { ProgressEvent, ProgressListener } from "./common/progress.js";
export {
  publishIndex,
  type PublishIndexOptions,
  type PublishResult,
  type PublishedPlatform,
} from "./publish/publish-index.js";
export {
  buildImage,
  publish,
  MultiPlatformImage,
  DEFAULT_PLATFORMS,
  DEFAULT_TAG,
  type BuildImageOptions,
  type PublishOptions,
  type PublishReport,
} from "./publish/publish.js";
export type { Variant } from "./engine/variants.js";
export { parseKeyValues } from "./common/key-value.js";
export { RegistryClient, type RegistryClientOptions } from "./registry/client.js";
export { parseReference, formatReference, type ImageReference } from "./registry/reference.js";
export { readIndex, type ImageSummary, type IndexSummary } from "./registry/image-index.js";
// The Dagger module (dagger.json): its main object and types, usable as a library too.
export { Multiarch } from "./module/multiarch.js";
export { MultiarchImage } from "./module/image.js";
export {
  MultiarchEmulationReport,
  MultiarchPlatformSupport,
  MultiarchRunMode,
} from "./module/emulation-report.js";
export { MultiarchCompression, MultiarchMediaTypes } from "./module/formats.js";
export { verify, VerifyError, type VerifyOptions } from "./verify/verify.js";
export type {
  VerifyReport,
  PlatformVerification,
  BinaryScan,
  SmokeResult,
} from "./verify/report.js";
export type { Problem, ProblemKind, FileMismatch } from "./verify/checks.js";
export { setIndexAnnotations } from "./registry/index-annotations.js";
