/**
 * Step: the engine pushes every built variant as one index under the staging tag, retried as a
 * whole when it fails for a reason that is not the credentials (blobs and manifests are
 * addressed by digest, so a second push skips what the first one stored). Its failure is
 * AUTH_FAILED when the registry refused the credentials, else PUSH_FAILED.
 */
import type { Secret } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError, redact } from "../common/errors.js";
import type { BuiltVariant } from "../engine/variants.js";
import { imageFormat, type Compression, type MediaTypeFamily } from "../plan/image-format.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import { DEFAULT_RETRIES } from "../registry/retry-limits.js";
import {
  pushRetryPolicy,
  retrying,
  type Outcome,
  type RetryCause,
  type RetryNotice,
} from "../registry/retry.js";

/**
 * The tag the engine pushes under. No user tag moves before the index is final and verified
 * (see publishIndex); this one names the last index pushed to the repository, finished or not.
 */
export const STAGING_TAG = "multiarch-staging";

/** Registry errors from the engine that mean "your credentials are wrong or missing". */
const AUTH_ERROR =
  /\b(401|403|unauthori[sz]ed|denied|authentication required|insufficient_scope)\b/i;

/** An HTTP status in an engine error message (`… 503 Service Unavailable`). */
const STATUS = /\b([45]\d\d)\b(?: [A-Z][a-z]+)/;

export interface PushOptions {
  readonly tag: string;
  readonly username?: string | undefined;
  /** The engine needs the password as a Dagger secret. */
  readonly password?: Secret | undefined;
  readonly mediaTypes: MediaTypeFamily;
  readonly compression: Compression;
  /** The `retries` of a request; the whole push gets more (see pushRetryPolicy). */
  readonly retries?: number | undefined;
  readonly onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/**
 * Push `built` (at least one variant) as one index to `target`'s repository under `tag`.
 * @returns the digest of what was pushed
 */
export async function pushVariants(
  built: readonly BuiltVariant[],
  target: OpenRegistry,
  options: PushOptions,
): Promise<string> {
  const { ref, secrets } = target;
  const [first, ...others] = built;
  if (first === undefined) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "No variants to push.", {
      expected: "at least one variant",
    });
  }
  const repo = `${ref.registry}/${ref.repository}`;
  let publisher = first.container;
  if (options.username !== undefined && options.password !== undefined) {
    publisher = publisher.withRegistryAuth(ref.registry, options.username, options.password);
  }
  try {
    const pushed = await retrying(
      () =>
        publisher.publish(`${repo}:${options.tag}`, {
          platformVariants: others.map((v) => v.container),
          ...imageFormat(options.mediaTypes, options.compression),
        }),
      {
        policy: pushRetryPolicy(options.retries),
        judge: pushJudge(options.retries),
        onRetry: options.onRetry,
      },
    );
    return pushed.slice(pushed.lastIndexOf("@") + 1);
  } catch (error) {
    const message = redact(errorText(error), secrets);
    const auth = AUTH_ERROR.test(message);
    throw new MultiarchError(
      auth ? ErrorCode.AUTH_FAILED : ErrorCode.PUSH_FAILED,
      auth
        ? `The registry ${ref.registry} refused the push: check the credentials.`
        : `Pushing to ${repo} failed.`,
      {
        stderr: message,
        cause: error,
        secrets,
        hint: auth
          ? "pass --username and the password of an account allowed to push to this repository"
          : "check that the registry is reachable and has space; no tag was moved",
      },
    );
  }
}

/**
 * Whether a failed push is worth repeating, from the engine's message: not when the registry
 * refused the credentials (it would refuse them again); else yes. A 4xx is retried too: an
 * upload cut off mid-way leaves the registry answering 400 or 404 for that upload session, and
 * the next push starts afresh, skipping what is stored; the attempts stay bounded.
 */
export function retryablePush(message: string): RetryCause | undefined {
  if (AUTH_ERROR.test(message)) return undefined;
  const status = STATUS.exec(message)?.[1];
  const network = /\b(ECONNRESET|ECONNREFUSED|EPIPE|connection reset|broken pipe|EOF)\b/i.exec(
    message,
  )?.[1];
  return { reason: status ?? network ?? "engine error" };
}

/**
 * The judge of a whole push's outcomes: retryablePush, except that a 4xx other than 429 gets
 * only the request's `retries`: it may be an upload cut off mid-way (worth another push), or a
 * registry that refuses the push itself (a manifest it rejects, an immutable tag), which would
 * only answer the same again.
 */
export function pushJudge(
  retries: number | undefined,
): (outcome: Outcome<string>) => RetryCause | undefined {
  const limit = retries ?? DEFAULT_RETRIES;
  let refusals = 0;
  return (outcome) => {
    if (outcome.ok) return undefined;
    const cause = retryablePush(errorText(outcome.error));
    if (cause !== undefined && /^4\d\d$/.test(cause.reason) && cause.reason !== "429") {
      refusals += 1;
      if (refusals > limit) return undefined;
    }
    return cause;
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
