/**
 * Progress events of long work, for a CLI, a log or a UI to show as they happen.
 */
export type ProgressEvent =
  | { readonly kind: "probe"; readonly platforms: readonly string[] }
  | { readonly kind: "build-start"; readonly platform: string }
  | { readonly kind: "build-done"; readonly platform: string; readonly seconds: number }
  | { readonly kind: "build-failed"; readonly platform: string; readonly seconds: number }
  | {
      /** Platforms sent to another engine (routing); `engine` is its runner host. */
      readonly kind: "engine-route";
      readonly engine: string;
      readonly platforms: readonly string[];
    }
  | {
      /** A routed engine failed: its platforms are built on the default engine instead. */
      readonly kind: "engine-fallback";
      readonly engine: string;
      readonly platforms: readonly string[];
      readonly reason: string;
    }
  | { readonly kind: "push-start"; readonly ref: string }
  | { readonly kind: "push-done"; readonly digest: string; readonly seconds: number }
  | { readonly kind: "verify-start"; readonly ref: string; readonly scanBinaries: boolean }
  | { readonly kind: "verify-done"; readonly seconds: number }
  | { readonly kind: "attest-start"; readonly platform: string; readonly what: string }
  | {
      readonly kind: "attest-done";
      readonly platform: string;
      readonly where: string;
      readonly seconds: number;
    }
  | {
      readonly kind: "retry";
      /** What is tried again: a registry request (`GET manifest`), or `push`. */
      readonly operation: string;
      /** The attempt about to start (2 for the first retry), of `attempts`. */
      readonly attempt: number;
      readonly attempts: number;
      /** Why: an HTTP status (`503`), a network error code (`ECONNRESET`), … */
      readonly reason: string;
      /** The wait before it. */
      readonly seconds: number;
    };

export type ProgressListener = (event: ProgressEvent) => void;

/** The progress event for a retry notice (registry/retry.ts's RetryNotice plus its operation). */
export function retryEvent(retry: {
  readonly operation: string;
  readonly attempt: number;
  readonly attempts: number;
  readonly reason: string;
  readonly delayMs: number;
}): ProgressEvent {
  const { operation, attempt, attempts, reason, delayMs } = retry;
  return { kind: "retry", operation, attempt, attempts, reason, seconds: delayMs / 1000 };
}

/** The listener used when the caller gives none. */
export const silent: ProgressListener = () => undefined;
