/**
 * A Dagger session on a given engine, beside the default one (withEngine's): several at once in
 * one process.
 *
 * Usually (the SDK loaded from its parts, a dagger CLI named): we start `dagger session` with the
 * engine's address in its own environment (_EXPERIMENTAL_DAGGER_RUNNER_HOST; engine/session.ts)
 * and bind a Client of its own to it (not `dag`, the one global client per process). Otherwise
 * the SDK's `connect()`, which also gives each session its own Client but spawns its child with
 * our process.env: then opening is serialised (the variable set, the session opened, the
 * environment restored before the next one opens); once open, sessions run side by side.
 *
 * While the work runs, the engine is watched (a TCP or socket connect every few seconds): when
 * an engine dies, its requests do not always fail (the session may wait for it to come back), so
 * a watched engine that stops answering ends the work with ENGINE_FAILED. */
import type { Client } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { LogTail, probeEndpoint, runnerEndpoint, type RunnerEndpoint } from "./connection.js";
import { loadDaggerSdk } from "./sdk.js";
import { startSession, type EngineSession } from "./session.js";

const RUNNER_HOST = "_EXPERIMENTAL_DAGGER_RUNNER_HOST";
const CLI_BIN = "_EXPERIMENTAL_DAGGER_CLI_BIN";
/** Inside `dagger run` the SDK would reuse that session whatever the runner host says. */
const SESSION_VARIABLES = ["DAGGER_SESSION_PORT", "DAGGER_SESSION_TOKEN"] as const;

/** How often a watched engine is probed, and how many failed probes in a row mean it is gone. */
const WATCH_INTERVAL_MS = 2_000;
const WATCH_MISSES = 2;
/** Probes of an engine after its work failed, before the failure is taken as the build's own. */
const GONE_PROBES = 3;

let opening: Promise<void> = Promise.resolve();

export interface EngineSessionOptions {
  /** Names the work in errors: the platforms this engine builds (or is asked about). */
  readonly platforms: readonly string[];
  /** What the engine was opened for, so a failure says what did not happen (default build). */
  readonly purpose?: EnginePurpose;
}

/** build: it was to build platforms (publish); plan: it was only asked how it would. */
export type EnginePurpose = "build" | "plan";

/**
 * Open a session on the engine at `runnerHost`, run `work` with its client, close it.
 * @throws MultiarchError ENGINE_FAILED when the engine does not answer, cannot be connected to,
 * or stops answering while `work` runs; errors of `work` itself otherwise come out unchanged
 */
export async function withEngineAt<T>(
  runnerHost: string,
  work: (client: Client) => Promise<T>,
  options: EngineSessionOptions,
): Promise<T> {
  await assertEngineAnswers(runnerHost, options.platforms, options.purpose);
  const log = new LogTail();
  const sdk = await loadDaggerSdk();
  const cli = process.env[CLI_BIN];
  if (sdk.clientOf !== undefined && cli !== undefined && cli !== "") {
    return withOwnSession(runnerHost, cli, sdk.clientOf, log, work, options);
  }
  return withSdkSession(runnerHost, log, work, options);
}

/**
 * The session started by us (engine/session.ts) with the runner host in its own environment, and
 * a client of its own bound to it: nothing global is touched, sessions open side by side.
 */
async function withOwnSession<T>(
  runnerHost: string,
  cli: string,
  clientOf: (session: EngineSession) => Client,
  log: LogTail,
  work: (client: Client) => Promise<T>,
  options: EngineSessionOptions,
): Promise<T> {
  const env: NodeJS.ProcessEnv = { ...process.env, [RUNNER_HOST]: runnerHost };
  for (const name of SESSION_VARIABLES) delete env[name];
  let session: EngineSession;
  try {
    session = await startSession(cli, log, env);
  } catch (error) {
    throw engineFailed(runnerHost, options.platforms, "connecting to it failed", {
      purpose: options.purpose,
      stderr: [error instanceof Error ? error.message : String(error), log.text]
        .filter(Boolean)
        .join("\n"),
      cause: error,
    });
  }
  try {
    return await watched(runnerHost, options.platforms, work(clientOf(session)));
  } finally {
    session.close();
  }
}

/**
 * The SDK's own connect(): its `dagger session` child reads the runner host from process.env
 * when spawned, so opening is serialised around setting it (see the module comment).
 */
async function withSdkSession<T>(
  runnerHost: string,
  log: LogTail,
  work: (client: Client) => Promise<T>,
  options: EngineSessionOptions,
): Promise<T> {
  const { connect } = await import("@dagger.io/dagger");
  let opened!: () => void;
  const isOpen = new Promise<void>((resolve) => (opened = resolve));
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;

  // Until the child runs (or connecting failed), nobody else may touch the environment.
  const release = await takeTurn();
  const saved = Object.fromEntries(
    [RUNNER_HOST, ...SESSION_VARIABLES].map((name) => [name, process.env[name]]),
  );
  let session: Promise<void>;
  try {
    process.env[RUNNER_HOST] = runnerHost;
    for (const name of SESSION_VARIABLES) delete process.env[name];
    session = connect(
      async (client) => {
        opened();
        outcome = await settle(watched(runnerHost, options.platforms, work(client)));
      },
      { LogOutput: log },
    );
    await Promise.race([isOpen, session.catch(() => undefined)]);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    release();
  }

  try {
    await session;
  } catch (error) {
    if (outcome === undefined) {
      throw engineFailed(runnerHost, options.platforms, "connecting to it failed", {
        purpose: options.purpose,
        stderr: [error instanceof Error ? error.message : String(error), log.text]
          .filter(Boolean)
          .join("\n"),
        cause: error,
      });
    }
  }
  if (outcome === undefined) {
    throw engineFailed(runnerHost, options.platforms, "its session ended early", {
      purpose: options.purpose,
      stderr: log.text,
    });
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * Fail fast when nothing listens at a unix:// or tcp:// runner host (other schemes are tried by
 * connecting).
 * @throws MultiarchError ENGINE_FAILED
 */
export async function assertEngineAnswers(
  runnerHost: string,
  platforms: readonly string[],
  purpose: EnginePurpose = "build",
): Promise<void> {
  const endpoint = runnerEndpoint(runnerHost);
  const unreachable = endpoint === undefined ? undefined : await probeEndpoint(endpoint);
  if (unreachable !== undefined) {
    throw engineFailed(runnerHost, platforms, `it does not answer: ${unreachable}`, { purpose });
  }
}

/** ENGINE_FAILED for the engine at `runnerHost` and the platforms it was to build. */
export function engineFailed(
  runnerHost: string,
  platforms: readonly string[],
  why: string,
  more: {
    readonly stderr?: string;
    readonly cause?: unknown;
    readonly purpose?: EnginePurpose | undefined;
  } = {},
): MultiarchError {
  const { purpose = "build", ...rest } = more;
  if (purpose === "plan") {
    return new MultiarchError(
      ErrorCode.ENGINE_FAILED,
      `The engine ${runnerHost} failed (${why}): plan could not ask it how it runs ${platforms.join(", ")}.`,
      {
        engine: runnerHost,
        ...rest,
        hint: `start the engine at ${runnerHost} and run again, or leave it out of --engine`,
      },
    );
  }
  return new MultiarchError(
    ErrorCode.ENGINE_FAILED,
    `The engine ${runnerHost} failed (${why}); its platforms ${platforms.join(", ")} were not built. Nothing was tagged.`,
    {
      engine: runnerHost,
      ...rest,
      hint: `start the engine at ${runnerHost} and run again, or pass --fallback emulate (fallback: "emulate") to build its platforms on the default engine`,
    },
  );
}

/**
 * Why the engine no longer answers, or undefined when it does. Asked a few times: an engine
 * killed a moment ago can still accept connections while its process is torn down.
 */
async function gone(endpoint: RunnerEndpoint): Promise<string | undefined> {
  for (let i = 0; i < GONE_PROBES; i++) {
    const why = await probeEndpoint(endpoint);
    if (why !== undefined) return why;
    await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS / 2));
  }
  return undefined;
}

/** Wait for the sessions opening before this one; call the result once this one is open. */
async function takeTurn(): Promise<() => void> {
  const before = opening;
  let release!: () => void;
  opening = new Promise<void>((resolve) => (release = resolve));
  await before;
  return release;
}

async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * `work`, or ENGINE_FAILED as soon as the engine misses WATCH_MISSES probes in a row; also when
 * `work` failed and the engine no longer answers (the failure was the engine's, not the build's).
 */
async function watched<T>(
  runnerHost: string,
  platforms: readonly string[],
  work: Promise<T>,
): Promise<T> {
  const endpoint = runnerEndpoint(runnerHost);
  if (endpoint === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  let misses = 0;
  let done = false;
  const lost = new Promise<never>((_, reject) => {
    const probe = () => {
      void probeEndpoint(endpoint).then((why) => {
        if (done) return;
        misses = why === undefined ? 0 : misses + 1;
        if (misses >= WATCH_MISSES) {
          reject(
            engineFailed(
              runnerHost,
              platforms,
              `it stopped answering while building: ${why ?? ""}`,
            ),
          );
        } else {
          timer = setTimeout(probe, WATCH_INTERVAL_MS);
        }
      });
    };
    timer = setTimeout(probe, WATCH_INTERVAL_MS);
  });
  // Whichever loses the race may reject later: expected, not unhandled.
  work.catch(() => undefined);
  lost.catch(() => undefined);
  try {
    return await Promise.race([work, lost]);
  } catch (error) {
    if (error instanceof MultiarchError && error.code === ErrorCode.ENGINE_FAILED) throw error;
    const why = await gone(endpoint);
    if (why !== undefined) {
      throw engineFailed(runnerHost, platforms, `it stopped answering while building: ${why}`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
