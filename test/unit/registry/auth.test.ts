// The token cache on a clock the test turns: expiry is checked without waiting.
import { describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { RegistryAuth, TokenCache } from "../../../src/registry/auth.js";
import { expectMultiarchError } from "../../support/expect-error.js";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenCache", () => {
  test.each([
    // Renewed 10 s before it expires, so it never lapses in flight.
    { expiresIn: 300, fresh: 289_999, stale: 290_000 },
    // No expires_in: the token spec's 60 s.
    { expiresIn: undefined, fresh: 49_999, stale: 50_000 },
    // Shorter than the slack: still good for the one retry it was fetched for.
    { expiresIn: 5, fresh: 999, stale: 1_000 },
  ])(
    "expires_in $expiresIn: served for $fresh ms, not at $stale",
    ({ expiresIn, fresh, stale }) => {
      const time = clock();
      const cache = new TokenCache(time.now);
      cache.set("repository:app:pull", "tok", expiresIn);
      time.advance(fresh);
      expect(cache.get("repository:app:pull")).toBe("tok");
      time.advance(stale - fresh);
      expect(cache.get("repository:app:pull")).toBeUndefined();
    },
  );

  test("keeps one token per scope", () => {
    const cache = new TokenCache(clock().now);
    cache.set("repository:app:pull", "pull-token");
    cache.set("repository:app:pull,push", "push-token");
    expect(cache.get("repository:app:pull")).toBe("pull-token");
    expect(cache.get("repository:app:pull,push")).toBe("push-token");
    expect(cache.get("repository:other:pull")).toBeUndefined();
  });

  test("lists expired tokens too, so they are still scrubbed from errors", () => {
    const time = clock();
    const cache = new TokenCache(time.now);
    cache.set("", "old-token", 60);
    time.advance(3_600_000);
    expect(cache.get("")).toBeUndefined();
    expect(cache.all()).toEqual(["old-token"]);
  });
});

describe("RegistryAuth", () => {
  const send = () => Promise.reject(new Error("no network in this test"));

  test("sends nothing until a challenge asks, and lists every form of the password as secret", () => {
    const auth = new RegistryAuth({ registry: "r.test", username: "u", password: "p@ss", send });
    expect(auth.header("repository:app:pull")).toBeUndefined();
    expect(auth.secrets()).toEqual([Buffer.from("u:p@ss").toString("base64"), "p@ss"]);
  });

  test("a Basic challenge without credentials is not worth a retry", async () => {
    const auth = new RegistryAuth({ registry: "r.test", send });
    const challenge = new Response(null, {
      status: 401,
      headers: { "WWW-Authenticate": 'Basic realm="r"' },
    });
    expect(await auth.answer(challenge, undefined)).toBe(false);
    expect(auth.header(undefined)).toBeUndefined();
  });

  test("a 403 is AUTH_FAILED about permissions, with status and operation", async () => {
    const auth = new RegistryAuth({ registry: "r.test", username: "u", password: "p@ss", send });
    const e = await expectMultiarchError(
      () => {
        throw auth.refusal(403, "PUT manifest", "PUT /v2/app/manifests/1", "");
      },
      ErrorCode.AUTH_FAILED,
      { status: 403, operation: "PUT manifest" },
    );
    expect(e.details.hint).toContain("permission");
  });

  test("an identity token is exchanged by POST as an OAuth2 refresh token, and kept secret", async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const auth = new RegistryAuth({
      registry: "r.test",
      identityToken: "refresh-me",
      send: (url, init) => {
        sent.push({ url, init });
        return Promise.resolve(Response.json({ access_token: "t1" }));
      },
    });
    const challenge = new Response(null, {
      status: 401,
      headers: {
        "WWW-Authenticate": 'Bearer realm="https://auth.r.test/token",service="r.test"',
      },
    });
    expect(await auth.answer(challenge, "repository:app:pull,push")).toBe(true);
    expect(auth.header("repository:app:pull,push")).toBe("Bearer t1");
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.url).toBe("https://auth.r.test/token");
    expect(request?.init.method).toBe("POST");
    expect(Object.fromEntries(new URLSearchParams(request?.init.body as string))).toEqual({
      service: "r.test",
      scope: "repository:app:pull,push",
      grant_type: "refresh_token",
      refresh_token: "refresh-me",
      client_id: "multiarch",
    });
    expect(auth.secrets()).toContain("refresh-me");
  });
});
