/**
 * publish: everything in one call. Open the registry (a wrong password costs a second, not the
 * probes), define the image, then build, push, tag and verify it.
 */
import type { EmulationReport } from "../engine/emulation.js";
import { openRegistry } from "../registry/open-registry.js";
import { defineImage, type DefineImageOptions } from "./define-image.js";
import {
  PUBLISH_INDEX_OPTION_NAMES,
  publishAddress,
  type PublishIndexOptions,
} from "./publish-index.js";
import type { PublishResult } from "./result.js";
import type { EngineRoute, Fallback } from "../engine/routing.js";
import { publishRouted } from "./publish-routed.js";

export type PublishOptions = DefineImageOptions &
  PublishIndexOptions & {
    /** `registry/repository[:tag]`. */
    address: string;
    /**
     * Platforms to build on other Dagger engines, by runner host (see publishRouted); the
     * others are built on the connected engine. The report then names each platform's engine.
     */
    engines?: readonly EngineRoute[];
    /** When a routed engine fails: "fail" (ENGINE_FAILED, default) or "emulate". */
    fallback?: Fallback;
  };

export interface PublishReport extends PublishResult {
  readonly emulation: EmulationReport;
}

/**
 * Validate, check emulation, build every platform in parallel, push one index under every tag,
 * verify it. Defaults: linux/amd64 + linux/arm64, `Dockerfile`, the address's tag or `latest`.
 * @throws MultiarchError (see defineImage and publishIndex)
 */
export async function publish(options: PublishOptions): Promise<PublishReport> {
  const { address, onProgress, engines = [], fallback, ...rest } = options;
  if (engines.length > 0) {
    const { dag } = await import("@dagger.io/dagger");
    const target = await openRegistry(publishAddress(address), {
      username: rest.username,
      password: rest.password,
      plainHttp: rest.plainHttp,
      retries: rest.retries,
    });
    return publishRouted(target, {
      ...rest,
      client: rest.client ?? dag,
      engines,
      ...(fallback === undefined ? {} : { fallback }),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  }
  // One set of options in, two out: what publishIndex takes (its schema's names), and the
  // rest for defineImage. Nothing is listed twice, so nothing can be dropped.
  const entries = Object.entries(rest).filter(([, value]) => value !== undefined);
  const push = Object.fromEntries(
    entries.filter(([name]) => PUBLISH_INDEX_OPTION_NAMES.has(name)),
  ) as PublishIndexOptions;
  const define = {
    ...Object.fromEntries(entries.filter(([name]) => !PUBLISH_INDEX_OPTION_NAMES.has(name))),
    ...(onProgress === undefined ? {} : { onProgress }),
  } as DefineImageOptions;
  const target = await openRegistry(publishAddress(address), {
    username: push.username,
    password: push.password,
    plainHttp: push.plainHttp,
    retries: push.retries,
  });
  const image = await defineImage(define);
  const result = await image.publish(target, push);
  return { ...result, emulation: image.emulation };
}
