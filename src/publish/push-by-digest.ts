/**
 * pushByDigest: build one platform and push its image by digest, moving no user tag: the
 * building block of a CI matrix job whose digests `mergeIndex` later joins into one index. The
 * same steps as publishIndex (build, the engine's push under the staging tag, the result read
 * from the registry), without the index, its verification or its tags.
 */
import type { Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseOptions } from "../common/parse-options.js";
import { retryEvent, silent, type ProgressListener } from "../common/progress.js";
import { buildVariants, decorate, type Variant } from "../engine/variants.js";
import { annotationsAt } from "../plan/annotations.js";
import { imageOptionsSchema } from "../plan/image-format.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import { retriesSchema } from "../registry/retry.js";
import { openTarget } from "./publish-index.js";
import { pushVariants, STAGING_TAG } from "./push-variants.js";
import { publishResult, type PublishResult } from "./result.js";

const optionsSchema = imageOptionsSchema.extend({
  username: z.string().min(1).optional(),
  plainHttp: z.boolean().optional(),
  retries: retriesSchema.optional(),
});

export type PushByDigestOptions = z.input<typeof optionsSchema> & {
  /** Registry password or token, as a Dagger secret. */
  password?: Secret;
  onProgress?: ProgressListener;
};

/**
 * Build `variant` and push it to `address`'s repository (`registry/repo`, or an opened registry).
 * @returns publish's result shape: `digest` is the platform's image manifest, `refs` holds
 *   `registry/repo@digest`, `platforms` its one entry
 * @throws MultiarchError INVALID_INPUT, AUTH_FAILED, REGISTRY_ERROR, BUILD_FAILED / QEMU_CRASH,
 *   PUSH_FAILED
 */
export async function pushByDigest(
  variant: Variant,
  address: string | OpenRegistry,
  options: PushByDigestOptions = {},
): Promise<PublishResult> {
  const { password, onProgress = silent, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "push-by-digest options");
  const misplaced = opts.placedAnnotations.find((a) => a.level !== "manifest");
  if (misplaced !== undefined) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `A push by digest cannot place a ${misplaced.level} annotation: it writes one manifest, no index.`,
      {
        given: `${misplaced.level}:${misplaced.key}`,
        hint: "give index and descriptor annotations to the merge",
      },
    );
  }
  const target = await openTarget(address, { ...opts, password });
  const { ref, registry } = target;
  const repo = `${ref.registry}/${ref.repository}`;
  const stopRetryEvents = registry.onRetry((retry) => onProgress(retryEvent(retry)));
  try {
    const built = await buildVariants(
      decorate([variant], opts.labels, (platform) => ({
        ...opts.annotations,
        ...annotationsAt(opts.placedAnnotations, "manifest", platform),
      })),
      { onProgress, secrets: target.secrets },
    );
    const start = performance.now();
    onProgress({ kind: "push-start", ref: repo });
    const digest = await pushVariants(built, target, {
      tag: STAGING_TAG,
      username: opts.username,
      password,
      mediaTypes: opts.mediaTypes,
      compression: opts.compression,
      retries: opts.retries,
      onRetry: (notice) => onProgress(retryEvent({ ...notice, operation: "push" })),
    });
    onProgress({ kind: "push-done", digest, seconds: (performance.now() - start) / 1000 });
    const manifest = await registry.getManifest(ref.repository, digest);
    if (manifest === undefined) {
      throw new MultiarchError(
        ErrorCode.PUSH_FAILED,
        `The registry does not serve the image it just accepted (${repo}@${digest}).`,
        { secrets: target.secrets },
      );
    }
    const result = await publishResult(registry, ref.repository, manifest, [], built);
    return { ...result, refs: [`${repo}@${digest}`] };
  } finally {
    stopRetryEvents();
  }
}
