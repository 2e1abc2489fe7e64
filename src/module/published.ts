/**
 * What the module's publish functions return: the index digest, a reference per tag, and per
 * platform its manifest digest, size and how it was built.
 */
import { func, object } from "@dagger.io/dagger";
import { publishTable } from "../present/render.js";
import type { BuildMode } from "../plan/dockerfile-stages.js";
import type { PublishResult } from "../publish/result.js";

/** How a platform's image was built. */
export enum MultiarchBuildMode {
  /** On the engine's own CPU (or one it runs without an emulator). */
  NATIVE = "native",
  /** For a foreign CPU, with no step run under QEMU (cross-compiled or copied). */
  CROSS = "cross",
  /** For a foreign CPU, with steps run under QEMU. */
  EMULATED = "emulated",
}

const MODES: Readonly<Record<BuildMode, MultiarchBuildMode>> = {
  native: MultiarchBuildMode.NATIVE,
  cross: MultiarchBuildMode.CROSS,
  emulated: MultiarchBuildMode.EMULATED,
};

/** One platform of a published image index. */
@object()
export class MultiarchPublishedPlatform {
  /** Canonical platform, os/arch[/variant]. */
  @func()
  platform!: string;

  /** Digest of this platform's image manifest. */
  @func()
  digest!: string;

  /** Bytes: manifest, config and compressed layers. */
  @func()
  size!: number;

  /** How it was built. */
  @func()
  mode!: MultiarchBuildMode;

  /** Seconds its build took in this call (0 when the engine had it cached). */
  @func()
  seconds!: number;
}

/** A published multi-platform image: one index, named by every tag. */
@object()
export class MultiarchPublished {
  /** Digest of the image index. */
  @func()
  digest!: string;

  /** registry/repository:tag@sha256:..., one per tag. */
  @func()
  refs!: string[];

  /** Media type of the index. */
  @func()
  mediaType!: string;

  /** One entry per platform, in the order built. */
  @func()
  platforms!: MultiarchPublishedPlatform[];

  /** The library's result as the module's object. */
  static of(result: PublishResult): MultiarchPublished {
    // Built field by field: the module runtime reads constructors as function signatures.
    return Object.assign(new MultiarchPublished(), {
      digest: result.digest,
      refs: [...result.refs],
      mediaType: result.mediaType,
      platforms: result.platforms.map((p) =>
        Object.assign(new MultiarchPublishedPlatform(), {
          platform: p.platform,
          digest: p.digest,
          size: p.size,
          mode: MODES[p.mode],
          seconds: Math.round(p.seconds * 10) / 10,
        }),
      ),
    });
  }

  /** A table, one line per platform, then the index digest and every reference. */
  @func()
  summary(): string {
    return publishTable({
      digest: this.digest,
      refs: this.refs,
      mediaType: this.mediaType,
      platforms: this.platforms.map((p) => ({
        ...p,
        emulated: p.mode === MultiarchBuildMode.EMULATED,
      })),
    });
  }
}
