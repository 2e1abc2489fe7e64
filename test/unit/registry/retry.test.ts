// The retry policy and its loop: which answers are retried, how long each wait is, and when the
// loop gives up. Waits are recorded, never slept.
import { describe, expect, test } from "vitest";
import { DEFAULT_RETRIES } from "../../../src/registry/retry-limits.js";
import {
  DEFAULT_RETRY_POLICY,
  PUSH_RETRY_FACTOR,
  pushRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  retrying,
  type RetryNotice,
  type RetryPolicy,
} from "../../../src/registry/retry.js";

describe("isRetryableStatus", () => {
  test.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [200, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [501, false],
    [505, false],
  ])("%i → %s", (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  test.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Thu, 01 Jan 2026 00:00:05 GMT", 5000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0],
    ["soon", undefined],
    ["-1", undefined],
    [null, undefined],
  ])("%s → %s ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe("retryDelay", () => {
  const policy: RetryPolicy = { retries: 9, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 5000 };

  test("doubles per retry, jittered within the upper half, capped", () => {
    expect([1, 2, 3, 4, 5].map((r) => retryDelay(policy, r, undefined, 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((r) => retryDelay(policy, r, undefined, 0.999_999))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  test("Retry-After lengthens a wait, within maxDelayMs", () => {
    expect(retryDelay(policy, 1, 700, 0)).toBe(700);
    expect(retryDelay(policy, 1, 60_000, 0)).toBe(1000);
    expect(retryDelay(policy, 4, 10, 0.5)).toBe(600);
  });
});

describe("pushRetryPolicy", () => {
  test("a whole push gets PUSH_RETRY_FACTOR retries per request retry; 0 stays 0", () => {
    expect(pushRetryPolicy(undefined).retries).toBe(DEFAULT_RETRIES * PUSH_RETRY_FACTOR);
    expect(pushRetryPolicy(2).retries).toBe(2 * PUSH_RETRY_FACTOR);
    expect(pushRetryPolicy(0).retries).toBe(0);
  });
});

describe("retrying", () => {
  function run(
    results: readonly (string | Error)[],
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    retryAfterMs?: number,
  ) {
    const waits: number[] = [];
    const notices: RetryNotice[] = [];
    let calls = 0;
    const promise = retrying(
      (attempt) => {
        calls += 1;
        expect(attempt).toBe(calls);
        const result = results[Math.min(calls, results.length) - 1];
        return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
      },
      {
        policy,
        judge: (outcome) =>
          outcome.ok
            ? outcome.value === "busy"
              ? { reason: "503", retryAfterMs }
              : undefined
            : outcome.error instanceof Error && outcome.error.message === "reset"
              ? { reason: "ECONNRESET" }
              : undefined,
        onRetry: (notice) => notices.push(notice),
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
        random: () => 0.5,
      },
    );
    return { promise, waits, notices, calls: () => calls };
  }

  test("repeats until the judge accepts, announcing each attempt before its wait", async () => {
    const r = run(["busy", new Error("reset"), "done"]);
    await expect(r.promise).resolves.toBe("done");
    expect(r.notices.map((n) => [n.attempt, n.attempts, n.reason])).toEqual([
      [2, 5, "503"],
      [3, 5, "ECONNRESET"],
    ]);
    expect(r.waits).toEqual(r.notices.map((n) => n.delayMs));
  });

  test("an outcome the judge does not retry stands at once", async () => {
    const failure = new Error("denied");
    const r = run([failure]);
    await expect(r.promise).rejects.toBe(failure);
    expect(r.calls()).toBe(1);
  });

  test("after the last attempt, its outcome stands, value or error", async () => {
    const policy = { ...DEFAULT_RETRY_POLICY, retries: 2 };
    const busy = run(["busy"], policy);
    await expect(busy.promise).resolves.toBe("busy");
    expect(busy.calls()).toBe(3);
    const reset = run([new Error("reset")], policy);
    await expect(reset.promise).rejects.toThrow("reset");
    expect(reset.calls()).toBe(3);
  });

  test("stops when the next wait would pass the budget", async () => {
    const policy = { retries: 9, baseDelayMs: 100, maxDelayMs: 10_000, budgetMs: 1000 };
    const r = run(["busy"], policy);
    await expect(r.promise).resolves.toBe("busy");
    // Waits of 75, 150, 300 and 600 ms (random 0.5): the fourth would pass 1000 ms.
    expect(r.waits).toEqual([75, 150, 300]);
    expect(r.calls()).toBe(4);
  });

  test("a Retry-After longer than the budget is not waited for", async () => {
    const policy = { retries: 4, baseDelayMs: 100, maxDelayMs: 10_000, budgetMs: 1000 };
    const r = run(["busy"], policy, 5000);
    await expect(r.promise).resolves.toBe("busy");
    expect(r.waits).toEqual([]);
    expect(r.calls()).toBe(1);
  });
});
