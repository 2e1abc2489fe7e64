import { describe, expect, test } from "vitest";
import {
  ErrorCode,
  isMultiarchError,
  MultiarchError,
  REDACTED,
  redact,
} from "../../../src/index.js";
import { expectMultiarchError } from "../../support/expect-error.js";

describe("redact", () => {
  test.each([
    {
      text: "login as bob with hunter2 failed",
      secrets: ["hunter2"],
      want: "login as bob with *** failed",
    },
    { text: "hunter2 hunter2", secrets: ["hunter2"], want: "*** ***" },
    { text: "a=s3cr3t b=t0k3n", secrets: ["s3cr3t", "t0k3n"], want: "a=*** b=***" },
    { text: "nothing to hide", secrets: ["hunter2"], want: "nothing to hide" },
    { text: "unchanged", secrets: [], want: "unchanged" },
    // Empty / undefined secrets must not match everywhere.
    { text: "unchanged", secrets: ["", undefined], want: "unchanged" },
    // A secret containing another secret is removed whole, not left in fragments.
    { text: "token=abcdef", secrets: ["abc", "abcdef"], want: "token=***" },
    // The URL-encoded form is removed too (credentials inside URLs).
    {
      text: "GET https://bob:p%40ss%2Fw0rd@registry.example/v2/",
      secrets: ["p@ss/w0rd"],
      want: "GET https://bob:***@registry.example/v2/",
    },
    // Regex metacharacters in a secret are matched literally.
    { text: "pw is a.b*c+(d) ok", secrets: ["a.b*c+(d)"], want: "pw is *** ok" },
    { text: "aXbYc", secrets: ["a.b"], want: "aXbYc" },
  ])("redact($text, $secrets) → $want", ({ text, secrets, want }) => {
    expect(redact(text, secrets)).toBe(want);
  });

  test("REDACTED is the replacement marker", () => {
    expect(redact("x", ["x"])).toBe(REDACTED);
  });
});

describe("MultiarchError", () => {
  test("carries code, name, details and a message with given/expected/hint", () => {
    const e = new MultiarchError(ErrorCode.BUILD_FAILED, "Build failed for linux/arm64.", {
      platform: "linux/arm64",
      exitCode: 2,
      stderr: "make: *** [all] Error 2",
      given: "make all",
      expected: "exit code 0",
      hint: "run the build locally with --platform linux/arm64",
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(MultiarchError);
    expect(e.name).toBe("MultiarchError");
    expect(e.code).toBe("BUILD_FAILED");
    expect(e.details).toEqual({
      platform: "linux/arm64",
      exitCode: 2,
      stderr: "make: *** [all] Error 2",
      given: "make all",
      expected: "exit code 0",
      hint: "run the build locally with --platform linux/arm64",
    });
    expect(e.message.split("\n")).toEqual([
      "Build failed for linux/arm64.",
      '  given:    "make all"',
      "  expected: exit code 0",
      "  stderr:   make: *** [all] Error 2",
      "  hint:     run the build locally with --platform linux/arm64",
    ]);
  });

  test("message is just the summary when no given/expected/hint", () => {
    const e = new MultiarchError(ErrorCode.ENGINE_UNAVAILABLE, "Engine not reachable.");
    expect(e.message).toBe("Engine not reachable.");
    expect(e.details).toEqual({});
    expect(e.cause).toBeUndefined();
  });

  test("keeps the cause", () => {
    const cause = new Error("ECONNREFUSED");
    const e = new MultiarchError(ErrorCode.ENGINE_UNAVAILABLE, "Engine not reachable.", { cause });
    expect(e.cause).toBe(cause);
  });

  test("scrubs secrets from the message and every string detail", () => {
    const e = new MultiarchError(ErrorCode.AUTH_FAILED, "Login with hunter2 was refused.", {
      stderr: "denied: password hunter2 invalid",
      given: "bob:hunter2",
      expected: "valid credentials, not hunter2",
      hint: "check hunter2",
      secrets: ["hunter2"],
    });
    expect(e.message).not.toContain("hunter2");
    expect(e.message).toContain("Login with *** was refused.");
    for (const value of Object.values(e.details)) {
      expect(String(value)).not.toContain("hunter2");
    }
    expect(e.details.stderr).toBe("denied: password *** invalid");
    expect(e.details.given).toBe("bob:***");
  });

  test("keeps a registry answer's status and operation; scrubs the operation like any string", () => {
    const e = new MultiarchError(ErrorCode.REGISTRY_ERROR, "Registry r.test answered HTTP 500.", {
      status: 500,
      operation: "GET manifest",
      secrets: ["manifest"],
    });
    expect(e.details).toEqual({ status: 500, operation: "GET ***" });
    // The message is the summary alone: the status is in it already, in words.
    expect(e.message).toBe("Registry r.test answered HTTP 500.");
  });

  test("every code is its own name", () => {
    expect(Object.entries(ErrorCode).every(([k, v]) => k === v)).toBe(true);
    expect(Object.keys(ErrorCode).sort()).toEqual([
      "ATTESTATION_FAILED",
      "AUTH_FAILED",
      "BUILD_FAILED",
      "EMULATION_UNAVAILABLE",
      "ENGINE_FAILED",
      "ENGINE_UNAVAILABLE",
      "INVALID_INPUT",
      "INVALID_PLATFORM",
      "PUSH_FAILED",
      "QEMU_CRASH",
      "REGISTRY_ERROR",
      "VERIFY_FAILED",
    ]);
  });
});

describe("isMultiarchError", () => {
  const err = new MultiarchError(ErrorCode.PUSH_FAILED, "Push failed.");

  test.each([
    { name: "MultiarchError, no code", value: err, code: undefined, want: true },
    { name: "MultiarchError, same code", value: err, code: ErrorCode.PUSH_FAILED, want: true },
    { name: "MultiarchError, other code", value: err, code: ErrorCode.AUTH_FAILED, want: false },
    { name: "plain Error", value: new Error("x"), code: undefined, want: false },
    {
      name: "look-alike object",
      value: { name: "MultiarchError", code: "PUSH_FAILED" },
      code: undefined,
      want: false,
    },
    { name: "undefined", value: undefined, code: undefined, want: false },
    { name: "string", value: "PUSH_FAILED", code: ErrorCode.PUSH_FAILED, want: false },
  ])("$name → $want", ({ value, code, want }) => {
    expect(isMultiarchError(value, code)).toBe(want);
  });
});

describe("expectMultiarchError (the tests' helper)", () => {
  const fail = (code: ErrorCode, details = {}) => new MultiarchError(code, "It failed.", details);

  test("returns the error of a sync throw, a rejected promise, or a function's rejection", async () => {
    const error = fail(ErrorCode.PUSH_FAILED, { status: 500 });
    const thrower = (): never => {
      throw error;
    };
    expect(await expectMultiarchError(thrower, ErrorCode.PUSH_FAILED)).toBe(error);
    expect(await expectMultiarchError(Promise.reject(error), ErrorCode.PUSH_FAILED)).toBe(error);
    expect(
      await expectMultiarchError(() => Promise.reject(error), ErrorCode.PUSH_FAILED, {
        status: 500,
      }),
    ).toBe(error);
  });

  test.each([
    { name: "nothing thrown", action: () => 1, message: "nothing was thrown" },
    { name: "a resolved promise", action: Promise.resolve(1), message: "nothing was thrown" },
    { name: "a plain Error", action: () => Promise.reject(new Error("boom")), message: "boom" },
    {
      name: "another code",
      action: () => Promise.reject(fail(ErrorCode.AUTH_FAILED)),
      message: "PUSH_FAILED",
    },
    {
      name: "other details",
      action: () => Promise.reject(fail(ErrorCode.PUSH_FAILED, { status: 404 })),
      message: "500",
    },
  ])("fails on $name", async ({ action, message }) => {
    const outcome = await expectMultiarchError(action, ErrorCode.PUSH_FAILED, { status: 500 }).then(
      () => "passed",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    expect(outcome).not.toBe("passed");
    expect(outcome).toContain(message);
  });
});
