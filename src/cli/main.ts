/**
 * The CLI's entry point and its one error boundary: parse, run, print the failure (redacted),
 * map it to the exit status, and make sure the process exits.
 *
 * Exit status: 0 done; 2 bad input (UsageError, INVALID_INPUT, INVALID_PLATFORM: nothing was
 * built or pushed); 1 any other failure.
 *
 * Each command is imported only when it runs: help, version and bad input never load the
 * registry client, the engine connection or the Dagger SDK (over a second to import).
 */
import { readFileSync } from "node:fs";
import { ErrorCode, MultiarchError, redact } from "../common/errors.js";
import { clip, stripAnsi } from "../common/text.js";
import type { Command, ParseContext } from "./args.js";
import { helpText, shortUsage } from "./help.js";
import { processIo, type Io } from "./io.js";
import { earlyCommand, UsageError } from "./usage.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Codes whose message alone does not say why: the captured stderr's last lines must show. */
const SHOW_STDERR: ReadonlySet<string> = new Set([
  ErrorCode.BUILD_FAILED,
  ErrorCode.QEMU_CRASH,
  ErrorCode.PUSH_FAILED,
  ErrorCode.ENGINE_UNAVAILABLE,
]);
const STDERR_TAIL_LINES = 12;

const BAD_INPUT: ReadonlySet<string> = new Set([
  ErrorCode.INVALID_INPUT,
  ErrorCode.INVALID_PLATFORM,
]);

/** The package's version, from package.json. */
export function version(): string {
  const file = new URL("../../package.json", import.meta.url);
  const { version: value } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof value !== "string") throw new Error(`${file.pathname} has no version`);
  return value;
}

/** Every form of a command's secrets that could show up in an error. */
function secretsOf(command: Command): string[] {
  const login =
    command.kind === "publish" || command.kind === "build"
      ? command.destination.kind === "push"
        ? command.destination.credentials
        : undefined
      : command.kind === "inspect" || command.kind === "verify" || command.kind === "merge"
        ? command.credentials
        : undefined;
  const buildSecrets =
    command.kind === "publish"
      ? command.secrets.flatMap((secret) => ("value" in secret ? [secret.value] : []))
      : [];
  if (login === undefined) return buildSecrets;
  return [
    ...buildSecrets,
    login.password,
    Buffer.from(`${login.username}:${login.password}`).toString("base64"),
  ];
}

/** Run one command line; resolves to the exit status. Never throws. */
export async function run(argv: readonly string[], io: Io, context: ParseContext): Promise<number> {
  let secrets: string[] = [];
  try {
    // Help and version first: they need neither the option parser (zod) nor any command.
    const command: Command =
      earlyCommand(argv) ?? (await import("./args.js")).parseCli(argv, context);
    secrets = secretsOf(command);
    switch (command.kind) {
      case "help":
        io.out(helpText(command.topic));
        break;
      case "version":
        io.out(`multiarch ${version()}\n`);
        break;
      case "publish":
        await (await import("./commands/publish.js")).runPublish(command, io, context.env);
        break;
      case "inspect":
        await (await import("./commands/inspect.js")).runInspect(command, io);
        break;
      case "verify":
        await (await import("./commands/verify.js")).runVerify(command, io);
        break;
      case "build":
        await (await import("./commands/publish.js")).runPublish(command, io, context.env);
        break;
      case "merge":
        await (await import("./commands/merge.js")).runMerge(command, io);
        break;
      case "plan":
        await (await import("./commands/plan.js")).runPlan(command, io);
        break;
      case "completion":
        io.out((await import("./completion.js")).completionScript(command.shell));
        break;
    }
    return EXIT_OK;
  } catch (error) {
    const { text, code } = describeFailure(error, context.env, secrets);
    io.err(text);
    return code;
  }
}

/** The longest line a failure prints: a huge value given by mistake is cut, not echoed whole. */
const MAX_LINE = 500;

/**
 * What to print for a failure, and the exit status. Secrets are scrubbed first, so that neither
 * escaping nor cutting a long line can leave part of one.
 */
export function describeFailure(
  error: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
  secrets: readonly string[] = [],
): { text: string; code: number } {
  const { text, code } = failureText(error, env);
  const lines = redact(text, secrets)
    .split("\n")
    .map((line) => clip(terminalSafe(line), MAX_LINE));
  return { text: lines.join("\n"), code };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * A line as it may reach a terminal: colour sequences dropped, any other control character
 * (from a value the user gave, or a build's output) written as its \uXXXX escape.
 */
function terminalSafe(line: string): string {
  return stripAnsi(line).replace(
    CONTROL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function failureText(
  error: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { text: string; code: number } {
  if (error instanceof UsageError) {
    return {
      text: `multiarch: error: ${error.message}\n${shortUsage(error.topic)}\n`,
      code: EXIT_USAGE,
    };
  }
  if (error instanceof MultiarchError) {
    let text = `multiarch: ${error.code}: ${error.message}\n`;
    // MultiarchError's message already ends with the stderr tail; add it only if it does not.
    const lines = error.details.stderr?.trimEnd().split("\n") ?? [];
    const last = lines.at(-1)?.trim() ?? "";
    if (SHOW_STDERR.has(error.code) && last !== "" && !error.message.includes(last)) {
      text += `  stderr:   ${lines.slice(-STDERR_TAIL_LINES).join("\n            ")}\n`;
    }
    return { text, code: BAD_INPUT.has(error.code) ? EXIT_USAGE : EXIT_FAILURE };
  }
  // By name: checking the class would load the inspect command on every failure.
  if (error instanceof Error && error.name === "NotFoundError") {
    return { text: `multiarch: error: ${error.message}\n`, code: EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack =
    env["MULTIARCH_DEBUG"] !== undefined && error instanceof Error && error.stack !== undefined
      ? `${error.stack}\n`
      : "";
  return { text: `multiarch: error: ${message}\n${stack}`, code: EXIT_FAILURE };
}

/** Wait until everything written to a stream has been handed to the OS. */
function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/**
 * Run the process's command line and exit with its status. The exit is explicit: after a
 * session, the SDK's `dagger session` child and telemetry can keep the event loop alive for
 * seconds after our work is done.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const code = await run(argv, processIo, { env: process.env, cwd: process.cwd() });
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(code);
}
