/** Media types of the manifests and configs this SDK reads and writes. */
export const MediaType = {
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  DOCKER_MANIFEST_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
  /** The config of an artifact that has none: the two bytes `{}` (OCI 1.1). */
  OCI_EMPTY: "application/vnd.oci.empty.v1+json",
  /** An in-toto statement (provenance). */
  IN_TOTO: "application/vnd.in-toto+json",
  SPDX_JSON: "application/spdx+json",
  CYCLONEDX_JSON: "application/vnd.cyclonedx+json",
} as const;

export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** Multi-platform manifests: an OCI image index or its Docker predecessor, the manifest list. */
export const INDEX_MEDIA_TYPES: readonly string[] = [
  MediaType.OCI_INDEX,
  MediaType.DOCKER_MANIFEST_LIST,
];

/** Single-platform image manifests. */
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.OCI_MANIFEST,
  MediaType.DOCKER_MANIFEST,
];

/** Image configs: the blobs that carry os/architecture/variant. */
export const IMAGE_CONFIG_MEDIA_TYPES: readonly string[] = [
  MediaType.OCI_CONFIG,
  MediaType.DOCKER_CONFIG,
];
