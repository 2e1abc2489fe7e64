/**
 * Registry credentials given once to the module by chaining (`withRegistryAuth`), as Dagger's own
 * Container does, and found again by registry host when a function pushes or reads.
 */
import { func, object, type Secret } from "@dagger.io/dagger";
import { parseReference } from "../registry/reference.js";

/** Credentials for one registry. */
@object()
export class MultiarchRegistryAuth {
  /** The registry host (and port), e.g. ghcr.io or 127.0.0.1:5000. */
  @func()
  registry: string;

  /** The user name. */
  @func()
  username: string;

  /** The password or token. */
  @func()
  secret: Secret;

  constructor(registry: string, username: string, secret: Secret) {
    this.registry = registry;
    this.username = username;
    this.secret = secret;
  }
}

/** The registry host of `address`: an image address, or a bare host[:port]. */
export function registryOf(address: string): string {
  return address.includes("/") ? parseReference(address).registry : address;
}

/**
 * The credentials for `address`: the ones given to this call, else the last ones chained for its
 * registry, else none.
 */
export function credentialsFor(
  auths: readonly MultiarchRegistryAuth[],
  address: string,
  given: { username?: string | undefined; password?: Secret | undefined } = {},
): { username?: string; password?: Secret } {
  if (given.username !== undefined || given.password !== undefined) {
    return {
      ...(given.username === undefined ? {} : { username: given.username }),
      ...(given.password === undefined ? {} : { password: given.password }),
    };
  }
  const registry = registryOf(address);
  const auth = [...auths].reverse().find((a) => a.registry === registry);
  return auth === undefined ? {} : { username: auth.username, password: auth.secret };
}
