// Which engine push failures are retried as a whole, read from the engine's message.
import { describe, expect, test } from "vitest";
import { pushJudge, retryablePush } from "../../../src/publish/push-variants.js";

describe("retryablePush", () => {
  test.each([
    ["failed to push: unexpected status from HEAD request: 401 Unauthorized"],
    ["failed to push: 403 Forbidden: denied: requested access to the resource is denied"],
    ["failed to authorize: authentication required"],
    ["insufficient_scope: authorization failed"],
  ])("a credentials refusal is not retried: %s", (message) => {
    expect(retryablePush(message)).toBeUndefined();
  });

  test.each([
    [
      "failed to push: unexpected status from PUT request to http://r/v2/a/manifests/x: 503 Service Unavailable",
      "503",
    ],
    [
      "failed to copy: httpReadSeeker: failed open: unexpected status code: 500 Internal Server Error",
      "500",
    ],
    ['failed to do request: Put "http://r/v2/a/blobs/uploads/u": EOF', "EOF"],
    ["read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer", "connection reset"],
    [
      'failed commit on ref "layer-sha256:x": unexpected status from PUT request: 404 Not Found',
      "404",
    ],
    ["something else entirely", "engine error"],
  ])("%s → retried (%s)", (message, reason) => {
    expect(retryablePush(message)).toEqual({ reason });
  });
});

describe("pushJudge", () => {
  const failure = (message: string) => ({ ok: false as const, error: new Error(message) });

  test("a 4xx other than 429 is retried only `retries` times; 5xx and resets keep going", () => {
    const judge = pushJudge(2);
    const refused = failure("unexpected status from PUT request: 400 Bad Request");
    expect(judge(refused)).toEqual({ reason: "400" });
    expect(judge(failure("PUT: 503 Service Unavailable"))).toEqual({ reason: "503" });
    expect(judge(refused)).toEqual({ reason: "400" });
    expect(judge(refused)).toBeUndefined();
    expect(judge(failure("read: connection reset by peer"))).toEqual({
      reason: "connection reset",
    });
    expect(judge(failure("PUT: 429 Too Many Requests"))).toEqual({ reason: "429" });
  });

  test("a pushed digest stands", () => {
    expect(pushJudge(undefined)({ ok: true, value: "r/a:t@sha256:x" })).toBeUndefined();
  });
});
