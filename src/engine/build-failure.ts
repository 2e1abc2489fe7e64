/**
 * What a failed build step means for the user: BUILD_FAILED, or QEMU_CRASH when an emulated step
 * died by a signal that points at the emulator. Pure: the engine's error in, our error out.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { execFailure } from "./exec-failure.js";

// What the SDK throws when a request got no GraphQL answer at all: the engine, or the session to
// it, is gone. No change to the build would help; that is not a build failure.
const LOST_ENGINE = new Set(["UnknownDaggerError", "NotAwaitedRequestError", "EngineSessionError"]);

// Exit statuses of a process killed by SIGSEGV (128+11) or SIGILL (128+4): under QEMU these
// usually mean the emulator, not the program, failed.
const EMULATOR_CRASH_EXIT_CODES = new Set([139, 132]);

/**
 * Turn an engine failure while building `platform` into BUILD_FAILED, or QEMU_CRASH when an
 * emulated step died by signal. Exit code and stderr are kept, secrets scrubbed.
 */
export function buildFailure(
  error: unknown,
  platform: string,
  emulated: boolean,
  secrets: readonly string[] = [],
): MultiarchError {
  const message = error instanceof Error ? error.message : String(error);
  const exec = execFailure(error);
  if (exec === undefined && error instanceof Error && LOST_ENGINE.has(error.name)) {
    return new MultiarchError(
      ErrorCode.ENGINE_UNAVAILABLE,
      `Lost the Dagger engine while building ${platform}.`,
      {
        platform,
        stderr: message,
        cause: error,
        secrets,
        hint: "the engine stopped or its session was cut; nothing was pushed: check the engine, then run again",
      },
    );
  }
  const exitCode = exec?.exitCode ?? Number(/exit code:? (\d+)/i.exec(message)?.[1] ?? NaN);
  const stderr = exec?.stderr ?? message;
  const known = Number.isFinite(exitCode) ? { exitCode } : {};
  // The failing step, when the engine says which: `/bin/sh -c "make all"`.
  const step = exec !== undefined && exec.cmd.length > 0 ? `: ${formatCommand(exec.cmd)}` : "";
  if (emulated && EMULATOR_CRASH_EXIT_CODES.has(exitCode)) {
    return new MultiarchError(
      ErrorCode.QEMU_CRASH,
      `A build step for ${platform} crashed under QEMU (exit ${exitCode})${step}.`,
      {
        platform,
        ...known,
        stderr,
        cause: error,
        secrets,
        hint:
          "the emulator, not your code, most likely failed: try another QEMU version on the engine's host, " +
          "or cross-compile that step in a FROM --platform=$BUILDPLATFORM stage",
      },
    );
  }
  return new MultiarchError(
    ErrorCode.BUILD_FAILED,
    `The build for ${platform} failed${Number.isFinite(exitCode) ? ` (exit ${exitCode})` : ""}${step}.`,
    {
      platform,
      ...known,
      stderr,
      cause: error,
      secrets,
      hint: "fix the failing step (its stderr is above); nothing was published",
    },
  );
}

/** argv as a shell would read it back: words with spaces or quotes are double-quoted. */
function formatCommand(cmd: readonly string[]): string {
  return cmd.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}
