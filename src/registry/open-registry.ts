/**
 * A registry client for an image address, ready to use: credentials resolved (a Dagger secret
 * is read once, here; none given: Docker's config.json and its credential helpers, as `docker`
 * finds them), paired (both or neither, checked by RegistryClient), and the registry asked once
 * whether it answers and takes them, before minutes of building.
 *
 * The engine's own push finds the Docker config's credentials by itself: the Dagger session
 * (run on this machine, with this environment) serves them to the engine (Dagger's
 * engine/client attaches Docker's auth provider). Explicit credentials go to it with
 * withRegistryAuth, which the engine prefers.
 */
import type { Secret } from "@dagger.io/dagger";
import { RegistryClient } from "./client.js";
import { dockerCredentials } from "./docker-credentials.js";
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
  /** Where DOCKER_CONFIG and HOME are read, when no credentials are given (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

export interface OpenRegistry {
  readonly ref: ImageReference;
  readonly registry: RegistryClient;
  /** Plaintext secrets to scrub from anything shown. */
  readonly secrets: readonly string[];
  /** Where the credentials came from when they were not given: the Docker config or a helper. */
  readonly credentialsFrom?: string;
}

/**
 * Parse `address`, resolve its credentials, and (unless `ping` is false) check that the
 * registry answers and accepts them.
 * @throws MultiarchError INVALID_INPUT (address, incomplete credentials, a malformed Docker
 *   config), AUTH_FAILED (also: a Docker credential helper missing or failing), REGISTRY_ERROR
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
  // Explicit credentials win; only without any does Docker's config speak.
  const found =
    username === undefined && password === undefined
      ? await dockerCredentials(ref.registry, login.env)
      : undefined;
  const registry = new RegistryClient({
    registry: ref.registry,
    ...(username === undefined ? {} : { username }),
    ...(secret === undefined ? {} : { password: secret }),
    ...(found?.kind === "password" ? { username: found.username, password: found.password } : {}),
    ...(found?.kind === "identity-token" ? { identityToken: found.token } : {}),
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
  const plaintext =
    found === undefined ? secret : found.kind === "password" ? found.password : found.token;
  return {
    ref,
    registry,
    secrets: plaintext === undefined || plaintext === "" ? [] : [plaintext],
    ...(found === undefined ? {} : { credentialsFrom: found.from }),
  };
}
