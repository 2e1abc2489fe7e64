/**
 * A small client for the OCI distribution API: just what publishing and verifying an image
 * index needs (manifests by tag or digest, blobs). Authentication is auth.ts's, fetch and its
 * network failures transport.ts's; this file says which request an operation is and what its
 * answer means.
 *
 * Every error is neutral about why the caller asked: REGISTRY_ERROR (unreachable, an HTTP error,
 * or bytes that are not what was asked for), AUTH_FAILED or INVALID_INPUT, with `status` and
 * `operation` in its details. Whether wrong bytes fail a verification is verify's to decide.
 */
import { ErrorCode, MultiarchError, type MultiarchErrorOptions } from "../common/errors.js";
import { RegistryAuth } from "./auth.js";
import { isDigest, sha256Digest } from "./digest.js";
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES, MediaType } from "./media-types.js";
import {
  assertDigest,
  assertRegistryHost,
  assertRepository,
  assertTagOrDigest,
  DOCKER_HUB,
  formatReference,
} from "./reference.js";
import { retryPolicy } from "./retry.js";
import {
  createTransport,
  defaultFetch,
  discard,
  registryErrorText,
  type RequestRetry,
  type Send,
} from "./transport.js";

/** The Accept header for manifests: every index and image manifest type we understand. */
const MANIFEST_ACCEPT = [...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES].join(", ");

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The largest manifest or index read (4 MiB, the limit the distribution spec lets registries
 * set and the one distribution/distribution and containerd use): a longer answer is refused
 * unread, REGISTRY_ERROR.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Every request the client makes on a repository, by the name errors give it (`operation`):
 * its method, what it addresses, and the token scope it needs.
 */
const OPERATIONS = {
  "GET manifest": { method: "GET", kind: "manifests", byDigestOnly: false, access: "pull" },
  "HEAD manifest": { method: "HEAD", kind: "manifests", byDigestOnly: false, access: "pull" },
  "PUT manifest": { method: "PUT", kind: "manifests", byDigestOnly: false, access: "pull,push" },
  // The distribution API deletes manifests by digest only.
  "DELETE manifest": { method: "DELETE", kind: "manifests", byDigestOnly: true, access: "delete" },
  "GET blob": { method: "GET", kind: "blobs", byDigestOnly: true, access: "pull" },
  "HEAD blob": { method: "HEAD", kind: "blobs", byDigestOnly: true, access: "pull" },
  // OCI 1.1: the manifests whose `subject` is a digest; 404 where the registry has no such API.
  "GET referrers": { method: "GET", kind: "referrers", byDigestOnly: true, access: "pull" },
} as const;

type Operation = keyof typeof OPERATIONS;

export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `127.0.0.1:5000`, `ghcr.io`; `docker.io` means Docker Hub. */
  readonly registry: string;
  readonly username?: string;
  readonly password?: string;
  /** An identity token (Docker's OAuth2 refresh token) instead of a username and password. */
  readonly identityToken?: string;
  /** Talk HTTP instead of HTTPS. Default: true for localhost, 127.0.0.0/8 and ::1, else false. */
  readonly plainHttp?: boolean;
  /** Replaces the global fetch (tests). Default: Node's, through HTTPS_PROXY etc. when set. */
  readonly fetch?: typeof fetch;
  /**
   * Retries of a request the registry answered 429 or 5xx, or whose connection failed (default
   * 4, at most 10; 0: none). Never for 401, 403, 404 or another 4xx.
   */
  readonly retries?: number;
  /** Replaces the waits between retries (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Timeout per HTTP request, reading the body included. Default: 120 s. */
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch, for token expiry. Default: Date.now (tests pass a clock). */
  readonly now?: () => number;
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

/** What a registry answered to a manifest put. */
export interface PutManifestResult {
  readonly digest: string;
  /**
   * The OCI-Subject header: the registry has the referrers API and indexed the manifest's
   * `subject` (OCI distribution 1.1). Absent when it has no such API.
   */
  readonly subject?: string;
}

interface RequestSpec {
  readonly operation: Operation | "ping" | "POST blob upload" | "PUT blob upload";
  readonly method: string;
  /** Path below the registry root, starting with /v2/. */
  readonly path: string;
  /** Token scope (`repository:<name>:pull[,push]`); none for /v2/. */
  readonly scope?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** The most body bytes to read (see Send). */
  readonly maxBytes?: number;
}

export class RegistryClient {
  /** The registry as given, e.g. `127.0.0.1:5000`. */
  readonly registry: string;
  /** Where requests go, e.g. `http://127.0.0.1:5000`. */
  readonly baseUrl: string;
  /** The user the client logs in as; undefined for anonymous access. */
  readonly username: string | undefined;

  readonly #auth: RegistryAuth;
  readonly #send: Send;
  readonly #retryListeners = new Set<(retry: RequestRetry) => void>();

  constructor(options: RegistryClientOptions) {
    assertRegistryHost(options.registry);
    this.registry = options.registry;
    // Docker Hub's API is not served on the name images use.
    const apiHost = options.registry === DOCKER_HUB ? "registry-1.docker.io" : options.registry;
    const plainHttp = options.plainHttp ?? isLoopback(apiHost);
    this.baseUrl = `${plainHttp ? "http" : "https"}://${apiHost}`;
    this.#send = createTransport({
      fetch: options.fetch ?? defaultFetch(),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      secrets: () => this.#auth.secrets(),
      retry: retryPolicy(options.retries),
      onRetry: (retry) => this.#retryListeners.forEach((listener) => listener(retry)),
      sleep: options.sleep,
    });
    this.#auth = new RegistryAuth({
      registry: options.registry,
      username: options.username,
      password: options.password,
      identityToken: options.identityToken,
      send: this.#send,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.username = this.#auth.username;
  }

  /**
   * Be told of every retry from now on (for progress output).
   * @returns a function that stops telling
   */
  onRetry(listener: (retry: RequestRetry) => void): () => void {
    this.#retryListeners.add(listener);
    return () => this.#retryListeners.delete(listener);
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
    await discard(await this.#request({ operation: "ping", method: "GET", path: "/v2/" }));
  }

  /**
   * Fetch a manifest or index by tag or digest, byte for byte.
   * @returns undefined when the registry has no such manifest (or no such repository): an
   *   absent tag is a normal answer, not an error.
   * @throws MultiarchError REGISTRY_ERROR (with the answer's `status`) when the bytes are not
   *   JSON, do not match the requested digest or Docker-Content-Digest, or are more than
   *   MAX_MANIFEST_BYTES (refused without reading the rest)
   */
  async getManifest(repository: string, reference: string): Promise<ManifestResult | undefined> {
    const operation = "GET manifest";
    const response = await this.#find({
      ...this.#spec(operation, repository, reference),
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (response === undefined) return undefined;
    const bytes = Buffer.from(await response.arrayBuffer());
    const where = this.describe(repository, reference);
    const actual = sha256Digest(bytes);
    const header = response.headers.get("docker-content-digest") ?? undefined;
    const claims = [
      { claim: isDigest(reference) ? reference : undefined, source: "the requested digest" },
      { claim: header, source: "its Docker-Content-Digest" },
    ];
    for (const { claim, source } of claims) {
      // A claim in another algorithm cannot be checked against our sha256; trust the registry.
      if (claim?.startsWith("sha256:") && claim !== actual) {
        throw this.#servedWrong(
          response,
          operation,
          `For the manifest ${where}, the registry served bytes whose digest is ${actual}, not ${claim} (${source}).`,
        );
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (cause) {
      throw this.#servedWrong(response, operation, `The manifest ${where} is not JSON.`, {
        cause,
      });
    }
    return {
      mediaType: manifestMediaType(response, json),
      digest: header !== undefined && header !== "" ? header : actual,
      bytes,
      json,
    };
  }

  /**
   * The digest a tag (or digest) resolves to, without downloading the manifest when the registry
   * sends Docker-Content-Digest.
   * @returns undefined when absent
   */
  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.#find(this.#spec("HEAD manifest", repository, reference));
    if (response === undefined) return undefined;
    await discard(response);
    const digest = response.headers.get("docker-content-digest");
    if (digest !== null && digest !== "") return digest;
    return (await this.getManifest(repository, reference))?.digest;
  }

  /**
   * Store `bytes` as a manifest under `reference` (a tag, or the bytes' own digest). The bytes
   * are sent unchanged, so putting an index's bytes under a new tag gives the same digest.
   * @returns the manifest's digest
   * @throws MultiarchError INVALID_INPUT for a digest that is not the bytes' own;
   *   REGISTRY_ERROR when the registry stored them under another digest (it rewrote them)
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    return (await this.pushManifest(repository, reference, bytes, mediaType)).digest;
  }

  /** putManifest, also telling whether the registry indexed the manifest's `subject`. */
  async pushManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<PutManifestResult> {
    const operation = "PUT manifest";
    const spec = this.#spec(operation, repository, reference);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `Cannot put a manifest under digest ${reference}: its bytes have digest ${digest}.`,
        { given: reference, expected: digest, hint: "put it under a tag or under its own digest" },
      );
    }
    const response = await this.#request({
      ...spec,
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    await discard(response);
    const stored = response.headers.get("docker-content-digest");
    if (stored !== null && isDigest(stored) && stored !== digest) {
      throw this.#servedWrong(
        response,
        operation,
        `Registry ${this.registry} stored the manifest ${this.describe(repository, reference)} as ${stored}, but its bytes have digest ${digest}.`,
        { hint: "the registry rewrote the manifest; it cannot be published byte for byte there" },
      );
    }
    const subject = response.headers.get("oci-subject");
    return { digest, ...(subject !== null && isDigest(subject) ? { subject } : {}) };
  }

  /**
   * Store `bytes` as a blob unless the repository has it already (a POST opening an upload, then
   * one PUT with every byte: attestations are small).
   * @returns the blob's digest
   */
  async putBlob(repository: string, bytes: Uint8Array): Promise<string> {
    assertRepository(repository);
    const digest = sha256Digest(bytes);
    if (await this.blobExists(repository, digest)) return digest;
    const started = await this.#request({
      operation: "POST blob upload",
      method: "POST",
      path: `/v2/${repository}/blobs/uploads/`,
      scope: `repository:${repository}:pull,push`,
    });
    await discard(started);
    await this.#upload(started, repository, digest, bytes);
    return digest;
  }

  /**
   * The referrers of a manifest by the OCI 1.1 referrers API: an image index whose entries are
   * the manifests whose `subject` is `digest`.
   * @returns undefined when the registry has no referrers API (it answers 404)
   */
  async getReferrers(repository: string, digest: string): Promise<ManifestResult | undefined> {
    const operation = "GET referrers";
    const response = await this.#find({
      ...this.#spec(operation, repository, digest),
      headers: { Accept: MediaType.OCI_INDEX },
      maxBytes: MAX_MANIFEST_BYTES,
    });
    if (response === undefined) return undefined;
    const bytes = Buffer.from(await response.arrayBuffer());
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (cause) {
      throw this.#servedWrong(
        response,
        operation,
        `The referrers of ${this.describe(repository, digest)} are not JSON.`,
        { cause },
      );
    }
    return {
      mediaType: manifestMediaType(response, json),
      digest: sha256Digest(bytes),
      bytes,
      json,
    };
  }

  /**
   * Download a blob and check it against its digest.
   * @throws MultiarchError REGISTRY_ERROR when it is missing (status 404) or the bytes do not
   *   match the digest (status 200)
   */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const operation = "GET blob";
    const response = await this.#request(this.#spec(operation, repository, digest));
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw this.#servedWrong(
        response,
        operation,
        `For blob ${digest} of ${this.registry}/${repository}, the registry served bytes whose digest is ${actual}.`,
        { hint: "the registry's storage may be corrupt, or a proxy altered the download" },
      );
    }
    return bytes;
  }

  /** Whether the repository holds the blob (HEAD, nothing downloaded). */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    return this.#exists(this.#spec("HEAD blob", repository, digest));
  }

  /**
   * Make blob `digest` of repository `from` (same registry) a blob of `repository` too: by a
   * cross-repository mount when the registry offers one (nothing is transferred), else by
   * downloading it (checked against its digest) and uploading it in one piece.
   * @returns how: "present" (already there), "mounted" or "copied"
   * @throws MultiarchError REGISTRY_ERROR (the source lacks the blob, an upload refused),
   *   AUTH_FAILED
   */
  async copyBlob(
    from: string,
    repository: string,
    digest: string,
  ): Promise<"present" | "mounted" | "copied"> {
    assertRepository(from);
    assertRepository(repository);
    assertDigest(digest);
    if (await this.blobExists(repository, digest)) return "present";
    const query = new URLSearchParams({ mount: digest, from });
    const started = await this.#request({
      operation: "POST blob upload",
      method: "POST",
      path: `/v2/${repository}/blobs/uploads/?${query.toString()}`,
      scope: `repository:${repository}:pull,push repository:${from}:pull`,
    });
    await discard(started);
    // 201: mounted. 202: the registry would not mount, and opened an upload session instead.
    if (started.status === 201) return "mounted";
    await this.#upload(started, repository, digest, await this.getBlob(from, digest));
    return "copied";
  }

  /**
   * Delete a manifest by digest (the registry must allow deletes). Tags pointing at it go with it.
   * @returns false when there was no such manifest
   */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.#exists(this.#spec("DELETE manifest", repository, digest));
  }

  /** Send every byte of a blob to the upload session `started` opened (its Location). */
  async #upload(
    started: Response,
    repository: string,
    digest: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const location = new URL(started.headers.get("location") ?? "", `${this.baseUrl}/`);
    if (location.origin !== this.baseUrl || !location.pathname.startsWith("/v2/")) {
      throw new MultiarchError(
        ErrorCode.REGISTRY_ERROR,
        `Registry ${this.registry} gave an upload location outside itself (${location.origin}).`,
        { operation: "POST blob upload", status: started.status },
      );
    }
    location.searchParams.set("digest", digest);
    const done = await this.#request({
      operation: "PUT blob upload",
      method: "PUT",
      path: `${location.pathname}${location.search}`,
      scope: `repository:${repository}:pull,push`,
      headers: { "Content-Type": "application/octet-stream" },
      body: bytes,
    });
    await discard(done);
  }

  // --- requests --------------------------------------------------------------------------------

  /** The request for `operation` on one manifest or blob; bad names are refused before sending. */
  #spec(operation: Operation, repository: string, reference: string): RequestSpec {
    const { method, kind, byDigestOnly, access } = OPERATIONS[operation];
    assertRepository(repository);
    if (byDigestOnly) assertDigest(reference);
    else assertTagOrDigest(reference);
    return {
      operation,
      method,
      path: `/v2/${repository}/${kind}/${reference}`,
      scope: `repository:${repository}:${access}`,
      ...(kind === "manifests" && (method === "GET" || method === "HEAD")
        ? { headers: { Accept: MANIFEST_ACCEPT } }
        : {}),
    };
  }

  /** The answer, or undefined when the registry has no such thing (404). */
  async #find(spec: RequestSpec): Promise<Response | undefined> {
    const response = await this.#request(spec, [404]);
    if (response.status !== 404) return response;
    await discard(response);
    return undefined;
  }

  /** True when the request found what it addresses; nothing is read. */
  async #exists(spec: RequestSpec): Promise<boolean> {
    const response = await this.#find(spec);
    if (response !== undefined) await discard(response);
    return response !== undefined;
  }

  /** Send a request, answering one auth challenge; a status not 2xx or `expected` throws. */
  async #request(spec: RequestSpec, expected: readonly number[] = []): Promise<Response> {
    let response = await this.#sendOnce(spec);
    if (response.status === 401 && (await this.#auth.answer(response, spec.scope))) {
      response = await this.#sendOnce(spec);
    }
    if (response.ok || expected.includes(response.status)) return response;
    const body = spec.method === "HEAD" ? "" : await response.text().catch(() => "");
    const action = `${spec.method} ${spec.path}`;
    if (response.status === 401 || response.status === 403) {
      throw this.#auth.refusal(response.status, spec.operation, action, body);
    }
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    throw new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `Registry ${this.registry} answered ${status} to ${action}${registryErrorText(body)}.`,
      { status: response.status, operation: spec.operation, secrets: this.#auth.secrets() },
    );
  }

  async #sendOnce(spec: RequestSpec): Promise<Response> {
    const headers: Record<string, string> = { "User-Agent": "multiarch", ...spec.headers };
    const authorization = this.#auth.header(spec.scope);
    if (authorization !== undefined) headers["Authorization"] = authorization;
    return this.#send(
      `${this.baseUrl}${spec.path}`,
      { method: spec.method, headers, ...(spec.body === undefined ? {} : { body: spec.body }) },
      spec.operation,
      spec.maxBytes,
    );
  }

  /** The registry answered (2xx), but what it served or stored is not what was asked for. */
  #servedWrong(
    response: Response,
    operation: Operation,
    message: string,
    options: MultiarchErrorOptions = {},
  ): MultiarchError {
    return new MultiarchError(ErrorCode.REGISTRY_ERROR, message, {
      ...options,
      status: response.status,
      operation,
      secrets: this.#auth.secrets(),
    });
  }
}

function isLoopback(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.split(":")[0];
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name ?? "");
}

function manifestMediaType(response: Response, json: unknown): string {
  const header = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (header !== "" && header !== "application/json" && header !== "application/octet-stream") {
    return header;
  }
  const field = (json as { mediaType?: unknown } | null)?.mediaType;
  return typeof field === "string" ? field : header;
}
