/**
 * The Dagger SDK, loaded by what a client of a running engine needs: the generated client
 * (`dag`) and the GraphQL connection. `import("@dagger.io/dagger")` also loads the SDK's module
 * runtime (TypeScript's compiler, 9 MB of JavaScript) and OpenTelemetry's Node SDK: 1.5 s of a
 * 2-core machine's time before the first engine request, for code a client never runs.
 *
 * The parts come from the SDK's own files, next to the index the package resolves to (its exports
 * map names only the index: we find the files from there). They are the same module instances the
 * index re-exports, so `dag` here is the `dag` a caller's `import { dag } from "@dagger.io/dagger"`
 * gets. Anything unexpected (another layout, another version, a module runtime's own sdk/ folder)
 * falls back to the index itself: slower, never different.
 *
 * OpenTelemetry: the SDK's `connection()` starts it only when an OTEL_* variable is set, and
 * propagates TRACEPARENT; with either present we use `connection()` itself, so traces still
 * reach whoever asked for them.
 */
import type { Client, ConnectOpts, GraphQLClient } from "@dagger.io/dagger";
import type { EngineSession } from "./session.js";

type Env = Readonly<Record<string, string | undefined>>;

/** What withEngine needs of the SDK. */
export interface DaggerSdk {
  /** The SDK's global client, bound to the connection `connection` opens. */
  readonly dag: Client;
  /** Open a session, run `work` with `dag` bound to it, close the session. */
  readonly connection: (work: () => Promise<void>, options: ConnectOpts) => Promise<void>;
  /**
   * Run `work` with `dag` bound to a session already started (engine/session.ts); only when
   * loaded from the parts: the index has no way in but its own provisioning.
   */
  readonly connectTo?: (session: EngineSession, work: () => Promise<void>) => Promise<void>;
  /**
   * A client of its own (not `dag`) for a session already started: several sessions at once,
   * one per engine (engine/engine-session.ts); only when loaded from the parts.
   */
  readonly clientOf?: (session: EngineSession) => Client;
  /** Whether the parts were loaded from the SDK's files ("parts") or its index ("index"). */
  readonly loadedFrom: "parts" | "index";
}

/** The SDK's internal files we load (paths relative to its index), for the version we pin. */
const PARTS = {
  client: "./api/client.gen.js",
  connect: "./common/graphql/connect.js",
  connection: "./common/graphql/connection.js",
  context: "./common/context.js",
  gqlClient: "./common/graphql/client.js",
} as const;
const INDEX_SUFFIX = "/@dagger.io/dagger/dist/src/index.js";

interface ClientPart {
  readonly dag: Client;
  readonly Client: new (context: unknown) => Client;
}
interface ContextPart {
  readonly Context: new (queryTree: unknown[], connection: unknown) => unknown;
}
interface ConnectPart {
  readonly withGQLClient: <T>(
    options: ConnectOpts,
    work: (client: GraphQLClient) => Promise<T>,
  ) => Promise<T>;
}
interface GqlClientPart {
  readonly createGQLClient: (port: number, token: string) => GraphQLClient;
}
interface ConnectionPart {
  readonly Connection: new (client: GraphQLClient) => unknown;
  readonly globalConnection: {
    setGQLClient(client: GraphQLClient): void;
    resetClient(): void;
  };
}

/** Is telemetry asked for (the SDK's own test: any OTEL_* variable), or a trace to join? */
export function wantsTelemetry(env: Env): boolean {
  return Object.keys(env).some((key) => key.startsWith("OTEL_")) || Boolean(env["TRACEPARENT"]);
}

let loading: Promise<DaggerSdk> | undefined;

/** Load the SDK once per process (see the module comment); later calls share the first load. */
export function loadDaggerSdk(env: Env = process.env): Promise<DaggerSdk> {
  loading ??= load(env);
  return loading;
}

/** The SDK's global client, loaded on first use: the default engine client of our functions. */
export async function defaultClient(): Promise<Client> {
  return (await loadDaggerSdk()).dag;
}

async function load(env: Env): Promise<DaggerSdk> {
  const parts = wantsTelemetry(env) ? undefined : await loadParts();
  if (parts !== undefined) return parts;
  const { connection, dag } = await import("@dagger.io/dagger");
  return { dag, connection, loadedFrom: "index" };
}

async function loadParts(): Promise<DaggerSdk | undefined> {
  let index: string;
  try {
    index = import.meta.resolve("@dagger.io/dagger");
  } catch {
    return undefined;
  }
  if (!index.endsWith(INDEX_SUFFIX)) return undefined;
  try {
    const [client, connect, connection, gqlClient, context] = await Promise.all([
      import(new URL(PARTS.client, index).href) as Promise<ClientPart>,
      import(new URL(PARTS.connect, index).href) as Promise<ConnectPart>,
      import(new URL(PARTS.connection, index).href) as Promise<ConnectionPart>,
      import(new URL(PARTS.gqlClient, index).href) as Promise<GqlClientPart>,
      import(new URL(PARTS.context, index).href) as Promise<ContextPart>,
    ]);
    if (
      typeof client.dag !== "object" ||
      typeof connect.withGQLClient !== "function" ||
      typeof connection.globalConnection?.setGQLClient !== "function" ||
      typeof gqlClient.createGQLClient !== "function"
    ) {
      return undefined;
    }
    const { globalConnection } = connection;
    // What the SDK's connection() does once telemetry is set aside: bind `dag`, run, unbind.
    const bound = async (gql: GraphQLClient, work: () => Promise<void>): Promise<void> => {
      globalConnection.setGQLClient(gql);
      try {
        await work();
      } finally {
        globalConnection.resetClient();
      }
    };
    return {
      dag: client.dag,
      connection: (work, options) => connect.withGQLClient(options, (gql) => bound(gql, work)),
      // As the SDK connects to a session it is given (DAGGER_SESSION_PORT/TOKEN).
      connectTo: (session, work) =>
        bound(gqlClient.createGQLClient(session.port, session.token), work),
      // As the SDK's connect() makes its client: its own connection, not the global one.
      ...(typeof client.Client === "function" &&
      typeof context.Context === "function" &&
      typeof connection.Connection === "function"
        ? {
            clientOf: (session: EngineSession) =>
              new client.Client(
                new context.Context(
                  [],
                  new connection.Connection(gqlClient.createGQLClient(session.port, session.token)),
                ),
              ),
          }
        : {}),
      loadedFrom: "parts",
    };
  } catch {
    return undefined;
  }
}
