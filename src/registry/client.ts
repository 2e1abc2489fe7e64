/**
 * A small client for the OCI distribution API: just what publishing and verifying an image
 * index needs (manifests by tag or digest, blobs, and the registry auth dance).
 *
 * Auth: requests go out anonymously until the registry answers 401. A `Basic` challenge makes the
 * client send basic credentials from then on; a `Bearer` challenge makes it fetch a token from the
 * challenge's realm (with basic credentials when it has them) and cache it per scope.
 *
 * Credentials live in private fields and are scrubbed from every error this client throws.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseChallenge, type AuthChallenge } from "./challenge.js";
import { isDigest, sha256Digest } from "./digest.js";
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES } from "./media-types.js";
import {
  assertDigest,
  assertRegistryHost,
  assertRepository,
  assertTagOrDigest,
  DOCKER_HUB,
  formatReference,
} from "./reference.js";

/** The code for "talking to the registry failed" (unreachable, or an unexpected HTTP answer). */
const REGISTRY_FAILED = ErrorCode.REGISTRY_ERROR;

/** The Accept header for manifests: every index and image manifest type we understand. */
const MANIFEST_ACCEPT = [...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES].join(", ");

export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `127.0.0.1:5000`, `ghcr.io`; `docker.io` means Docker Hub. */
  readonly registry: string;
  readonly username?: string;
  readonly password?: string;
  /** Talk HTTP instead of HTTPS. Default: true for localhost, 127.0.0.0/8 and ::1, else false. */
  readonly plainHttp?: boolean;
  /** Replaces the global fetch (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** Timeout per HTTP request, reading the body included. Default: 120 s. */
  readonly timeoutMs?: number;
}

export interface ManifestResult {
  /** From Content-Type, else the document's own mediaType field, else "". */
  readonly mediaType: string;
  /** Docker-Content-Digest when the registry sends it (checked against the bytes), else sha256. */
  readonly digest: string;
  /** The manifest exactly as stored: re-put these bytes to keep the digest. */
  readonly bytes: Buffer;
  readonly json: unknown;
}

interface RequestSpec {
  readonly method: "GET" | "HEAD" | "PUT" | "DELETE";
  /** Path below the registry root, starting with /v2/. */
  readonly path: string;
  /** Token scope (`repository:<name>:pull[,push]`); none for /v2/. */
  readonly scope?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Statuses the caller handles itself besides 2xx (e.g. 404). */
  readonly expected?: readonly number[];
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/** Tokens without expires_in live 60 s (the distribution token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew a token this long before it expires, so it does not lapse in flight. */
const TOKEN_SLACK_MS = 10_000;
/** How much of an error body to quote. */
const MAX_ERROR_BODY = 2_000;

const registryErrorsSchema = z.object({
  errors: z.array(
    z.object({
      code: z.string().optional(),
      message: z.string().optional(),
      detail: z.unknown().optional(),
    }),
  ),
});

const tokenResponseSchema = z.object({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});

export class RegistryClient {
  /** The registry as given, e.g. `127.0.0.1:5000`. */
  readonly registry: string;
  /** Where requests go, e.g. `http://127.0.0.1:5000`. */
  readonly baseUrl: string;
  readonly username: string | undefined;

  readonly #password: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  /** Set once the registry asked for Basic auth: later requests send it up front. */
  #basic = false;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(options: RegistryClientOptions) {
    assertRegistryHost(options.registry);
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
    this.registry = options.registry;
    this.username = username === "" ? undefined : username;
    this.#password = password === "" ? undefined : password;
    // Docker Hub's API is not served on the name images use.
    const apiHost = options.registry === DOCKER_HUB ? "registry-1.docker.io" : options.registry;
    const plainHttp = options.plainHttp ?? isLoopback(apiHost);
    this.baseUrl = `${plainHttp ? "http" : "https"}://${apiHost}`;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `registry/repository:tag` or `registry/repository@digest`, for messages. */
  describe(repository: string, reference: string): string {
    return formatReference({
      registry: this.registry,
      repository,
      ...(isDigest(reference) ? { digest: reference } : { tag: reference }),
    });
  }

  /**
   * Check that the registry answers the v2 API and accepts our credentials (if it wants any).
   * @throws MultiarchError AUTH_FAILED, REGISTRY_ERROR (unreachable or not a registry)
   */
  async ping(): Promise<void> {
    const response = await this.#request({ method: "GET", path: "/v2/" });
    await discard(response);
  }

  /**
   * Fetch a manifest or index by tag or digest, byte for byte.
   * @returns undefined when the registry has no such manifest (or no such repository): an
   *   absent tag is a normal answer, not an error.
   * @throws MultiarchError VERIFY_FAILED when the bytes do not match the digest
   */
  async getManifest(repository: string, reference: string): Promise<ManifestResult | undefined> {
    assertRepository(repository);
    assertTagOrDigest(reference);
    const response = await this.#request({
      method: "GET",
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pullScope(repository),
      headers: { Accept: MANIFEST_ACCEPT },
      expected: [404],
    });
    if (response.status === 404) {
      await discard(response);
      return undefined;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const where = this.describe(repository, reference);
    const digest = this.#checkDigest(
      bytes,
      response,
      where,
      isDigest(reference) ? reference : undefined,
    );
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (cause) {
      throw new MultiarchError(ErrorCode.VERIFY_FAILED, `The manifest ${where} is not JSON.`, {
        cause,
      });
    }
    return { mediaType: manifestMediaType(response, json), digest, bytes, json };
  }

  /**
   * The digest a tag (or digest) resolves to, without downloading the manifest when the registry
   * sends Docker-Content-Digest.
   * @returns undefined when absent
   */
  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    assertRepository(repository);
    assertTagOrDigest(reference);
    const response = await this.#request({
      method: "HEAD",
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pullScope(repository),
      headers: { Accept: MANIFEST_ACCEPT },
      expected: [404],
    });
    await discard(response);
    if (response.status === 404) return undefined;
    const digest = response.headers.get("docker-content-digest");
    if (digest !== null && digest !== "") return digest;
    return (await this.getManifest(repository, reference))?.digest;
  }

  /**
   * Store `bytes` as a manifest under `reference` (a tag, or the bytes' own digest). The bytes
   * are sent unchanged, so putting an index's bytes under a new tag gives the same digest.
   * @returns the manifest's digest
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    assertRepository(repository);
    assertTagOrDigest(reference);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `Cannot put a manifest under digest ${reference}: its bytes have digest ${digest}.`,
        { given: reference, expected: digest, hint: "put it under a tag or under its own digest" },
      );
    }
    const response = await this.#request({
      method: "PUT",
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pushScope(repository),
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    await discard(response);
    const stored = response.headers.get("docker-content-digest");
    if (stored !== null && isDigest(stored) && stored !== digest) {
      throw new MultiarchError(
        ErrorCode.VERIFY_FAILED,
        `Registry ${this.registry} stored the manifest ${this.describe(repository, reference)} as ${stored}, but its bytes have digest ${digest}.`,
        { hint: "the registry rewrote the manifest; it cannot be published byte for byte there" },
      );
    }
    return digest;
  }

  /**
   * Download a blob and check it against its digest.
   * @throws MultiarchError VERIFY_FAILED on a digest mismatch; REGISTRY_ERROR when it is missing
   */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    assertRepository(repository);
    assertDigest(digest);
    const response = await this.#request({
      method: "GET",
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pullScope(repository),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new MultiarchError(
        ErrorCode.VERIFY_FAILED,
        `Blob ${digest} from ${this.registry}/${repository} has the wrong content: its digest is ${actual}.`,
        { hint: "the registry's storage may be corrupt, or a proxy altered the download" },
      );
    }
    return bytes;
  }

  /** Whether the repository holds the blob (HEAD, nothing downloaded). */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    assertRepository(repository);
    assertDigest(digest);
    const response = await this.#request({
      method: "HEAD",
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pullScope(repository),
      expected: [404],
    });
    await discard(response);
    return response.status !== 404;
  }

  /**
   * Delete a manifest by digest (the distribution API deletes by digest only, and the registry
   * must allow deletes). Tags pointing at it go with it.
   * @returns false when there was no such manifest
   */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    assertRepository(repository);
    assertDigest(digest);
    const response = await this.#request({
      method: "DELETE",
      path: `/v2/${repository}/manifests/${digest}`,
      scope: deleteScope(repository),
      expected: [404],
    });
    await discard(response);
    return response.status !== 404;
  }

  // --- transport and auth --------------------------------------------------------------------

  /** Send a request, answering one auth challenge; a status not 2xx or `expected` throws. */
  async #request(spec: RequestSpec): Promise<Response> {
    let response = await this.#send(spec);
    if (response.status === 401 && (await this.#answerChallenge(response, spec))) {
      response = await this.#send(spec);
    }
    if (response.ok || spec.expected?.includes(response.status)) return response;
    if (response.status === 401 || response.status === 403) {
      throw await this.#authError(response, spec);
    }
    throw await this.#httpError(response, spec);
  }

  async #send(spec: RequestSpec): Promise<Response> {
    const headers: Record<string, string> = { "User-Agent": "multiarch", ...spec.headers };
    const authorization = this.#authorization(spec.scope);
    if (authorization !== undefined) headers["Authorization"] = authorization;
    const url = `${this.baseUrl}${spec.path}`;
    return this.#fetchOrThrow(url, this.baseUrl, {
      method: spec.method,
      headers,
      ...(spec.body === undefined ? {} : { body: spec.body }),
    });
  }

  /** fetch, with network failures and timeouts turned into errors that say what to check. */
  async #fetchOrThrow(url: string, server: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      const reason = describeNetworkError(cause);
      const tls = /ssl|tls|certificate|wrong version number|EPROTO/i.test(reason);
      throw new MultiarchError(REGISTRY_FAILED, `Cannot reach registry ${server}: ${reason}.`, {
        cause,
        secrets: this.#secrets(),
        hint: tls
          ? "the HTTPS handshake failed: if the registry serves plain HTTP, set plainHttp: true"
          : `check that a registry is running at ${server} (host and port), that it is reachable ` +
            "from here, and whether it serves HTTP or HTTPS (plainHttp)",
      });
    }
  }

  #authorization(scope: string | undefined): string | undefined {
    if (this.#basic) return this.#basicHeader();
    const cached = this.#tokens.get(scope ?? "");
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    return undefined;
  }

  #basicHeader(): string | undefined {
    if (this.username === undefined || this.#password === undefined) return undefined;
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`).toString("base64")}`;
  }

  /** React to a 401: true when the request is worth sending again with new credentials. */
  async #answerChallenge(response: Response, spec: RequestSpec): Promise<boolean> {
    const challenges = parseChallenge(response.headers.get("www-authenticate") ?? "");
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer !== undefined) {
      await discard(response);
      await this.#fetchToken(bearer, spec.scope);
      return true;
    }
    if (challenges.some((c) => c.scheme === "basic") && !this.#basic) {
      if (this.#basicHeader() === undefined) return false; // #authError explains
      await discard(response);
      this.#basic = true;
      return true;
    }
    return false;
  }

  /** Get a token from the challenge's realm and cache it under the request's scope. */
  async #fetchToken(challenge: AuthChallenge, scope: string | undefined): Promise<void> {
    const realm = challenge.params["realm"];
    let url: URL;
    try {
      url = new URL(realm ?? "");
    } catch (cause) {
      throw new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.registry} asked for a bearer token but gave no usable realm URL (${JSON.stringify(realm ?? "")}).`,
        { cause },
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
    const response = await this.#fetchOrThrow(url.toString(), url.origin, { headers });
    const body = await response.text();
    if (!response.ok) {
      throw new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `The token service ${url.origin}${url.pathname} of registry ${this.registry} refused ${this.#who()} (HTTP ${response.status}${registryErrorText(body)}).`,
        { secrets: this.#secrets(), hint: this.#credentialsHint() },
      );
    }
    const parsed = tokenResponseSchema.safeParse(safeJson(body));
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed.success || token === undefined) {
      throw new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `The token service ${url.origin}${url.pathname} of registry ${this.registry} answered without a token.`,
        { secrets: [...this.#secrets(), body] },
      );
    }
    const seconds = parsed.data.expires_in ?? DEFAULT_TOKEN_SECONDS;
    this.#tokens.set(scope ?? "", {
      token,
      expiresAt: Date.now() + Math.max(seconds * 1000 - TOKEN_SLACK_MS, 1_000),
    });
  }

  async #authError(response: Response, spec: RequestSpec): Promise<MultiarchError> {
    const body = spec.method === "HEAD" ? "" : await response.text().catch(() => "");
    const action = `${spec.method} ${spec.path}`;
    const registryText = registryErrorText(body);
    if (response.status === 403) {
      return new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.registry} denied ${this.#who()} access (HTTP 403 on ${action}${registryText}).`,
        {
          secrets: this.#secrets(),
          hint: "the credentials were accepted but lack permission: check the account's pull/push rights on the repository",
        },
      );
    }
    if (this.username === undefined) {
      return new MultiarchError(
        ErrorCode.AUTH_FAILED,
        `Registry ${this.registry} requires credentials, but none were given (HTTP 401 on ${action}${registryText}).`,
        { secrets: this.#secrets(), hint: "pass a username and password for this registry" },
      );
    }
    return new MultiarchError(
      ErrorCode.AUTH_FAILED,
      `Registry ${this.registry} refused the credentials of ${this.#who()} (HTTP 401 on ${action}${registryText}).`,
      { secrets: this.#secrets(), hint: this.#credentialsHint() },
    );
  }

  async #httpError(response: Response, spec: RequestSpec): Promise<MultiarchError> {
    const body = spec.method === "HEAD" ? "" : await response.text().catch(() => "");
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    return new MultiarchError(
      REGISTRY_FAILED,
      `Registry ${this.registry} answered ${status} to ${spec.method} ${spec.path}${registryErrorText(body)}.`,
      { secrets: this.#secrets() },
    );
  }

  /** The manifest's digest, after checking the bytes against every sha256 claim about them. */
  #checkDigest(bytes: Buffer, response: Response, where: string, wanted?: string): string {
    const actual = sha256Digest(bytes);
    const header = response.headers.get("docker-content-digest") ?? undefined;
    const claims = [
      { claim: wanted, source: "the requested digest" },
      { claim: header, source: "the registry's Docker-Content-Digest" },
    ];
    for (const { claim, source } of claims) {
      // A claim in another algorithm cannot be checked against our sha256; trust the registry.
      if (claim?.startsWith("sha256:") && claim !== actual) {
        throw new MultiarchError(
          ErrorCode.VERIFY_FAILED,
          `The manifest ${where} does not match ${source} ${claim}: its bytes have digest ${actual}.`,
          { hint: "the registry's storage may be corrupt, or a proxy altered the download" },
        );
      }
    }
    return header !== undefined && header !== "" ? header : actual;
  }

  #who(): string {
    return this.username === undefined
      ? "anonymous access"
      : `user ${JSON.stringify(this.username)}`;
  }

  #credentialsHint(): string {
    return `check the username and password for ${this.registry}`;
  }

  /** Everything that must never appear in an error. */
  #secrets(): string[] {
    const secrets = [...this.#tokens.values()].map((t) => t.token);
    const basic = this.#basicHeader();
    if (basic !== undefined) secrets.push(basic.slice("Basic ".length));
    if (this.#password !== undefined) secrets.push(this.#password);
    return secrets;
  }
}

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function deleteScope(repository: string): string {
  return `repository:${repository}:delete`;
}

function isLoopback(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.split(":")[0];
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name ?? "");
}

/** Free the connection of a response whose body we do not need. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `: CODE: message; CODE: message` from a registry error body, or a quote of a non-JSON one. */
function registryErrorText(body: string): string {
  if (body.trim() === "") return "";
  const parsed = registryErrorsSchema.safeParse(safeJson(body));
  if (!parsed.success) return `: ${body.trim().slice(0, MAX_ERROR_BODY)}`;
  const parts = parsed.data.errors.map((e) => {
    const detail = e.detail === undefined ? "" : ` (${JSON.stringify(e.detail)})`;
    return `${e.code ?? "UNKNOWN"}: ${e.message ?? ""}${detail}`;
  });
  return `: ${parts.join("; ").slice(0, MAX_ERROR_BODY)}`;
}

/** The innermost useful text of a fetch failure (undici wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "no answer before the timeout";
  }
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    const message = current.message;
    messages.push(
      typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message,
    );
    current = current.cause;
  }
  return messages.at(-1) ?? String(error);
}

function manifestMediaType(response: Response, json: unknown): string {
  const header = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (header !== "" && header !== "application/json" && header !== "application/octet-stream") {
    return header;
  }
  const field = (json as { mediaType?: unknown } | null)?.mediaType;
  return typeof field === "string" ? field : header;
}
