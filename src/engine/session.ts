/**
 * A `dagger session`, started by us instead of by the Dagger SDK, so that it starts while the SDK
 * loads rather than after: the SDK spawns the session only once it is loaded and asked to
 * connect, and both take about as long (a Go binary connecting to the engine; the SDK's modules).
 * The session is the SDK's own: the same command, labels and connect parameters (the JSON line
 * `{"port":…,"session_token":…}` it prints); the SDK then connects to it as to a session it was
 * given (DAGGER_SESSION_PORT), and we end it as the SDK does, with SIGTERM.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";

export interface EngineSession {
  readonly port: number;
  readonly token: string;
  /** End the session (SIGTERM), without holding this process open for it. */
  close(): void;
}

/** The SDK's version, for the session's labels (as the SDK labels its own sessions). */
function sdkVersion(): string {
  try {
    const index = import.meta.resolve("@dagger.io/dagger");
    const file = new URL("../../package.json", index);
    const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : "n/a";
  } catch {
    return "n/a";
  }
}

/**
 * Start `cli session` and resolve once it printed its connect parameters; its stderr (the
 * engine's log) goes to `log`.
 * @throws Error when it ends, or prints something else, before that
 */
export function startSession(
  cli: string,
  log: Writable,
  env: NodeJS.ProcessEnv,
): Promise<EngineSession> {
  const child = spawn(
    cli,
    [
      "session",
      "--label",
      "dagger.io/sdk.name:nodejs",
      "--label",
      `dagger.io/sdk.version:${sdkVersion()}`,
    ],
    // stdin stays open, as the SDK leaves it: the session runs until told to stop.
    { env, stdio: ["pipe", "pipe", "pipe"] },
  );
  child.stderr.pipe(log);
  // As the SDK ends its session: SIGTERM, without waiting (its log is not read any more).
  const close = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  };
  return new Promise<EngineSession>((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      close();
      reject(new Error(why));
    };
    child.once("error", (error) => fail(`${cli} session: ${error.message}`));
    // "close", not "exit": by then its stderr is all in the log.
    child.once("close", (code, signal) =>
      fail(`${cli} session ended (${signal ?? `exit ${code}`}) before it was ready`),
    );
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      lines.close();
      child.stdout.resume(); // anything more it prints is drained, never left to fill the pipe
      let params: { port?: unknown; session_token?: unknown } = {};
      try {
        params = JSON.parse(line) as typeof params;
      } catch {
        // Not JSON: reported below.
      }
      if (typeof params.port !== "number" || typeof params.session_token !== "string") {
        fail(`${cli} session printed no connect parameters: ${line.slice(0, 200)}`);
        return;
      }
      settled = true;
      child.removeAllListeners("close");
      resolve({ port: params.port, token: params.session_token, close });
    });
  });
}
