/**
 * HTTP for the registry client and its authentication: fetch with a timeout, retried (retry.ts)
 * on 429, 5xx and dropped connections, through the proxy the environment names; network failures
 * turned into errors that say what to check, and the registry's error bodies read for messages.
 */
import { z } from "zod";
import { ErrorCode, isMultiarchError, MultiarchError } from "../common/errors.js";
import {
  isRetryableStatus,
  parseRetryAfter,
  retrying,
  type RetryCause,
  type RetryNotice,
  type RetryPolicy,
} from "./retry.js";

/**
 * Send one request, retried while the registry answers 429 or 5xx or the connection fails (see
 * retry.ts). The answer's body is read within the attempt, so a connection dropped mid-body is
 * retried too. Network failures and timeouts of the last attempt reject with REGISTRY_ERROR;
 * any HTTP answer, whatever its status, resolves. Every request the client makes is idempotent
 * (GET, HEAD, PUT of a manifest by content, DELETE by digest), so repeating one is safe.
 * @param operation names the request in errors and retry notices, e.g. `GET manifest`, `token`
 * @param maxBytes the most body bytes to read: a longer answer (by Content-Length, or once that
 *   many bytes have arrived) is refused with REGISTRY_ERROR (its `status`, `operation`), not
 *   retried, and the rest of it is never read
 */
export type Send = (
  url: string,
  init: RequestInit,
  operation: string,
  maxBytes?: number,
) => Promise<Response>;

/** A retry about to happen, for progress output. */
export interface RequestRetry extends RetryNotice {
  readonly operation: string;
}

export interface TransportOptions {
  readonly fetch: typeof fetch;
  /** Per attempt, reading the body included. */
  readonly timeoutMs: number;
  /** What to scrub from errors, asked for when one is made (tokens arrive over time). */
  readonly secrets: () => readonly string[];
  readonly retry: RetryPolicy;
  readonly onRetry?: ((retry: RequestRetry) => void) | undefined;
  /** Replaces the waits between attempts (tests). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** How much of an error body to quote. */
const MAX_ERROR_BODY = 2_000;

/** Answers that carry no body, whatever the server sent. */
const NO_BODY_STATUS = new Set([204, 205, 304]);

const registryErrorsSchema = z.object({
  errors: z.array(
    z.object({
      code: z.string().optional(),
      message: z.string().optional(),
      detail: z.unknown().optional(),
    }),
  ),
});

export function createTransport(options: TransportOptions): Send {
  return async (url, init, operation, maxBytes) => {
    const method = init.method ?? "GET";
    try {
      return await retrying(
        async () => {
          const response = await options.fetch(url, {
            ...init,
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          if (method === "HEAD" || NO_BODY_STATUS.has(response.status)) return response;
          const body =
            maxBytes === undefined
              ? await response.arrayBuffer()
              : await boundedBody(response, maxBytes, url, operation, options.secrets());
          return new Response(body, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
        },
        {
          policy: options.retry,
          judge: (outcome) =>
            outcome.ok ? retryableAnswer(outcome.value) : retryableFailure(outcome.error),
          onRetry: (notice) => options.onRetry?.({ ...notice, operation }),
          sleep: options.sleep,
        },
      );
    } catch (cause) {
      if (isMultiarchError(cause)) throw cause; // an answer we refused: already said why
      throw networkError(url, operation, cause, options.secrets());
    }
  };
}

/**
 * The body, read chunk by chunk up to `maxBytes`: an answer that says or turns out to be longer
 * is refused as soon as that shows, and its connection let go, so a hostile or broken registry
 * cannot make us hold more than `maxBytes`.
 */
async function boundedBody(
  response: Response,
  maxBytes: number,
  url: string,
  operation: string,
  secrets: readonly string[],
): Promise<Uint8Array> {
  const tooLong = (size: string): MultiarchError =>
    new MultiarchError(
      ErrorCode.REGISTRY_ERROR,
      `Registry ${new URL(url).origin} answered ${operation} with ${size}, more than the ${maxBytes} bytes we read.`,
      {
        status: response.status,
        operation,
        secrets,
        hint: "a manifest this large is refused unread: the registry or a proxy in between is misbehaving",
      },
    );
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await discard(response);
    throw tooLong(`a body of ${declared} bytes (Content-Length)`);
  }
  const body = response.body as ReadableStream<Uint8Array> | null;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    got += value.byteLength;
    if (got > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLong(`a body of more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, got);
}

/** A 429 or 5xx, with the server's Retry-After; undefined for any other answer. */
function retryableAnswer(response: Response): RetryCause | undefined {
  if (!isRetryableStatus(response.status)) return undefined;
  return {
    reason: String(response.status),
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), Date.now()),
  };
}

/**
 * A connection that failed, was reset or timed out is worth another try; a failed TLS
 * handshake or a name that does not resolve is not (it will fail the same way).
 */
function retryableFailure(error: unknown): RetryCause | undefined {
  if (isMultiarchError(error)) return undefined; // refused by us (too long): the same again
  const reason = describeNetworkError(error);
  if (isTlsFailure(reason) || /ENOTFOUND/.test(reason)) return undefined;
  const code = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(reason)?.[1];
  return { reason: code ?? reason };
}

function networkError(
  url: string,
  operation: string,
  cause: unknown,
  secrets: readonly string[],
): MultiarchError {
  const server = new URL(url).origin;
  const reason = describeNetworkError(cause);
  return new MultiarchError(
    ErrorCode.REGISTRY_ERROR,
    `Cannot reach registry ${server}: ${reason}.`,
    {
      cause,
      operation,
      secrets,
      hint: isTlsFailure(reason)
        ? "the HTTPS handshake failed: if the registry serves plain HTTP, set plainHttp: true"
        : `check that a registry is running at ${server} (host and port), that it is reachable ` +
          "from here, and whether it serves HTTP or HTTPS (plainHttp)",
    },
  );
}

function isTlsFailure(reason: string): boolean {
  return /ssl|tls|certificate|wrong version number|EPROTO/i.test(reason);
}

/** The proxy variables curl, Docker and undici read; NO_PROXY / no_proxy lists the exceptions. */
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] as const;

/**
 * The fetch requests go out with: Node's own, or, when a proxy variable is set, undici's fetch
 * through its EnvHttpProxyAgent (Node 20's fetch ignores those variables). undici loads only
 * then.
 */
export function defaultFetch(env: NodeJS.ProcessEnv = process.env): typeof fetch {
  if (!PROXY_VARIABLES.some((name) => (env[name] ?? "") !== "")) return globalThis.fetch;
  let proxied: Promise<typeof fetch> | undefined;
  return async (input, init) => {
    proxied ??= import("undici").then(({ EnvHttpProxyAgent, fetch: undiciFetch }) => {
      const dispatcher = new EnvHttpProxyAgent();
      // undici's Request and Response are the classes Node's fetch is built from.
      return ((url: string, options?: RequestInit) =>
        undiciFetch(url, {
          ...(options as Parameters<typeof undiciFetch>[1]),
          dispatcher,
        })) as unknown as typeof fetch;
    });
    return (await proxied)(input, init);
  };
}

/** Free the connection of a response whose body we do not need. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `: CODE: message; CODE: message` from a registry error body, or a quote of a non-JSON one. */
export function registryErrorText(body: string): string {
  if (body.trim() === "") return "";
  const parsed = registryErrorsSchema.safeParse(safeJson(body));
  if (!parsed.success) return `: ${body.trim().slice(0, MAX_ERROR_BODY)}`;
  const parts = parsed.data.errors.map((e) => {
    const detail = e.detail === undefined ? "" : ` (${JSON.stringify(e.detail)})`;
    return `${e.code ?? "UNKNOWN"}: ${e.message ?? ""}${detail}`;
  });
  return `: ${parts.join("; ").slice(0, MAX_ERROR_BODY)}`;
}

/** The innermost useful text of a fetch failure (undici wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return "no answer before the timeout";
  }
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    const message = current.message;
    messages.push(
      typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message,
    );
    current = current.cause;
  }
  return messages.at(-1) ?? String(error);
}
