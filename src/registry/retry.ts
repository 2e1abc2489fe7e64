/**
 * Retries of work that may fail for a moment (a registry answering 429 or 5xx, a connection
 * reset): bounded in attempts and in the time spent waiting, with exponential backoff and
 * jitter, a server's Retry-After honoured, and every retry announced before its wait. Pure
 * policy plus one loop; what counts as worth retrying is the caller's to say.
 */
import { z } from "zod";
import { DEFAULT_RETRIES, MAX_RETRIES } from "./retry-limits.js";

/** `retries` as every public edge accepts it. */
export const retriesSchema = z.number().int().min(0).max(MAX_RETRIES);

export interface RetryPolicy {
  /** Attempts after the first; 0: no retry. */
  readonly retries: number;
  /** The first wait; each later one doubles, up to maxDelayMs. */
  readonly baseDelayMs: number;
  /** The longest single wait, Retry-After included. */
  readonly maxDelayMs: number;
  /** The most time spent waiting across all retries of one piece of work. */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: DEFAULT_RETRIES,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  budgetMs: 60_000,
};

/** The policy for `retries` (default DEFAULT_RETRIES), other bounds the defaults. */
export function retryPolicy(retries: number | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, retries: retries ?? DEFAULT_RETRIES };
}

/**
 * A push is dozens of requests, any of which may fail, and the engine retries few of them
 * itself; each attempt skips what earlier ones stored, so it gets PUSH_RETRY_FACTOR retries for
 * each of `retries`, with shorter waits (an attempt that failed on one dropped connection needs
 * no long pause) and a longer budget.
 */
export const PUSH_RETRY_FACTOR = 4;

/** The policy for retrying a whole push, for `retries` (see PUSH_RETRY_FACTOR). */
export function pushRetryPolicy(retries: number | undefined): RetryPolicy {
  return {
    retries: (retries ?? DEFAULT_RETRIES) * PUSH_RETRY_FACTOR,
    baseDelayMs: 500,
    maxDelayMs: 4_000,
    budgetMs: 120_000,
  };
}

/** Why an attempt is worth repeating: a short reason (`503`, `ECONNRESET`) and the server's wish. */
export interface RetryCause {
  readonly reason: string;
  /** From Retry-After, when the server sent one. */
  readonly retryAfterMs?: number | undefined;
}

/** Said before each wait: the attempt about to be made, of how many, and why. */
export interface RetryNotice extends RetryCause {
  /** The attempt that follows the wait, counting from 1 (so at least 2). */
  readonly attempt: number;
  readonly attempts: number;
  readonly delayMs: number;
}

/** 429 Too Many Requests and the 5xx a server may answer differently next time. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 10.2.3).
 * @returns undefined when absent or unreadable
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its weekday and month; Date.parse alone would read "-1" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (1 for the first): exponential, with jitter in its
 * upper half (so concurrent clients spread out, yet no wait collapses to nothing), and never
 * shorter than the server's Retry-After; at most maxDelayMs.
 * @param random a number in [0, 1)
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const backoff = Math.round(ceiling / 2 + (ceiling / 2) * random);
  return Math.min(policy.maxDelayMs, Math.max(backoff, retryAfterMs ?? 0));
}

export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface RetryOptions<T> {
  readonly policy: RetryPolicy;
  /** Whether an outcome is worth another attempt, and why; undefined: it stands. */
  readonly judge: (outcome: Outcome<T>) => RetryCause | undefined;
  readonly onRetry?: ((notice: RetryNotice) => void) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly random?: (() => number) | undefined;
}

/**
 * Run `work` until the judge accepts its outcome, or the attempts or the waiting budget run
 * out; then return its value or throw its error, as the last attempt left them.
 * @param work receives the attempt number, from 1
 */
export async function retrying<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions<T>,
): Promise<T> {
  const { policy, judge, onRetry, sleep = wait, random = Math.random } = options;
  const attempts = policy.retries + 1;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await work(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const cause = attempt < attempts ? judge(outcome) : undefined;
    const delayMs =
      cause === undefined ? 0 : retryDelay(policy, attempt, cause.retryAfterMs, random());
    // A server that asks for a longer wait than is left gets its answer now, not later.
    if (cause === undefined || waited + delayMs > policy.budgetMs) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    onRetry?.({ ...cause, attempt: attempt + 1, attempts, delayMs });
    waited += delayMs;
    await sleep(delayMs);
  }
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
