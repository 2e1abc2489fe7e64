// A registry proxy that misbehaves on purpose, for reliability tests: a small HTTP server on
// 127.0.0.1 in front of a real registry that answers some requests 503, drops some connections
// (before answering, or halfway through the body) and slows some bodies down, chosen by a seeded
// random source so a run can be repeated. It is bounded: it stops by itself after `maxRequests`
// requests or `lifetimeMs`, whichever comes first, and counts what it did.
import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

export type RequestMatch = (method: string, path: string) => boolean;

export interface FaultRates {
  /** Fraction of requests answered 503 without reaching the registry. */
  readonly unavailable?: number;
  /**
   * Fraction of requests whose connection is dropped: half before the registry sees them; half
   * halfway through the answer's body for a GET, before the registry sees them otherwise.
   */
  readonly reset?: number;
  /** Fraction of requests the registry handles but whose answer is lost (connection dropped). */
  readonly lostAnswer?: number;
  /** Fraction of answers whose body trickles out in small, delayed pieces. */
  readonly slow?: number;
}

export interface FaultProxyOptions {
  /** `host:port` of the registry behind the proxy, plain HTTP. */
  readonly upstream: string;
  readonly faults: FaultRates;
  /** Seed of the random source that picks the faults. */
  readonly seed?: number;
  /** Requests the proxy serves at most; then it closes. */
  readonly maxRequests?: number;
  /** How long the proxy lives at most. */
  readonly lifetimeMs?: number;
  /** Only requests for which this holds may be faulted (default: every /v2/ request). */
  readonly eligible?: (method: string, path: string) => boolean;
}

export interface FaultCounts {
  requests: number;
  /** CONNECT tunnels opened (a client using the proxy as HTTP_PROXY). */
  tunnels: number;
  outages: number;
  unavailable: number;
  resetBeforeAnswer: number;
  resetMidBody: number;
  /** Dropped once the registry had handled the request, before any answer. */
  lostAnswer: number;
  slow: number;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`: a registry address for the engine and our client (plain HTTP, loopback). */
  readonly address: string;
  readonly counts: Readonly<FaultCounts>;
  /** Faults injected so far, of every kind. */
  faults(): number;
  /** Change the rates from now on (0 for none). */
  setFaults(faults: FaultRates): void;
  /** Stop listening and drop every connection for `ms` (a registry restart), then listen again. */
  outage(ms: number): Promise<void>;
  /**
   * Hold the next request that `match`es (once) while `whileHeld` runs, then forward it, or drop
   * it when its client has gone by then: the registry never sees it.
   */
  holdNext(match: RequestMatch, whileHeld: () => Promise<void>): void;
  /** Forget a holdNext whose request has not come. */
  disarm(): void;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded generator, plenty for choosing faults. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const [upstreamHost = "127.0.0.1", upstreamPort = "80"] = options.upstream.split(":");
  const random = seeded(options.seed ?? 1);
  const maxRequests = options.maxRequests ?? 20_000;
  const eligible = options.eligible ?? ((_method: string, path: string) => path.startsWith("/v2/"));
  let faults = { unavailable: 0, reset: 0, lostAnswer: 0, slow: 0, ...options.faults };
  const counts: FaultCounts = {
    requests: 0,
    tunnels: 0,
    outages: 0,
    unavailable: 0,
    resetBeforeAnswer: 0,
    resetMidBody: 0,
    lostAnswer: 0,
    slow: 0,
  };
  const sockets = new Set<Socket>();
  let armed: { match: RequestMatch; whileHeld: () => Promise<void> } | undefined;

  const server: Server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const trap = armed;
    const held = trap !== undefined && trap.match(method, path) ? trap : undefined;
    if (held === undefined) {
      serve(req, res);
      return;
    }
    armed = undefined;
    req.pause();
    void held.whileHeld().then(() => {
      if (req.socket.destroyed) return;
      req.resume();
      serve(req, res);
    });
  });

  function serve(req: IncomingMessage, res: ServerResponse): void {
    counts.requests += 1;
    if (counts.requests >= maxRequests) void close();
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const faulty = eligible(method, path);
    const roll = faulty ? random() : 1;
    if (roll < faults.unavailable) {
      counts.unavailable += 1;
      req.resume();
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "0" });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}');
      return;
    }
    // A reset drops the connection: before the registry sees the request, or (for a GET, whose
    // answer has a body) halfway through the answer's body. A lost answer: the registry handled
    // the request, and the connection drops before any answer.
    const next = roll - faults.unavailable;
    const reset = next >= 0 && next < faults.reset;
    const midBody = reset && method === "GET" && next >= faults.reset / 2;
    const lost = !reset && next >= faults.reset && next < faults.reset + faults.lostAnswer;
    if (reset && !midBody) {
      counts.resetBeforeAnswer += 1;
      req.socket.destroy();
      return;
    }
    const slow = faulty && !midBody && !lost && random() < faults.slow;

    const upstream = httpRequest(
      {
        host: upstreamHost,
        port: Number(upstreamPort),
        method,
        path,
        // Host as the client sent it: the registry builds upload URLs from it, so they point
        // back at the proxy.
        headers: req.headers,
      },
      (answer: IncomingMessage) => {
        if (lost) {
          counts.lostAnswer += 1;
          answer.destroy();
          res.socket?.destroy();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        if (midBody && Number(answer.headers["content-length"] ?? 0) > 1) {
          counts.resetMidBody += 1;
          answer.once("data", (chunk: Buffer) => {
            res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))));
            answer.destroy();
            res.socket?.destroy();
          });
          return;
        }
        if (slow) {
          counts.slow += 1;
          answer.on("data", (chunk: Buffer) => {
            answer.pause();
            res.write(chunk);
            setTimeout(() => answer.resume(), 20);
          });
          answer.on("end", () => res.end());
          return;
        }
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
  // As a forward proxy (HTTP_PROXY): CONNECT tunnels, counted, never faulted.
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    counts.tunnels += 1;
    const [host = "", port = "80"] = (req.url ?? "").split(":");
    const target = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    target.on("error", () => client.destroy());
    client.on("error", () => target.destroy());
    sockets.add(target);
    target.on("close", () => sockets.delete(target));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 30 * 60_000);
  lifetime.unref();

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  }

  const port = (server.address() as AddressInfo).port;

  /** As a registry restart looks: every connection dropped, none accepted for `ms`. */
  async function outage(ms: number): Promise<void> {
    counts.outages += 1;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (closing === undefined) {
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    }
  }

  return {
    address: `127.0.0.1:${port}`,
    counts,
    faults: () =>
      counts.unavailable +
      counts.resetBeforeAnswer +
      counts.resetMidBody +
      counts.lostAnswer +
      counts.slow,
    setFaults: (next) => {
      faults = { unavailable: 0, reset: 0, lostAnswer: 0, slow: 0, ...next };
    },
    outage,
    holdNext: (match, whileHeld) => {
      armed = { match, whileHeld };
    },
    disarm: () => {
      armed = undefined;
    },
    close,
  };
}
