/**
 * HTTP for the registry client and its authentication: fetch with a timeout, network failures
 * turned into errors that say what to check, and the registry's error bodies read for messages.
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";

/**
 * Send one request. Network failures and timeouts reject with REGISTRY_ERROR; any HTTP answer,
 * whatever its status, resolves.
 * @param operation names the request in errors, e.g. `GET manifest`, `token`
 */
export type Send = (url: string, init: RequestInit, operation: string) => Promise<Response>;

export interface TransportOptions {
  readonly fetch: typeof fetch;
  /** Per request, reading the body included. */
  readonly timeoutMs: number;
  /** What to scrub from errors, asked for when one is made (tokens arrive over time). */
  readonly secrets: () => readonly string[];
}

/** How much of an error body to quote. */
const MAX_ERROR_BODY = 2_000;

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
  return async (url, init, operation) => {
    try {
      return await options.fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (cause) {
      const server = new URL(url).origin;
      const reason = describeNetworkError(cause);
      const tls = /ssl|tls|certificate|wrong version number|EPROTO/i.test(reason);
      throw new MultiarchError(
        ErrorCode.REGISTRY_ERROR,
        `Cannot reach registry ${server}: ${reason}.`,
        {
          cause,
          operation,
          secrets: options.secrets(),
          hint: tls
            ? "the HTTPS handshake failed: if the registry serves plain HTTP, set plainHttp: true"
            : `check that a registry is running at ${server} (host and port), that it is reachable ` +
              "from here, and whether it serves HTTP or HTTPS (plainHttp)",
        },
      );
    }
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
