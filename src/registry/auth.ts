/**
 * Registry authentication: what a request is authorised with, and how a 401 is answered.
 *
 * Requests go out anonymously until the registry answers 401. A `Basic` challenge makes the
 * client send basic credentials from then on; a `Bearer` challenge makes it fetch a token from the
 * challenge's realm (with basic credentials when it has them) and cache it per scope. An identity
 * token (Docker's, from `docker login` to a registry that issues them) is an OAuth2 refresh token:
 * it is exchanged at the realm by POST (grant_type=refresh_token), as the docker CLI does.
 *
 * Credentials live in private fields; `secrets()` lists every form of them an error must not show.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseChallenge, type AuthChallenge } from "./challenge.js";
import { discard, registryErrorText, safeJson, type Send } from "./transport.js";

/** Tokens without expires_in live 60 s (the distribution token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew a token this long before it expires, so it does not lapse in flight. */
const TOKEN_SLACK_MS = 10_000;
/** A token is kept at least this long, however short its life: one retry must be able to use it. */
const MIN_TOKEN_MS = 1_000;

const tokenResponseSchema = z.object({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});

/** Bearer tokens by scope (`repository:<name>:pull`; "" for /v2/), each until it expires. */
export class TokenCache {
  readonly #tokens = new Map<string, { readonly token: string; readonly expiresAt: number }>();
  readonly #now: () => number;

  /** @param now milliseconds since the epoch; tests pass their own clock */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The token for `scope`, unless it expires within the slack. */
  get(scope: string): string | undefined {
    const cached = this.#tokens.get(scope);
    return cached !== undefined && cached.expiresAt > this.#now() ? cached.token : undefined;
  }

  set(scope: string, token: string, expiresInSeconds = DEFAULT_TOKEN_SECONDS): void {
    const lifetime = Math.max(expiresInSeconds * 1000 - TOKEN_SLACK_MS, MIN_TOKEN_MS);
    this.#tokens.set(scope, { token, expiresAt: this.#now() + lifetime });
  }

  /** Every token ever cached, expired ones included: all must be scrubbed from errors. */
  all(): string[] {
    return [...this.#tokens.values()].map((t) => t.token);
  }
}

export interface RegistryAuthOptions {
  /** `host[:port]`, for messages. */
  readonly registry: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** An identity token (OAuth2 refresh token) instead of a username and password. */
  readonly identityToken?: string | undefined;
  /** How token requests go out. */
  readonly send: Send;
  /** Milliseconds since the epoch (default Date.now): token expiry is measured with it. */
  readonly now?: () => number;
}

export class RegistryAuth {
  readonly username: string | undefined;

  readonly #registry: string;
  readonly #password: string | undefined;
  readonly #identityToken: string | undefined;
  readonly #send: Send;
  readonly #tokens: TokenCache;
  /** Set once the registry asked for Basic auth: later requests send it up front. */
  #basic = false;

  /**
   * @throws MultiarchError INVALID_INPUT for a username without a password or the reverse
   */
  constructor(options: RegistryAuthOptions) {
    const { username, password } = options;
    if (
      (username === undefined || username === "") !== (password === undefined || password === "")
    ) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `Incomplete credentials for registry ${options.registry}: give both a username and a password, or neither.`,
        { secrets: password === undefined ? [] : [password] },
      );
    }
    this.username = username === "" ? undefined : username;
    this.#password = password === "" ? undefined : password;
    this.#identityToken = options.identityToken === "" ? undefined : options.identityToken;
    this.#registry = options.registry;
    this.#send = options.send;
    this.#tokens = new TokenCache(options.now);
  }

  /** The Authorization header for a request in `scope`, when there is one to send. */
  header(scope: string | undefined): string | undefined {
    if (this.#basic) return this.#basicHeader();
    const token = this.#tokens.get(scope ?? "");
    return token === undefined ? undefined : `Bearer ${token}`;
  }

  /**
   * React to a 401: fetch a token, or switch to Basic auth.
   * @returns true when the request is worth sending again
   * @throws MultiarchError AUTH_FAILED when the token service refuses or answers nonsense
   */
  async answer(response: Response, scope: string | undefined): Promise<boolean> {
    const challenges = parseChallenge(response.headers.get("www-authenticate") ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer !== undefined) {
      await discard(response);
      await this.#fetchToken(bearer, scope);
      return true;
    }
    if (challenges.some((c) => c.scheme === "basic") && !this.#basic) {
      if (this.#basicHeader() === undefined) return false; // refusal() explains
      await discard(response);
      this.#basic = true;
      return true;
    }
    return false;
  }

  /**
   * The error for a 401 or 403 that answering the challenge did not cure.
   * @param action the request, e.g. `GET /v2/app/manifests/1.0`
   * @param body the answer's body, quoted when it holds the registry's error codes
   */
  refusal(status: number, operation: string, action: string, body: string): MultiarchError {
    const on = `HTTP ${status} on ${action}${registryErrorText(body)}`;
    const details = { status, operation, secrets: this.secrets() };
    if (status === 403) {
      return new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.#registry} denied ${this.#who()} access (${on}).`,
        {
          ...details,
          hint: "the credentials were accepted but lack permission: check the account's pull/push rights on the repository",
        },
      );
    }
    if (this.username === undefined && this.#identityToken === undefined) {
      return new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.#registry} requires credentials, but none were given (${on}).`,
        {
          ...details,
          hint: "pass a username and password for this registry, or log in to it with docker login",
        },
      );
    }
    return new MultiarchError(
      ErrorCode.AUTH_FAILED,
      `Registry ${this.#registry} refused the credentials of ${this.#who()} (${on}).`,
      { ...details, hint: this.#credentialsHint() },
    );
  }

  /** Everything that must never appear in an error: password, its Basic form, every token. */
  secrets(): string[] {
    const secrets = this.#tokens.all();
    const basic = this.#basicHeader();
    if (basic !== undefined) secrets.push(basic.slice("Basic ".length));
    if (this.#password !== undefined) secrets.push(this.#password);
    if (this.#identityToken !== undefined) secrets.push(this.#identityToken);
    return secrets;
  }

  #basicHeader(): string | undefined {
    if (this.username === undefined || this.#password === undefined) return undefined;
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`).toString("base64")}`;
  }

  /** Get a token from the challenge's realm and cache it under the request's scope. */
  async #fetchToken(challenge: AuthChallenge, scope: string | undefined): Promise<void> {
    const operation = "token";
    const realm = challenge.params["realm"];
    let url: URL;
    try {
      url = new URL(realm ?? "");
    } catch (cause) {
      throw new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.#registry} asked for a bearer token but gave no usable realm URL (${JSON.stringify(realm ?? "")}).`,
        { cause, operation },
      );
    }
    const service = challenge.params["service"];
    if (service !== undefined) url.searchParams.set("service", service);
    for (const s of (challenge.params["scope"] ?? scope ?? "").split(" ").filter(Boolean)) {
      url.searchParams.append("scope", s);
    }

    const headers: Record<string, string> = { "User-Agent": "multiarch" };
    const basic = this.#basicHeader();
    if (basic !== undefined) headers["Authorization"] = basic;
    const [target, init] =
      this.#identityToken === undefined
        ? [url.toString(), { headers }]
        : refreshTokenRequest(url, this.#identityToken, headers);
    const response = await this.#send(target, init, operation);
    const body = await response.text();
    const tokenService = `The token service ${url.origin}${url.pathname} of registry ${this.#registry}`;
    if (!response.ok) {
      throw new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `${tokenService} refused ${this.#who()} (HTTP ${response.status}${registryErrorText(body)}).`,
        {
          status: response.status,
          operation,
          secrets: this.secrets(),
          hint: this.#credentialsHint(),
        },
      );
    }
    const parsed = tokenResponseSchema.safeParse(safeJson(body));
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed.success || token === undefined) {
      throw new MultiarchError(ErrorCode.AUTH_FAILED, `${tokenService} answered without a token.`, {
        status: response.status,
        operation,
        secrets: [...this.secrets(), body],
      });
    }
    this.#tokens.set(scope ?? "", token, parsed.data.expires_in);
  }

  #who(): string {
    if (this.#identityToken !== undefined) return "an identity token";
    return this.username === undefined
      ? "anonymous access"
      : `user ${JSON.stringify(this.username)}`;
  }

  #credentialsHint(): string {
    return this.#identityToken === undefined
      ? `check the username and password for ${this.#registry}`
      : `the identity token for ${this.#registry} may have expired: log in again (docker login)`;
  }
}

/**
 * The OAuth2 token request for an identity token: its query (service, scopes) moved into a form
 * body, the token sent as refresh_token.
 */
function refreshTokenRequest(
  url: URL,
  token: string,
  headers: Record<string, string>,
): [string, RequestInit] {
  const form = new URLSearchParams(url.searchParams);
  form.set("grant_type", "refresh_token");
  form.set("refresh_token", token);
  form.set("client_id", "multiarch");
  return [
    `${url.origin}${url.pathname}`,
    {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    },
  ];
}
