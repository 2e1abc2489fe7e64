/**
 * Build one container per CPU platform from a Dockerfile and publish them as ONE multi-platform
 * image (an OCI image index), like docker buildx build --platform a,b --push. Every platform is
 * proven to run before anything builds, FROM --platform=$BUILDPLATFORM stages stay native, nothing
 * is pushed unless every platform built, and every tag names the same index digest.
 */
import { func, object, type Directory, type Secret } from "@dagger.io/dagger";
import { DEFAULT_DOCKERFILE } from "../engine/build-platform.js";
import { withEmulation } from "../engine/emulation.js";
import { parseKeyValues } from "../common/key-value.js";
import { buildImage, publish as publishImage } from "../publish/publish.js";
import { MultiarchEmulationReport } from "./emulation-report.js";
import { imageFormatOptions, MultiarchCompression, MultiarchMediaTypes } from "./formats.js";
import { firstRef, MultiarchImage } from "./image.js";

/** Multi-platform images on Dagger: build every platform, publish one image index. */
@object()
export class Multiarch {
  /**
   * Build every platform from the Dockerfile in source and push them as ONE image index under
   * every tag. Returns the first tag's reference with the index digest,
   * registry/repository:tag@sha256:...
   */
  @func()
  async publish(
    /** The build context: a directory with the Dockerfile. */
    source: Directory,
    /** Where to push: registry/repository[:tag], e.g. ghcr.io/acme/app or 127.0.0.1:5000/app:1.0. */
    address: string,
    /** Target platforms, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    /** Tags to push, all naming the same index; default: the address's own tag, else latest. */
    tags?: string[],
    /** Path of the Dockerfile in source. */
    dockerfile: string = DEFAULT_DOCKERFILE,
    /** Dockerfile stage to build; default: the last one. */
    target?: string,
    /** Build arguments, KEY=VALUE. */
    buildArgs: string[] = [],
    /** Annotations for every manifest and the index, KEY=VALUE (e.g. org.opencontainers.image.version=1.0). */
    annotations: string[] = [],
    /** Registry user name; give a password too. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
  ): Promise<string> {
    const report = await publishImage({
      source,
      address,
      platforms,
      dockerfile,
      buildArgs: parseKeyValues("build arg", buildArgs),
      annotations: parseKeyValues("annotation", annotations),
      ...imageFormatOptions(mediaTypes, compression),
      ...(tags === undefined || tags.length === 0 ? {} : { tags }),
      ...(target === undefined ? {} : { target }),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    });
    return firstRef(report.refs, report.digest);
  }

  /**
   * Check that the engine runs every platform, then define one container per platform from the
   * Dockerfile in source. Nothing is built until the image is published or exported.
   */
  @func()
  async build(
    /** The build context: a directory with the Dockerfile. */
    source: Directory,
    /** Target platforms, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    /** Path of the Dockerfile in source. */
    dockerfile: string = DEFAULT_DOCKERFILE,
    /** Dockerfile stage to build; default: the last one. */
    target?: string,
    /** Build arguments, KEY=VALUE. */
    buildArgs: string[] = [],
  ): Promise<MultiarchImage> {
    const image = await buildImage({
      source,
      platforms,
      dockerfile,
      buildArgs: parseKeyValues("build arg", buildArgs),
      ...(target === undefined ? {} : { target }),
    });
    return new MultiarchImage(
      image.variants.map((v) => v.container),
      image.platforms,
      image.variants.flatMap((v, i) => (v.emulated === true ? [image.platforms[i] ?? ""] : [])),
    );
  }

  /**
   * How the engine runs each platform: natively, under QEMU emulation, or not at all. Runs uname -m
   * in a tiny container per platform; never fails for a platform that cannot run, reports it.
   */
  @func()
  async emulation(
    /** Platforms to check, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
  ): Promise<MultiarchEmulationReport> {
    return MultiarchEmulationReport.of(await withEmulation(platforms, { require: false }));
  }
}
