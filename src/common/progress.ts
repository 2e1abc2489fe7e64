/**
 * Progress events of long work, for a CLI, a log or a UI to show as they happen.
 */
export type ProgressEvent =
  | { readonly kind: "probe"; readonly platforms: readonly string[] }
  | { readonly kind: "build-start"; readonly platform: string }
  | { readonly kind: "build-done"; readonly platform: string; readonly seconds: number }
  | { readonly kind: "build-failed"; readonly platform: string; readonly seconds: number }
  | { readonly kind: "push-start"; readonly ref: string }
  | { readonly kind: "push-done"; readonly digest: string; readonly seconds: number }
  | { readonly kind: "verify-start"; readonly ref: string; readonly scanBinaries: boolean }
  | { readonly kind: "verify-done"; readonly seconds: number };

export type ProgressListener = (event: ProgressEvent) => void;

/** The listener used when the caller gives none. */
export const silent: ProgressListener = () => undefined;
