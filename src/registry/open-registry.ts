/**
 * A registry client for an image address, ready to use: credentials resolved (a Dagger secret
 * is read once, here), paired (both or neither, checked by RegistryClient), and the registry
 * asked once whether it answers and takes them, before minutes of building.
 */
import type { Secret } from "@dagger.io/dagger";
import { RegistryClient } from "./client.js";
import type { RequestRetry } from "./transport.js";
import { parseReference, type ImageReference } from "./reference.js";

export interface RegistryLogin {
  readonly username?: string | undefined;
  /** Plaintext, or a Dagger secret (read here). */
  readonly password?: string | Secret | undefined;
  /** Plain HTTP instead of HTTPS; default: only for loopback addresses. */
  readonly plainHttp?: boolean | undefined;
  /** Retries of a request that failed for a moment (see RegistryClientOptions.retries). */
  readonly retries?: number | undefined;
}

export interface OpenRegistry {
  readonly ref: ImageReference;
  readonly registry: RegistryClient;
  /** Plaintext secrets to scrub from anything shown. */
  readonly secrets: readonly string[];
}

/**
 * Parse `address`, resolve its credentials, and (unless `ping` is false) check that the
 * registry answers and accepts them.
 * @throws MultiarchError INVALID_INPUT (address, incomplete credentials), AUTH_FAILED,
 *   REGISTRY_ERROR
 */
export async function openRegistry(
  address: string | ImageReference,
  login: RegistryLogin = {},
  options: {
    readonly ping?: boolean;
    /** Told of each retry of the ping (a registry slow to answer is not silent). */
    readonly onRetry?: (retry: RequestRetry) => void;
  } = {},
): Promise<OpenRegistry> {
  const ref = typeof address === "string" ? parseReference(address) : address;
  const { username, password, plainHttp, retries } = login;
  const secret =
    password === undefined || typeof password === "string" ? password : await password.plaintext();
  const registry = new RegistryClient({
    registry: ref.registry,
    ...(username === undefined ? {} : { username }),
    ...(secret === undefined ? {} : { password: secret }),
    ...(plainHttp === undefined ? {} : { plainHttp }),
    ...(retries === undefined ? {} : { retries }),
  });
  if (options.ping !== false) {
    const stop = options.onRetry === undefined ? undefined : registry.onRetry(options.onRetry);
    try {
      await registry.ping();
    } finally {
      stop?.();
    }
  }
  return { ref, registry, secrets: secret === undefined || secret === "" ? [] : [secret] };
}
