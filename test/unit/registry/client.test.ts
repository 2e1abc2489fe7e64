// RegistryClient against a scripted fetch: the auth flows a local registry cannot show (bearer
// tokens), failures that are hard to provoke for real, and what errors may contain.
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { MAX_MANIFEST_BYTES, RegistryClient } from "../../../src/registry/client.js";
import { sha256Digest } from "../../../src/registry/digest.js";
import { readIndex } from "../../../src/registry/image-index.js";
import { MediaType } from "../../../src/registry/media-types.js";
import type { RequestRetry } from "../../../src/registry/transport.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const USER = "alice";
const PASSWORD = "s3cret-P@ss/word";
const TOKEN = "tok-0123456789";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

type Handler = (req: Seen) => Response | Promise<Response>;

/** A fetch that records every request and answers with `handler`. */
function scripted(handler: Handler): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = {
      method: init?.method ?? "GET",
      url: new URL(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
    };
    seen.push(req);
    return handler(req);
  };
  return { fetch: fake, seen };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function unauthorized(challenge: string, body: unknown = undefined): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status: 401,
    headers: { "WWW-Authenticate": challenge, "Content-Type": "application/json" },
  });
}

const MANIFEST_BYTES = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: `sha256:${"c".repeat(64)}`, size: 2 },
    layers: [],
  }),
);
const MANIFEST_DIGEST = sha256Digest(MANIFEST_BYTES);

function manifestResponse(bytes: Buffer = MANIFEST_BYTES, digest = sha256Digest(bytes)): Response {
  return new Response(bytes, {
    status: 200,
    headers: { "Content-Type": MediaType.OCI_MANIFEST, "Docker-Content-Digest": digest },
  });
}

/** Nothing the caller or a log could see may contain the password, its base64 form or a token. */
function expectNoSecrets(e: Error): void {
  const seen = [e.message, e.stack ?? "", JSON.stringify(e), inspect(e, { depth: 5 })].join("\n");
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), BASIC.slice(6), TOKEN]) {
    expect(seen).not.toContain(secret);
  }
}

describe("RegistryClient options", () => {
  test.each([
    { registry: "127.0.0.1:5000", baseUrl: "http://127.0.0.1:5000" },
    { registry: "127.8.9.10", baseUrl: "http://127.8.9.10" },
    { registry: "localhost:5000", baseUrl: "http://localhost:5000" },
    { registry: "[::1]:5000", baseUrl: "http://[::1]:5000" },
    { registry: "ghcr.io", baseUrl: "https://ghcr.io" },
    { registry: "128.0.0.1:5000", baseUrl: "https://128.0.0.1:5000" },
    { registry: "localhost.example.com", baseUrl: "https://localhost.example.com" },
    { registry: "docker.io", baseUrl: "https://registry-1.docker.io" },
    { registry: "ghcr.io", plainHttp: true, baseUrl: "http://ghcr.io" },
    { registry: "127.0.0.1:5000", plainHttp: false, baseUrl: "https://127.0.0.1:5000" },
  ])("$registry (plainHttp: $plainHttp) → $baseUrl", ({ registry, plainHttp, baseUrl }) => {
    const client = new RegistryClient({
      registry,
      ...(plainHttp === undefined ? {} : { plainHttp }),
    });
    expect(client.baseUrl).toBe(baseUrl);
    expect(client.registry).toBe(registry);
  });

  test("rejects a registry given as a URL", async () => {
    await expectMultiarchError(
      () => new RegistryClient({ registry: "http://127.0.0.1:5000" }),
      ErrorCode.INVALID_INPUT,
    );
  });

  test.each([
    { username: USER, password: undefined },
    { username: undefined, password: PASSWORD },
    { username: USER, password: "" },
  ])("rejects half credentials ($username / $password) without echoing them", async (creds) => {
    const e = await expectMultiarchError(
      () =>
        new RegistryClient({
          registry: "r.io",
          ...(creds.username === undefined ? {} : { username: creds.username }),
          ...(creds.password === undefined ? {} : { password: creds.password }),
        }),
      ErrorCode.INVALID_INPUT,
    );
    expectNoSecrets(e);
  });

  test("the password is not an enumerable or inspectable property", () => {
    const client = new RegistryClient({ registry: "r.io", username: USER, password: PASSWORD });
    expect(JSON.stringify(client)).not.toContain(PASSWORD);
    expect(inspect(client, { depth: 5, showHidden: true })).not.toContain(PASSWORD);
  });

  test("rejects bad repositories and references before any request", async () => {
    const { fetch, seen } = scripted(() => json({}));
    const client = new RegistryClient({ registry: "r.io", fetch });
    for (const call of [
      () => client.getManifest("Bad", "latest"),
      () => client.getManifest("app", "a/b"),
      () => client.getBlob("app", "sha256:abc"),
      () => client.deleteManifest("app", "latest"),
    ]) {
      await expectMultiarchError(call, ErrorCode.INVALID_INPUT);
    }
    expect(seen).toHaveLength(0);
  });
});

describe("Bearer token auth", () => {
  const challenge =
    'Bearer realm="https://auth.test/token",service="reg.test",scope="repository:app:pull"';

  function tokenRegistry(options: { tokenStatus?: number; expiresIn?: number } = {}) {
    let issued = 0;
    return scripted((req) => {
      if (req.url.host === "auth.test") {
        if (options.tokenStatus !== undefined) {
          return json({ details: `bad creds ${PASSWORD}` }, options.tokenStatus);
        }
        issued++;
        return json({ token: TOKEN, expires_in: options.expiresIn ?? 300, issued });
      }
      if (req.headers.get("authorization") !== `Bearer ${TOKEN}`) return unauthorized(challenge);
      return manifestResponse();
    });
  }

  test("fetches a token with basic credentials, retries, and caches it per scope", async () => {
    const { fetch, seen } = tokenRegistry();
    const client = new RegistryClient({
      registry: "reg.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });

    const first = await client.getManifest("app", "latest");
    expect(first?.digest).toBe(MANIFEST_DIGEST);
    expect(seen.map((r) => `${r.method} ${r.url.host}${r.url.pathname}`)).toEqual([
      "GET reg.test/v2/app/manifests/latest",
      "GET auth.test/token",
      "GET reg.test/v2/app/manifests/latest",
    ]);
    const tokenRequest = seen[1];
    expect(tokenRequest?.url.searchParams.get("service")).toBe("reg.test");
    expect(tokenRequest?.url.searchParams.getAll("scope")).toEqual(["repository:app:pull"]);
    expect(tokenRequest?.headers.get("authorization")).toBe(BASIC);
    // The registry itself never sees the password, only the token.
    expect(seen[2]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);

    await client.getManifest("app", "v2");
    expect(seen).toHaveLength(4);
    expect(seen[3]?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
  });

  test("asks anonymously when it has no credentials", async () => {
    const { fetch, seen } = tokenRegistry();
    const client = new RegistryClient({ registry: "reg.test", fetch });
    await client.getManifest("app", "latest");
    expect(seen[1]?.headers.get("authorization")).toBeNull();
  });

  test("fetches a new token once the cached one expires, by the clock it is given", async () => {
    const { fetch, seen } = tokenRegistry({ expiresIn: 60 });
    let now = 1_000_000;
    const client = new RegistryClient({ registry: "reg.test", fetch, now: () => now });
    const tokenRequests = () => seen.filter((r) => r.url.host === "auth.test").length;
    await client.getManifest("app", "latest");
    now += 45_000; // inside 60 s less the renewal slack
    await client.getManifest("app", "latest");
    expect(tokenRequests()).toBe(1);
    now += 16_000;
    await client.getManifest("app", "latest");
    expect(tokenRequests()).toBe(2);
  });

  test("a refused token request is AUTH_FAILED naming registry and user, not the password", async () => {
    const { fetch } = tokenRegistry({ tokenStatus: 401 });
    const client = new RegistryClient({
      registry: "reg.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });
    const e = await expectMultiarchError(client.ping(), ErrorCode.AUTH_FAILED, {
      status: 401,
      operation: "token",
    });
    expect(e.message).toContain("reg.test");
    expect(e.message).toContain(`"${USER}"`);
    expectNoSecrets(e);
  });

  test("a token answer without a token is AUTH_FAILED", async () => {
    const { fetch } = scripted((req) =>
      req.url.host === "auth.test" ? json({ nope: true }) : unauthorized(challenge),
    );
    const client = new RegistryClient({ registry: "reg.test", fetch });
    await expectMultiarchError(client.ping(), ErrorCode.AUTH_FAILED, { operation: "token" });
  });

  test("a challenge without a realm is AUTH_FAILED", async () => {
    const { fetch } = scripted(() => unauthorized('Bearer service="x"'));
    const client = new RegistryClient({ registry: "reg.test", fetch });
    const e = await expectMultiarchError(client.ping(), ErrorCode.AUTH_FAILED);
    expect(e.message).toContain("realm");
  });

  test("a token the registry still refuses is AUTH_FAILED after one retry", async () => {
    const { fetch, seen } = scripted((req) =>
      req.url.host === "auth.test" ? json({ access_token: TOKEN }) : unauthorized(challenge),
    );
    const client = new RegistryClient({
      registry: "reg.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });
    const e = await expectMultiarchError(
      client.getManifest("app", "latest"),
      ErrorCode.AUTH_FAILED,
      { status: 401, operation: "GET manifest" },
    );
    expect(e.message).toContain(`refused the credentials of user "${USER}"`);
    expect(seen).toHaveLength(3);
    expectNoSecrets(e);
  });
});

describe("Basic auth", () => {
  const basicRegistry = () =>
    scripted((req) =>
      req.headers.get("authorization") === BASIC
        ? json({})
        : unauthorized('Basic realm="test"', {
            errors: [{ code: "UNAUTHORIZED", message: "authentication required" }],
          }),
    );

  test("answers the challenge, then sends credentials up front", async () => {
    const { fetch, seen } = basicRegistry();
    const client = new RegistryClient({
      registry: "r.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });
    await client.ping();
    await client.ping();
    expect(seen.map((r) => r.headers.get("authorization"))).toEqual([null, BASIC, BASIC]);
  });

  test("wrong password → AUTH_FAILED naming registry and user, never the password", async () => {
    const { fetch } = basicRegistry();
    const client = new RegistryClient({
      registry: "r.test",
      username: USER,
      password: "wrong-pw",
      fetch,
    });
    const e = await expectMultiarchError(client.ping(), ErrorCode.AUTH_FAILED, { status: 401 });
    expect(e.message).toContain("r.test");
    expect(e.message).toContain(`"${USER}"`);
    expect(e.message).toContain("UNAUTHORIZED: authentication required");
    expect(`${e.message}${e.stack}${JSON.stringify(e)}`).not.toContain("wrong-pw");
  });

  test("no credentials → AUTH_FAILED that says none were given", async () => {
    const { fetch, seen } = basicRegistry();
    const client = new RegistryClient({ registry: "r.test", fetch });
    const e = await expectMultiarchError(client.ping(), ErrorCode.AUTH_FAILED);
    expect(e.message).toContain("requires credentials, but none were given");
    expect(seen).toHaveLength(1);
  });

  test("403 → AUTH_FAILED about permissions", async () => {
    const { fetch } = scripted(() =>
      json(
        { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] },
        403,
      ),
    );
    const client = new RegistryClient({
      registry: "r.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });
    const e = await expectMultiarchError(
      client.putManifest("app", "t", MANIFEST_BYTES, MediaType.OCI_MANIFEST),
      ErrorCode.AUTH_FAILED,
      { status: 403, operation: "PUT manifest" },
    );
    expect(e.message).toContain("denied");
    expect(e.message).toContain("DENIED");
    expect(e.details.hint).toContain("permission");
  });
});

describe("errors", () => {
  test("a registry error body is quoted (code and message), with secrets scrubbed", async () => {
    const { fetch } = scripted((req) =>
      req.headers.get("authorization") === null
        ? unauthorized('Basic realm="x"')
        : json(
            {
              errors: [
                {
                  code: "MANIFEST_INVALID",
                  message: "manifest invalid",
                  detail: { echo: PASSWORD },
                },
              ],
            },
            400,
          ),
    );
    const client = new RegistryClient({
      registry: "r.test",
      username: USER,
      password: PASSWORD,
      fetch,
    });
    const e = await expectMultiarchError(
      client.putManifest("app", "t", MANIFEST_BYTES, MediaType.OCI_MANIFEST),
      ErrorCode.REGISTRY_ERROR,
      { status: 400, operation: "PUT manifest" },
    );
    expect(e.message).toContain("HTTP 400");
    expect(e.message).toContain("PUT /v2/app/manifests/t");
    expect(e.message).toContain("MANIFEST_INVALID: manifest invalid");
    expectNoSecrets(e);
  });

  test("a non-JSON error body is quoted as text", async () => {
    const { fetch } = scripted(() => new Response("upstream exploded", { status: 502 }));
    const e = await expectMultiarchError(
      new RegistryClient({ registry: "r.test", fetch, retries: 0 }).ping(),
      ErrorCode.REGISTRY_ERROR,
      { status: 502, operation: "ping" },
    );
    expect(e.message).toContain("HTTP 502");
    expect(e.message).toContain("upstream exploded");
  });

  test("connection refused → REGISTRY_ERROR naming the URL and what to check", async () => {
    const fetch = (() => {
      const cause = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5000"), {
        code: "ECONNREFUSED",
      });
      return Promise.reject(new TypeError("fetch failed", { cause }));
    }) as typeof globalThis.fetch;
    const client = new RegistryClient({
      registry: "10.0.0.1:5000",
      username: USER,
      password: PASSWORD,
      fetch,
      retries: 0,
    });
    const e = await expectMultiarchError(client.ping(), ErrorCode.REGISTRY_ERROR, {
      operation: "ping",
    });
    expect(e.details.status).toBeUndefined();
    expect(e.message).toContain("https://10.0.0.1:5000");
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.details.hint).toContain("plainHttp");
    expectNoSecrets(e);
  });

  test("a TLS failure suggests plainHttp", async () => {
    const fetch = (() => {
      const cause = Object.assign(new Error("ssl3_get_record:wrong version number"), {
        code: "ERR_SSL_WRONG_VERSION_NUMBER",
      });
      return Promise.reject(new TypeError("fetch failed", { cause }));
    }) as typeof globalThis.fetch;
    const e = await expectMultiarchError(
      new RegistryClient({ registry: "r.test", fetch }).ping(),
      ErrorCode.REGISTRY_ERROR,
    );
    expect(e.details.hint).toContain("set plainHttp: true");
  });

  test("a timeout says so", async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => {
          reject(init.signal?.reason as Error);
        });
      })) as typeof globalThis.fetch;
    const client = new RegistryClient({ registry: "r.test", fetch, timeoutMs: 20, retries: 0 });
    const e = await expectMultiarchError(client.ping(), ErrorCode.REGISTRY_ERROR);
    expect(e.message).toContain("no answer before the timeout");
  });
});

describe("retries", () => {
  /** A client whose waits are recorded instead of slept, and whose retries are collected. */
  function retryingClient(fetch: typeof globalThis.fetch, retries?: number) {
    const waits: number[] = [];
    const client = new RegistryClient({
      registry: "r.test",
      fetch,
      ...(retries === undefined ? {} : { retries }),
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const notices: RequestRetry[] = [];
    client.onRetry((retry) => notices.push(retry));
    return { client, waits, notices };
  }

  /** Answers `statuses` in turn, then the manifest. */
  function flaky(statuses: number[], headers: Record<string, string> = {}) {
    const queue = [...statuses];
    return scripted(() => {
      const status = queue.shift();
      return status === undefined ? manifestResponse() : new Response("busy", { status, headers });
    });
  }

  test.each([429, 500, 502, 503, 504])(
    "%i twice, then the manifest: read on the third request, each retry announced",
    async (status) => {
      const { fetch, seen } = flaky([status, status]);
      const { client, notices } = retryingClient(fetch);
      const read = await client.getManifest("app", "v1");
      expect(read?.digest).toBe(MANIFEST_DIGEST);
      expect(seen).toHaveLength(3);
      expect(notices.map((n) => [n.operation, n.attempt, n.attempts, n.reason])).toEqual([
        ["GET manifest", 2, 5, String(status)],
        ["GET manifest", 3, 5, String(status)],
      ]);
    },
  );

  test.each([400, 401, 403, 404, 405, 409, 501])("%i is never retried", async (status) => {
    const { fetch, seen } = scripted(() => new Response("no", { status }));
    const { client, notices } = retryingClient(fetch);
    await client.getManifest("app", "v1").catch(() => undefined);
    // A 401 is answered once by authentication (no challenge here: refused at once).
    expect(seen).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  test("gives up after `retries`, with the last answer's status in the error", async () => {
    const { fetch, seen } = scripted(() => new Response("busy", { status: 503 }));
    const { client, notices } = retryingClient(fetch, 2);
    await expectMultiarchError(client.getManifest("app", "v1"), ErrorCode.REGISTRY_ERROR, {
      status: 503,
      operation: "GET manifest",
    });
    expect(seen).toHaveLength(3);
    expect(notices.map((n) => `${n.attempt}/${n.attempts}`)).toEqual(["2/3", "3/3"]);
  });

  test("retries: 0 sends once", async () => {
    const { fetch, seen } = flaky([503]);
    const { client } = retryingClient(fetch, 0);
    await expectMultiarchError(client.ping(), ErrorCode.REGISTRY_ERROR, { status: 503 });
    expect(seen).toHaveLength(1);
  });

  test("waits at least what Retry-After asks", async () => {
    const { fetch } = flaky([429], { "Retry-After": "3" });
    const { client, waits } = retryingClient(fetch);
    await client.getManifest("app", "v1");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(3000);
  });

  test("a connection reset, before or during the body, is retried", async () => {
    let calls = 0;
    const fetch = (() => {
      calls += 1;
      if (calls === 1) {
        const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
        return Promise.reject(new TypeError("fetch failed", { cause }));
      }
      if (calls === 2) {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(MANIFEST_BYTES.subarray(0, 10));
            controller.error(new TypeError("terminated"));
          },
        });
        return Promise.resolve(new Response(body, { status: 200 }));
      }
      return Promise.resolve(manifestResponse());
    }) as typeof globalThis.fetch;
    const { client, notices } = retryingClient(fetch);
    const read = await client.getManifest("app", "v1");
    expect(read?.bytes.equals(MANIFEST_BYTES)).toBe(true);
    expect(notices.map((n) => n.reason)).toEqual(["ECONNRESET", "terminated"]);
  });

  test("PUT manifest is sent again with the same bytes", async () => {
    const bodies: string[] = [];
    let calls = 0;
    const fetch = ((_url: string, init: RequestInit) => {
      calls += 1;
      bodies.push(Buffer.from(init.body as Uint8Array).toString("utf8"));
      return Promise.resolve(new Response(null, { status: calls === 1 ? 503 : 201 }));
    }) as typeof globalThis.fetch;
    const { client } = retryingClient(fetch);
    const digest = await client.putManifest("app", "v1", MANIFEST_BYTES, MediaType.OCI_MANIFEST);
    expect(digest).toBe(MANIFEST_DIGEST);
    expect(bodies).toEqual([MANIFEST_BYTES.toString("utf8"), MANIFEST_BYTES.toString("utf8")]);
  });

  test("a TLS failure is not retried", async () => {
    let calls = 0;
    const fetch = (() => {
      calls += 1;
      const cause = Object.assign(new Error("ssl3_get_record:wrong version number"), {
        code: "ERR_SSL_WRONG_VERSION_NUMBER",
      });
      return Promise.reject(new TypeError("fetch failed", { cause }));
    }) as typeof globalThis.fetch;
    const { client } = retryingClient(fetch);
    await expectMultiarchError(client.ping(), ErrorCode.REGISTRY_ERROR, { operation: "ping" });
    expect(calls).toBe(1);
  });
});

describe("manifests and blobs", () => {
  test("404 → undefined for getManifest and headManifest", async () => {
    const { fetch } = scripted(() =>
      json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, 404),
    );
    const client = new RegistryClient({ registry: "r.test", fetch });
    expect(await client.getManifest("app", "nope")).toBeUndefined();
    expect(await client.headManifest("app", "nope")).toBeUndefined();
    expect(await client.blobExists("app", MANIFEST_DIGEST)).toBe(false);
    expect(await client.deleteManifest("app", MANIFEST_DIGEST)).toBe(false);
  });

  test("getManifest asks for every index and manifest type and returns the exact bytes", async () => {
    const { fetch, seen } = scripted(() => manifestResponse());
    const result = await new RegistryClient({ registry: "r.test", fetch }).getManifest("a/b", "v1");
    expect(result).toEqual({
      mediaType: MediaType.OCI_MANIFEST,
      digest: MANIFEST_DIGEST,
      bytes: MANIFEST_BYTES,
      json: JSON.parse(MANIFEST_BYTES.toString()) as unknown,
    });
    const accept = seen[0]?.headers.get("accept") ?? "";
    for (const type of [
      MediaType.OCI_INDEX,
      MediaType.OCI_MANIFEST,
      MediaType.DOCKER_MANIFEST_LIST,
      MediaType.DOCKER_MANIFEST,
    ]) {
      expect(accept).toContain(type);
    }
  });

  test("without Docker-Content-Digest the digest is the sha256 of the bytes", async () => {
    const { fetch } = scripted(
      () => new Response(MANIFEST_BYTES, { headers: { "Content-Type": "application/json" } }),
    );
    const result = await new RegistryClient({ registry: "r.test", fetch }).getManifest("a", "v1");
    expect(result?.digest).toBe(MANIFEST_DIGEST);
    // A generic Content-Type falls back to the document's own mediaType.
    expect(result?.mediaType).toBe(MediaType.OCI_MANIFEST);
  });

  test.each([
    { name: "a lying Docker-Content-Digest", reference: "v1", header: `sha256:${"0".repeat(64)}` },
    {
      name: "bytes that are not the requested digest",
      reference: `sha256:${"0".repeat(64)}`,
      header: undefined,
    },
  ])("$name → REGISTRY_ERROR naming the digest served", async ({ reference, header }) => {
    const { fetch } = scripted(
      () =>
        new Response(MANIFEST_BYTES, {
          headers: header === undefined ? {} : { "Docker-Content-Digest": header },
        }),
    );
    const e = await expectMultiarchError(
      new RegistryClient({ registry: "r.test", fetch }).getManifest("a", reference),
      ErrorCode.REGISTRY_ERROR,
      { status: 200, operation: "GET manifest" },
    );
    expect(e.message).toContain(`bytes whose digest is ${MANIFEST_DIGEST}`);
  });

  test("a manifest that is not JSON → REGISTRY_ERROR", async () => {
    const { fetch } = scripted(() => new Response("<html>login</html>"));
    const e = await expectMultiarchError(
      new RegistryClient({ registry: "r.test", fetch }).getManifest("a", "v1"),
      ErrorCode.REGISTRY_ERROR,
      { status: 200, operation: "GET manifest" },
    );
    expect(e.message).toContain("is not JSON");
  });

  test("headManifest falls back to GET when the registry sends no digest", async () => {
    const { fetch, seen } = scripted((req) =>
      req.method === "HEAD" ? new Response(null, { status: 200 }) : manifestResponse(),
    );
    expect(await new RegistryClient({ registry: "r.test", fetch }).headManifest("a", "v1")).toBe(
      MANIFEST_DIGEST,
    );
    expect(seen.map((r) => r.method)).toEqual(["HEAD", "GET"]);
  });

  test("putManifest under a digest that is not the bytes' own is refused up front", async () => {
    const { fetch, seen } = scripted(() => new Response(null, { status: 201 }));
    const client = new RegistryClient({ registry: "r.test", fetch });
    await expectMultiarchError(
      client.putManifest("a", `sha256:${"0".repeat(64)}`, MANIFEST_BYTES, MediaType.OCI_MANIFEST),
      ErrorCode.INVALID_INPUT,
      { given: `sha256:${"0".repeat(64)}`, expected: MANIFEST_DIGEST },
    );
    expect(seen).toHaveLength(0);
    expect(
      await client.putManifest("a", MANIFEST_DIGEST, MANIFEST_BYTES, MediaType.OCI_MANIFEST),
    ).toBe(MANIFEST_DIGEST);
    expect(seen[0]?.headers.get("content-type")).toBe(MediaType.OCI_MANIFEST);
  });

  test("putManifest notices a registry that stored other bytes", async () => {
    const { fetch } = scripted(
      () =>
        new Response(null, {
          status: 201,
          headers: { "Docker-Content-Digest": `sha256:${"0".repeat(64)}` },
        }),
    );
    await expectMultiarchError(
      new RegistryClient({ registry: "r.test", fetch }).putManifest(
        "a",
        "t",
        MANIFEST_BYTES,
        MediaType.OCI_MANIFEST,
      ),
      ErrorCode.REGISTRY_ERROR,
      { status: 201, operation: "PUT manifest" },
    );
  });

  test("getBlob verifies the content against the digest", async () => {
    const blob = Buffer.from("hello");
    const { fetch } = scripted(() => new Response(Buffer.from("hellO")));
    const client = new RegistryClient({ registry: "r.test", fetch });
    const e = await expectMultiarchError(
      client.getBlob("a", sha256Digest(blob)),
      ErrorCode.REGISTRY_ERROR,
      { status: 200, operation: "GET blob" },
    );
    expect(e.message).toContain(`bytes whose digest is ${sha256Digest(Buffer.from("hellO"))}`);
  });
});

describe("readIndex against a scripted registry", () => {
  function indexRegistry(childSize: (size: number) => number, childStatus = 200) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: [
          {
            mediaType: MediaType.OCI_MANIFEST,
            digest: MANIFEST_DIGEST,
            size: childSize(MANIFEST_BYTES.length),
            platform: { os: "linux", architecture: "amd64" },
          },
        ],
      }),
    );
    return scripted((req) => {
      if (req.url.pathname.endsWith("/manifests/t")) {
        return new Response(index, { headers: { "Content-Type": MediaType.OCI_INDEX } });
      }
      if (childStatus !== 200) return json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, childStatus);
      return manifestResponse();
    });
  }

  test("sums manifest, config and layers", async () => {
    const { fetch } = indexRegistry((size) => size);
    const summary = await readIndex(new RegistryClient({ registry: "r.test", fetch }), "a", "t");
    expect(summary).toMatchObject({
      kind: "index",
      entries: [
        {
          platform: "linux/amd64",
          digest: MANIFEST_DIGEST,
          manifestSize: MANIFEST_BYTES.length,
          size: MANIFEST_BYTES.length + 2,
          annotations: {},
        },
      ],
      annotations: {},
    });
  });

  test("a size that does not match the manifest → REGISTRY_ERROR", async () => {
    const { fetch } = indexRegistry((size) => size + 1);
    const e = await expectMultiarchError(
      readIndex(new RegistryClient({ registry: "r.test", fetch }), "a", "t"),
      ErrorCode.REGISTRY_ERROR,
    );
    expect(e.message).toContain(`a size of ${MANIFEST_BYTES.length + 1} bytes`);
  });

  test("an entry the registry lacks → REGISTRY_ERROR", async () => {
    const { fetch } = indexRegistry((size) => size, 404);
    const e = await expectMultiarchError(
      readIndex(new RegistryClient({ registry: "r.test", fetch }), "a", "t"),
      ErrorCode.REGISTRY_ERROR,
      { status: 404, operation: "GET manifest" },
    );
    expect(e.message).toContain("does not have");
  });

  test("an absent tag → undefined", async () => {
    const { fetch } = scripted(() => json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, 404));
    expect(
      await readIndex(new RegistryClient({ registry: "r.test", fetch }), "a", "t"),
    ).toBeUndefined();
  });
});

describe("manifests over 4 MiB", () => {
  /** A body of 64 KiB chunks, `total` bytes or endless, counting what was pulled from it. */
  function counted(total = Number.POSITIVE_INFINITY): {
    body: ReadableStream<Uint8Array>;
    pulled: () => number;
  } {
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return { body, pulled: () => pulled };
  }

  test("a Content-Length over 4 MiB is refused before the body is read, and not retried", async () => {
    const stream = counted(MAX_MANIFEST_BYTES + 65_536);
    const { fetch, seen } = scripted(
      () =>
        new Response(stream.body, {
          headers: {
            "Content-Type": MediaType.OCI_INDEX,
            "Content-Length": String(MAX_MANIFEST_BYTES + 65_536),
          },
        }),
    );
    const client = new RegistryClient({ registry: "r.test", fetch, sleep: async () => {} });
    await expectMultiarchError(client.getManifest("a", "big"), ErrorCode.REGISTRY_ERROR, {
      status: 200,
      operation: "GET manifest",
    });
    expect(seen).toHaveLength(1);
    // A stream pulls ahead of its reader a little; the 4 MiB were not.
    expect(stream.pulled()).toBeLessThan(MAX_MANIFEST_BYTES / 4);
  });

  test("an endless body without Content-Length is cut off after 4 MiB", async () => {
    const stream = counted();
    const { fetch, seen } = scripted(
      () => new Response(stream.body, { headers: { "Content-Type": MediaType.OCI_INDEX } }),
    );
    const client = new RegistryClient({ registry: "r.test", fetch, sleep: async () => {} });
    await expectMultiarchError(client.getManifest("a", "endless"), ErrorCode.REGISTRY_ERROR, {
      status: 200,
      operation: "GET manifest",
    });
    expect(seen).toHaveLength(1);
    expect(stream.pulled()).toBeLessThan(MAX_MANIFEST_BYTES + 4 * 65_536);
  });

  test("a manifest of exactly 4 MiB is read", async () => {
    const padding = " ".repeat(MAX_MANIFEST_BYTES - MANIFEST_BYTES.length);
    const bytes = Buffer.from(`${MANIFEST_BYTES.toString()}${padding}`);
    expect(bytes.length).toBe(MAX_MANIFEST_BYTES);
    const { fetch } = scripted(() => manifestResponse(bytes));
    const result = await new RegistryClient({ registry: "r.test", fetch }).getManifest("a", "t");
    expect(result?.bytes.length).toBe(MAX_MANIFEST_BYTES);
  });
});
