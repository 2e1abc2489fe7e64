/**
 * Build one container per CPU platform from a Dockerfile or your own pipeline and publish them as
 * ONE multi-platform image (an OCI image index), like docker buildx build --platform a,b --push.
 * Every platform is proven to run before anything builds, FROM --platform=$BUILDPLATFORM stages
 * stay native, nothing is pushed unless every platform built, every tag names the same index
 * digest, and the index is read back and checked after the push.
 */
import {
  argument,
  dag,
  func,
  object,
  type Container,
  type Directory,
  type File,
  type Secret,
} from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseKeyValues } from "../common/key-value.js";
import { buildPlatform as defineContainer } from "../engine/build-platform.js";
import { withEmulation as checkEmulation } from "../engine/emulation.js";
import { defineImage } from "../publish/define-image.js";
import { publish as publishImage } from "../publish/publish.js";
import { publishIndex as publishVariants } from "../publish/publish-index.js";
import { inspectTable } from "../present/render.js";
import { mergeTable } from "../present/scale-out.js";
import { mergeIndex } from "../publish/merge-index.js";
import { readIndex } from "../registry/image-index.js";
import { openRegistry } from "../registry/open-registry.js";
import { DEFAULT_TAG } from "../registry/reference.js";
import { formatReport } from "../verify/report.js";
import { verify as verifyImage } from "../verify/verify.js";
import { platformSupports, type MultiarchPlatformSupport } from "./emulation-report.js";
import { reportsErrorCodes } from "./error-codes.js";
import { imageFormatOptions, MultiarchCompression, MultiarchMediaTypes } from "./formats.js";
import { MultiarchPublished } from "./published.js";
import { credentialsFor, MultiarchRegistryAuth, registryOf } from "./registry-auth.js";
import { variantsOf } from "./variants.js";
import { attestationOptions } from "./attestations.js";

/** Multi-platform images on Dagger: check emulation, build every platform, publish one index. */
@object()
export class Multiarch {
  /** Credentials chained with withRegistryAuth, by registry. */
  @func()
  registryAuths: MultiarchRegistryAuth[] = [];

  /** How the engine runs each platform checked by withEmulation (empty before any check). */
  @func()
  checked: MultiarchPlatformSupport[] = [];

  /**
   * Check that the engine runs every platform (natively or under QEMU) and remember how, for the
   * functions chained after it. Fails naming every platform the engine cannot run.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async withEmulation(
    /** Target platforms, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    /** Register QEMU handlers on the engine's host first (runs a privileged binfmt installer). */
    install: boolean = false,
  ): Promise<Multiarch> {
    const found = platformSupports(await checkEmulation(platforms, { install }));
    const again = new Set(found.map((p) => p.platform));
    return this.with({
      checked: [...this.checks().filter((p) => !again.has(p.platform)), ...found],
    });
  }

  /** Use these credentials for every push and read to this registry. */
  @func()
  withRegistryAuth(
    /** The registry host, or any image address on it (ghcr.io, ghcr.io/acme/app). */
    address: string,
    /** The user name. */
    username: string,
    /** The password or token. */
    secret: Secret,
  ): Multiarch {
    const registry = registryOf(address);
    return this.with({
      registryAuths: [
        ...this.auths().filter((a) => a.registry !== registry),
        new MultiarchRegistryAuth(registry, username, secret),
      ],
    });
  }

  /**
   * One platform's container from the Dockerfile in source, with BuildKit's BUILDPLATFORM meaning
   * kept (FROM --platform=$BUILDPLATFORM stages run natively). Lazy: built when used.
   */
  @func()
  @reportsErrorCodes()
  async buildPlatform(
    /** The build context: a directory with the Dockerfile. */
    source: Directory,
    /** The target platform, os/arch[/variant] or a short name (arm64, armhf, ...). */
    platform: string,
    /** Path of the Dockerfile in source. */
    dockerfile: string = "Dockerfile",
    /** Dockerfile stage to build; default: the last one. */
    target?: string,
    /** Build arguments, KEY=VALUE. */
    buildArgs: string[] = [],
    /** Secrets the Dockerfile mounts with RUN --mount=type=secret,id=NAME (NAME: the secret's name). */
    secrets: Secret[] = [],
  ): Promise<Container> {
    return defineContainer(source, platform, {
      dockerfile,
      buildArgs: parseKeyValues("build arg", buildArgs),
      secrets,
      ...(target === undefined ? {} : { target }),
    });
  }

  /**
   * Build every container (one per platform, each carrying its platform), then push them as ONE
   * image index, point every tag at it, and verify it. Nothing is pushed unless every container
   * built. Credentials: chain withRegistryAuth first.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async publishIndex(
    /** One container per platform; each one's platform is read from the container. */
    variants: Container[],
    /** Where to push: registry/repository[:tag], e.g. ghcr.io/acme/app or 127.0.0.1:5000/app:1.0. */
    address: string,
    /** Tags to push, all naming the same index; default: the address's own tag, else latest. */
    tags: string[] = [],
    /** Annotations for every manifest and the index, KEY=VALUE (e.g. org.opencontainers.image.version=1.0). */
    annotations: string[] = [],
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
    /** Retries of a registry request answered 429 or 5xx or cut off, and of the push as a whole (0 to 10; default 4). */
    retries?: number,
    /** SLSA provenance attached to every platform as an OCI 1.1 referrer: false, true (= min), min or max. */
    provenance: string = "false",
    /** An SPDX SBOM per platform, attached as an OCI 1.1 referrer; needs syft where the module runs. */
    sbom: boolean = false,
  ): Promise<MultiarchPublished> {
    const engine = await dag.defaultPlatform();
    const result = await publishVariants(
      await variantsOf(variants, this.checks(), engine),
      address,
      {
        ...imageFormatOptions(mediaTypes, compression),
        annotations: parseKeyValues("annotation", annotations),
        ...(tags.length === 0 ? {} : { tags }),
        ...credentialsFor(this.auths(), address),
        ...(plainHttp ? { plainHttp } : {}),
        ...(retries === undefined ? {} : { retries }),
        ...attestationOptions(provenance, sbom),
      },
    );
    return MultiarchPublished.of(result);
  }

  /**
   * Everything in one call: check that the engine runs every platform, build each from the
   * Dockerfile in source, push them as ONE image index under every tag, and verify it.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async publish(
    /** The build context: a directory with the Dockerfile; default: the module's directory. */
    @argument({ defaultPath: "/" }) source: Directory,
    /** Where to push: registry/repository[:tag], e.g. ghcr.io/acme/app or 127.0.0.1:5000/app:1.0. */
    address: string,
    /** Target platforms, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    /** Tags to push, all naming the same index; default: the address's own tag, else latest. */
    tags: string[] = [],
    /** Path of the Dockerfile in source. */
    dockerfile: string = "Dockerfile",
    /** Dockerfile stage to build; default: the last one. */
    target?: string,
    /** Build arguments, KEY=VALUE. */
    buildArgs: string[] = [],
    /** Annotations for every manifest and the index, KEY=VALUE (e.g. org.opencontainers.image.version=1.0). */
    annotations: string[] = [],
    /** Registry user name (else the credentials chained with withRegistryAuth); give a password too. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
    /** Read the index back after the push and check it (platforms, configs, blobs, ELF binaries). */
    verify: boolean = true,
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
    /** Retries of a registry request answered 429 or 5xx or cut off, and of the push as a whole (0 to 10; default 4). */
    retries?: number,
    /** SLSA provenance attached to every platform as an OCI 1.1 referrer: false, true (= min), min or max. */
    provenance: string = "false",
    /** An SPDX SBOM per platform, attached as an OCI 1.1 referrer; needs syft where the module runs. */
    sbom: boolean = false,
  ): Promise<MultiarchPublished> {
    const report = await publishImage({
      source,
      address,
      platforms,
      dockerfile,
      buildArgs: parseKeyValues("build arg", buildArgs),
      annotations: parseKeyValues("annotation", annotations),
      ...imageFormatOptions(mediaTypes, compression),
      ...(tags.length === 0 ? {} : { tags }),
      ...(target === undefined ? {} : { target }),
      ...credentialsFor(this.auths(), address, { username, password }),
      ...(plainHttp ? { plainHttp } : {}),
      verify,
      ...(retries === undefined ? {} : { retries }),
      ...attestationOptions(provenance, sbom),
    });
    return MultiarchPublished.of(report);
  }

  /**
   * Build every platform from the Dockerfile in source (after checking that the engine runs each)
   * and return them as ONE image index in an OCI layout tarball, nothing pushed: for a dry run or
   * an air-gapped hand-off. Chain export --path to write it: build ... export --path image.tar,
   * then e.g. skopeo copy --all oci-archive:image.tar docker://...
   */
  @func()
  @reportsErrorCodes()
  async build(
    /** The build context: a directory with the Dockerfile; default: the module's directory. */
    @argument({ defaultPath: "/" }) source: Directory,
    /** Target platforms, os/arch[/variant] or a short name (arm64, armhf, ppc64le, s390x, ...). */
    platforms: string[] = ["linux/amd64", "linux/arm64"],
    /** Path of the Dockerfile in source. */
    dockerfile: string = "Dockerfile",
    /** Dockerfile stage to build; default: the last one. */
    target?: string,
    /** Build arguments, KEY=VALUE. */
    buildArgs: string[] = [],
    /** Media types of the index and its manifests. */
    mediaTypes: MultiarchMediaTypes = MultiarchMediaTypes.OCI,
    /** Layer compression. */
    compression: MultiarchCompression = MultiarchCompression.GZIP,
  ): Promise<File> {
    const image = await defineImage({
      source,
      platforms,
      dockerfile,
      buildArgs: parseKeyValues("build arg", buildArgs),
      ...(target === undefined ? {} : { target }),
    });
    return image.export(imageFormatOptions(mediaTypes, compression));
  }

  /**
   * Read back what the registry serves at an address and check it: one image index (no
   * unknown/unknown entry), configs that agree with it, every blob present, and every ELF binary
   * built for its platform's CPU. Returns a report, one line per platform; fails with
   * VERIFY_FAILED naming every problem. Credentials: chain withRegistryAuth first.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async verify(
    /** What to read: registry/repository:tag or registry/repository@sha256:... (default tag: latest). */
    address: string,
    /** The platforms the index must hold, exactly; default: whatever it holds. */
    platforms: string[] = [],
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
  ): Promise<string> {
    const report = await verifyImage(address, {
      ...(platforms.length === 0 ? {} : { platforms }),
      ...credentialsFor(this.auths(), address),
      ...(plainHttp ? { plainHttp } : {}),
    });
    return formatReport(report);
  }

  /**
   * Join images already in the registry into ONE image index, like docker buildx imagetools
   * create (each source's platform read from its config, an index source flattened, two sources
   * of one platform refused), verify it, then point every tag at it. For CI jobs that each built
   * one platform on its own machine and pushed it by digest. Credentials: chain withRegistryAuth
   * first.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async merge(
    /** Where the index goes: registry/repository[:tag]. */
    address: string,
    /** The images: registry/repository@sha256:... (same registry), or sha256:... of address's repository. */
    sources: string[],
    /** Tags to point at the index (default: the address's tag, else latest). */
    tags: string[] = [],
    /** Annotations on the index, KEY=VALUE. */
    annotations: string[] = [],
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
    /** When verifying, check every binary's CPU (downloads every layer). */
    scanBinaries: boolean = true,
  ): Promise<string> {
    const result = await mergeIndex(sources, address, {
      ...credentialsFor(this.auths(), address),
      ...(tags.length > 0 ? { tags } : {}),
      annotations: parseKeyValues("annotation", annotations),
      ...(plainHttp ? { plainHttp } : {}),
      scanBinaries,
    });
    return mergeTable(result);
  }

  /**
   * What an address names in its registry: the index digest, and per platform its manifest and
   * size. Credentials: chain withRegistryAuth first.
   */
  @func({ cache: "never" })
  @reportsErrorCodes()
  async inspect(
    /** What to read: registry/repository:tag or registry/repository@sha256:... (default tag: latest). */
    address: string,
    /** Talk to the registry over plain HTTP (loopback addresses always do). */
    plainHttp: boolean = false,
  ): Promise<string> {
    const { ref, registry } = await openRegistry(
      address,
      { ...credentialsFor(this.auths(), address), plainHttp },
      { ping: false },
    );
    const reference = ref.digest ?? ref.tag ?? DEFAULT_TAG;
    const summary = await readIndex(registry, ref.repository, reference);
    if (summary === undefined) {
      throw new MultiarchError(
        ErrorCode.REGISTRY_ERROR,
        `${address} not found: the registry has no such tag or digest (or no such repository).`,
        { given: address },
      );
    }
    return inspectTable(address, summary);
  }

  // The module runtime restores an object from its state without running field initialisers:
  // a field never set arrives undefined.
  private auths(): MultiarchRegistryAuth[] {
    return this.registryAuths ?? [];
  }

  private checks(): MultiarchPlatformSupport[] {
    return this.checked ?? [];
  }

  /** A copy of this object with some fields replaced (Dagger objects are values). */
  private with(fields: Partial<Pick<Multiarch, "registryAuths" | "checked">>): Multiarch {
    return Object.assign(new Multiarch(), {
      registryAuths: this.auths(),
      checked: this.checks(),
      ...fields,
    });
  }
}
