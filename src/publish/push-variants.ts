/**
 * Step: the engine pushes every built variant as one index under the first tag. Its failure is
 * AUTH_FAILED when the registry refused the credentials, else PUSH_FAILED.
 */
import type { Secret } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError, redact } from "../common/errors.js";
import type { BuiltVariant } from "../engine/variants.js";
import { imageFormat, type Compression, type MediaTypeFamily } from "../plan/image-format.js";
import type { OpenRegistry } from "../registry/open-registry.js";

/** Registry errors from the engine that mean "your credentials are wrong or missing". */
const AUTH_ERROR =
  /\b(401|403|unauthori[sz]ed|denied|authentication required|insufficient_scope)\b/i;

export interface PushOptions {
  readonly tag: string;
  readonly username?: string | undefined;
  /** The engine needs the password as a Dagger secret. */
  readonly password?: Secret | undefined;
  readonly mediaTypes: MediaTypeFamily;
  readonly compression: Compression;
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
    const pushed = await publisher.publish(`${repo}:${options.tag}`, {
      platformVariants: others.map((v) => v.container),
      ...imageFormat(options.mediaTypes, options.compression),
    });
    return pushed.slice(pushed.lastIndexOf("@") + 1);
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
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
          : "check that the registry is reachable and has space; nothing was tagged",
      },
    );
  }
}
