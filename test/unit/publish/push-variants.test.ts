// Which engine push failures are retried as a whole, read from the engine's message.
import { describe, expect, test } from "vitest";
import { retryablePush } from "../../../src/publish/push-variants.js";

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
