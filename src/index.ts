/**
 * Public API of the multiarch SDK: composable functions on the Dagger engine that build one
 * container per CPU platform and publish them as one multi-platform image (an OCI image index).
 *
 * Every name is listed here on purpose: what is not listed is internal and may change. The
 * flow, stage by stage: platform → plan → engine (emulation, build) → publish → verify.
 */

// Errors: one family, stable codes.
export {
  ErrorCode,
  isMultiarchError,
  MultiarchError,
  REDACTED,
  redact,
  type ErrorDetails,
  type MultiarchErrorOptions,
} from "./common/errors.js";
export type { ProgressEvent, ProgressListener } from "./common/progress.js";
export { parseKeyValues } from "./common/key-value.js";

// Platforms: parsing, normalising, derived names.
export {
  formatPlatform,
  parsePlatform,
  parsePlatforms,
  platformEquals,
  platformInfo,
  platformSchema,
  SUPPORTED_PLATFORMS,
  type Arch,
  type ParsedPlatforms,
  type Platform,
  type PlatformInfo,
} from "./platform/platform.js";
export { DEFAULT_PLATFORMS } from "./platform/defaults.js";

// Plan: what each build and push is given.
export { ociAnnotations, type ImageMetadata } from "./plan/annotations.js";
export type { BuildMode } from "./plan/dockerfile-stages.js";
export type { Compression, MediaTypeFamily } from "./plan/image-format.js";

// Engine: connecting, emulation, one platform's container, building them all.
export {
  chooseEngine,
  DEFAULT_ENGINE_SOCKET,
  withEngine,
  type EngineChoice,
  type EngineProbes,
  type WithEngineOptions,
} from "./engine/connection.js";
export {
  withEmulation,
  DEFAULT_PROBE_IMAGE,
  DEFAULT_BINFMT_IMAGE,
  type EmulationReport,
  type PlatformSupport,
  type RunMode,
  type WithEmulationOptions,
} from "./engine/emulation.js";
export {
  buildPlatform,
  DEFAULT_DOCKERFILE,
  type BuildPlatformOptions,
  type PlatformPipeline,
} from "./engine/build-platform.js";
export type { Variant } from "./engine/variants.js";

// Publish: one index under every tag, or an OCI archive.
export {
  defineImage,
  MultiPlatformImage,
  type DefineImageOptions,
} from "./publish/define-image.js";
export { publishIndex, type PublishIndexOptions } from "./publish/publish-index.js";
export type { PublishResult, PublishedPlatform } from "./publish/result.js";
export { publish, type PublishOptions, type PublishReport } from "./publish/publish.js";
export { exportIndex, type ExportIndexOptions } from "./publish/export-index.js";
// Scale-out: one platform per machine, pushed by digest; then one index of the digests.
export { pushByDigest, type PushByDigestOptions } from "./publish/push-by-digest.js";
export {
  mergeIndex,
  type MergeIndexOptions,
  type MergeResult,
  type MergedPlatform,
} from "./publish/merge-index.js";
export {
  githubMatrix,
  GITHUB_RUNNERS,
  type GithubMatrix,
  type MatrixEntry,
} from "./plan/github-matrix.js";
export {
  publishRouted,
  type RoutedPublishOptions,
  type RoutedReport,
  type RoutedPlatform,
} from "./publish/publish-routed.js";
export { planShares, type EngineRoute, type EngineShare, type Fallback } from "./engine/routing.js";

// Registry: references, a distribution API client, reading an index.
export {
  DEFAULT_TAG,
  formatReference,
  parseReference,
  type ImageReference,
} from "./registry/reference.js";
export { RegistryClient, type RegistryClientOptions } from "./registry/client.js";
export { openRegistry, type OpenRegistry, type RegistryLogin } from "./registry/open-registry.js";
export { readIndex, type ImageSummary, type IndexSummary } from "./registry/image-index.js";
export { setIndexAnnotations } from "./registry/index-annotations.js";

// Verify: read the index back and check it.
export { verify, VerifyError, type VerifyOptions } from "./verify/verify.js";
export type {
  VerifyReport,
  PlatformVerification,
  BinaryScan,
  SmokeResult,
} from "./verify/report.js";
export type { Problem, ProblemKind, FileMismatch } from "./verify/checks.js";
