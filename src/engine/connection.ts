/**
 * Which Dagger engine to talk to, and the one place we connect.
 *
 * The choice, first match wins:
 *  1. Inside `dagger run` (DAGGER_SESSION_PORT set): that session already exists and its owner
 *     chose the engine; use it as is.
 *  2. `_EXPERIMENTAL_DAGGER_RUNNER_HOST` or `_EXPERIMENTAL_DAGGER_CLI_BIN` set: the user pointed
 *     us at an engine or a CLI on purpose; respect that over any guess of ours.
 *  3. An engine listens at Dagger's own default socket (DEFAULT_ENGINE_SOCKET, where a
 *     `dagger-engine` started on this host puts it) and a `dagger` CLI is on PATH: set those two
 *     variables, so `dagger session` runs that CLI against the running engine, instead of
 *     downloading a CLI and starting a second engine in a container.
 *  4. Otherwise the SDK's own provisioning (download the CLI, start an engine in Docker).
 *
 * The Dagger SDK reads its settings only from process.env, so choice 3 writes them there.
 *
 * DAGGER_PROGRESS is left alone: the `dagger session` child writes its log to a pipe (our
 * LogOutput), never to the terminal, so it already picks plain output and never spoils our own
 * lines (checked: identical with and without DAGGER_PROGRESS=plain). We keep the last lines of
 * that log in memory and show them only when connecting fails.
 */
import type { Client } from "@dagger.io/dagger";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { delimiter, join } from "node:path";
import { Writable } from "node:stream";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { stripAnsi } from "../common/text.js";
import { loadDaggerSdk, wantsTelemetry } from "./sdk.js";
import { startSession } from "./session.js";

/** Where a Dagger engine listens by default (Dagger's engine/distconsts DefaultEngineSockAddr). */
export const DEFAULT_ENGINE_SOCKET = "/run/dagger/engine.sock";

const RUNNER_HOST = "_EXPERIMENTAL_DAGGER_RUNNER_HOST";
const CLI_BIN = "_EXPERIMENTAL_DAGGER_CLI_BIN";

type Env = Readonly<Record<string, string | undefined>>;

export type EngineChoice =
  | { readonly kind: "session"; readonly reason: string }
  | { readonly kind: "configured"; readonly reason: string }
  | {
      readonly kind: "local";
      readonly reason: string;
      /** Variables to set before connecting. */
      readonly env: Readonly<Record<string, string>>;
    }
  | { readonly kind: "provision"; readonly reason: string };

/** What chooseEngine may look at on the machine; injectable, so the choice is testable. */
export interface EngineProbes {
  /** Does anything exist at this path (the engine's socket)? */
  readonly exists: (path: string) => boolean;
  /** The path of an executable named `name` on the PATH of `env`, if any. */
  readonly which: (name: string, env: Env) => string | undefined;
}

/** The first executable `name` in `env.PATH`, like the shell's `command -v`. */
export function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // Not there, or not executable: try the next directory.
    }
  }
  return undefined;
}

/** The machine itself. */
export const hostProbes: EngineProbes = { exists: existsSync, which: findOnPath };

const set = (value: string | undefined): value is string => value !== undefined && value !== "";

/** Pick the engine (see the module comment). Pure: the environment and probes are given. */
export function chooseEngine(env: Env, probes: EngineProbes = hostProbes): EngineChoice {
  if (set(env["DAGGER_SESSION_PORT"])) {
    return { kind: "session", reason: "inside a Dagger session (DAGGER_SESSION_PORT)" };
  }
  const runner = env[RUNNER_HOST];
  const cli = env[CLI_BIN];
  if (set(runner) || set(cli)) {
    const parts = [
      ...(set(runner) ? [`${RUNNER_HOST}=${runner}`] : []),
      ...(set(cli) ? [`${CLI_BIN}=${cli}`] : []),
    ];
    return { kind: "configured", reason: `as configured: ${parts.join(", ")}` };
  }
  if (!probes.exists(DEFAULT_ENGINE_SOCKET)) {
    return { kind: "provision", reason: "no engine configured: the Dagger SDK provisions one" };
  }
  const localCli = probes.which("dagger", env);
  if (localCli === undefined) {
    return {
      kind: "provision",
      reason: `unix://${DEFAULT_ENGINE_SOCKET} exists but no dagger CLI is on PATH: the Dagger SDK provisions an engine`,
    };
  }
  return {
    kind: "local",
    reason: `the local engine at unix://${DEFAULT_ENGINE_SOCKET} with ${localCli}`,
    env: { [RUNNER_HOST]: `unix://${DEFAULT_ENGINE_SOCKET}`, [CLI_BIN]: localCli },
  };
}

/** Where a runner host listens, when it is a plain socket we can try before connecting. */
export type RunnerEndpoint =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** `unix:///run/x.sock` or `tcp://host:1234`; other schemes (docker-image://, ...) → undefined. */
export function runnerEndpoint(runnerHost: string | undefined): RunnerEndpoint | undefined {
  if (runnerHost === undefined) return undefined;
  if (runnerHost.startsWith("unix://")) {
    const path = runnerHost.slice("unix://".length);
    return path === "" ? undefined : { kind: "unix", path };
  }
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(runnerHost);
  if (tcp?.[1] === undefined || tcp[2] === undefined) return undefined;
  return { kind: "tcp", host: tcp[1].replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
}

const PROBE_TIMEOUT_MS = 3_000;

/**
 * Does anything accept connections at the endpoint? Without this check, `dagger session` keeps
 * retrying a dead socket for minutes (and ignores SIGTERM meanwhile).
 * @returns undefined when it does, else why not
 */
export function probeEndpoint(endpoint: RunnerEndpoint): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket =
      endpoint.kind === "unix"
        ? createConnection({ path: endpoint.path })
        : createConnection({ host: endpoint.host, port: endpoint.port });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done("no answer in 3 s"));
    socket.once("connect", () => done(undefined));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done(error.code === undefined ? error.message : `${error.code}: ${error.message}`),
    );
  });
}

/** The last lines written to it: the engine session's log, kept for error reports. */
export class LogTail extends Writable {
  #text = "";
  constructor(
    private readonly maxChars = 8_000,
    private readonly onChunk?: (text: string) => void,
  ) {
    super();
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    this.#text = (this.#text + String(chunk)).slice(-this.maxChars);
    this.onChunk?.(String(chunk));
    done();
  }
  /** The kept text, without terminal colour codes. */
  get text(): string {
    return stripAnsi(this.#text);
  }
}

export interface WithEngineOptions {
  /**
   * The environment to choose from, and where the local choice's variables are written
   * (default: process.env, the only one the Dagger SDK reads).
   */
  readonly env?: NodeJS.ProcessEnv;
  /** What the choice may look at on the machine (default: the machine itself). */
  readonly probes?: EngineProbes;
  /** Told which engine was chosen, before connecting. */
  readonly onChoice?: (choice: EngineChoice) => void;
  /** Told each piece of the session's log as it comes: every step, and each step's output. */
  readonly onLog?: (text: string) => void;
}

type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Connect to the engine chosen by chooseEngine, run `work`, disconnect. Errors thrown by `work`
 * come out unchanged (the SDK's provisioning path would otherwise wrap them in a plain Error);
 * failing to connect at all is ENGINE_UNAVAILABLE with the tail of the session's log.
 * The Dagger SDK is loaded here, lazily and only the parts a client needs (engine/sdk.ts):
 * nothing before this call loads it or starts an engine.
 */
export async function withEngine<T>(
  work: (client: Client) => Promise<T>,
  options: WithEngineOptions = {},
): Promise<T> {
  const env = options.env ?? process.env;
  const choice = chooseEngine(env, options.probes);
  if (choice.kind === "local") Object.assign(env, choice.env);
  options.onChoice?.(choice);

  const endpoint = choice.kind === "session" ? undefined : runnerEndpoint(env[RUNNER_HOST]);
  const unreachable = endpoint === undefined ? undefined : await probeEndpoint(endpoint);
  if (unreachable !== undefined) {
    throw new MultiarchError(
      ErrorCode.ENGINE_UNAVAILABLE,
      `No Dagger engine answers at ${env[RUNNER_HOST] ?? ""} (${choice.reason}): ${unreachable}.`,
      { hint: engineHint(choice) },
    );
  }

  const log = new LogTail(undefined, options.onLog);
  // With a dagger CLI named and no telemetry to start, the session starts while the SDK loads.
  const cli = env[CLI_BIN];
  const early =
    choice.kind !== "session" && set(cli) && !wantsTelemetry(env)
      ? startSession(cli, log, env)
      : undefined;
  early?.catch(() => undefined); // its failure is reported where it is awaited
  let outcome: Outcome<T> | undefined;
  const run = async (dag: Client): Promise<void> => {
    try {
      outcome = { ok: true, value: await work(dag) };
    } catch (error) {
      outcome = { ok: false, error };
    }
  };
  try {
    const { connection, connectTo, dag } = await loadDaggerSdk(env);
    if (early !== undefined && connectTo !== undefined) {
      const session = await early;
      try {
        await connectTo(session, () => run(dag));
      } finally {
        session.close();
      }
    } else {
      void early?.then(
        (session) => session.close(),
        () => undefined,
      );
      await connection(() => run(dag), { LogOutput: log });
    }
  } catch (error) {
    // After `work` ran, a failure is only the session closing: the result stands.
    if (outcome === undefined) {
      throw new MultiarchError(
        ErrorCode.ENGINE_UNAVAILABLE,
        `Cannot connect to the Dagger engine (${choice.reason}).`,
        {
          stderr: [error instanceof Error ? error.message : String(error), log.text]
            .filter(Boolean)
            .join("\n"),
          cause: error,
          hint: engineHint(choice),
        },
      );
    }
  }
  if (outcome === undefined) {
    throw new MultiarchError(ErrorCode.ENGINE_UNAVAILABLE, "The Dagger session ended early.", {
      stderr: log.text,
    });
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function engineHint(choice: EngineChoice): string {
  switch (choice.kind) {
    case "session":
      return "the surrounding 'dagger run' session is gone or unreachable";
    case "configured":
      return `check ${RUNNER_HOST} (is an engine listening there?) and ${CLI_BIN} (is it a dagger CLI of the engine's version?)`;
    case "local":
      return `start the engine that listens at unix://${DEFAULT_ENGINE_SOCKET}, or set ${RUNNER_HOST} to an engine that is running`;
    case "provision":
      return `start a Dagger engine and set ${RUNNER_HOST} (e.g. unix://${DEFAULT_ENGINE_SOCKET}) and ${CLI_BIN} (a dagger CLI of the engine's version), or make Docker available for the Dagger SDK to start one`;
  }
}
