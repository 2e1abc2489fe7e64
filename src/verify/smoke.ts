/**
 * Smoke runs: one command in every variant of a published image, on the engine, pulled by
 * manifest digest so each platform runs exactly what the index names (emulated where the engine
 * needs QEMU for it).
 */
import {
  ReturnType,
  type Client,
  type Platform as DaggerPlatform,
  type Secret,
} from "@dagger.io/dagger";
import { redact } from "../common/errors.js";
import { execFailure } from "../engine/exec-failure.js";
import type { SmokeResult } from "./report.js";

/** How much stdout/stderr a report keeps per platform. */
const MAX_OUTPUT = 8_000;

export interface SmokeTarget {
  /** Canonical platform. */
  readonly platform: string;
  /** `registry/repository@sha256:...` of the platform's image manifest. */
  readonly image: string;
}

export interface SmokeAuth {
  readonly registry: string;
  readonly username: string;
  readonly password: Secret;
  /** Plaintext, to scrub from output. */
  readonly secret: string;
}

/** A command as argv: a string runs through `sh -c`. */
export function smokeCommand(command: string | readonly string[]): string[] {
  return typeof command === "string" ? ["sh", "-c", command] : [...command];
}

function tail(text: string): string {
  return text.length <= MAX_OUTPUT ? text : `…${text.slice(-MAX_OUTPUT)}`;
}

/**
 * Run `command` in `target`'s image. Never throws: a failure to pull or run is a failed result.
 * Each run is new (a fresh variable defeats the engine's cache), so it proves the image runs now.
 */
export async function smokeRun(
  client: Client,
  target: SmokeTarget,
  command: readonly string[],
  auth?: SmokeAuth,
): Promise<SmokeResult> {
  const secrets = auth === undefined ? [] : [auth.secret];
  const clean = (s: string) => tail(redact(s, secrets));
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  let container = client.container({ platform: target.platform as DaggerPlatform });
  if (auth !== undefined) {
    container = container.withRegistryAuth(auth.registry, auth.username, auth.password);
  }
  const run = container
    .from(target.image)
    .withEnvVariable("MULTIARCH_SMOKE", `${Date.now()}-${Math.random()}`)
    .withExec([...command], { expect: ReturnType.Any });
  try {
    const [exitCode, stdout, stderr] = await Promise.all([
      run.exitCode(),
      run.stdout(),
      run.stderr(),
    ]);
    return {
      command,
      passed: exitCode === 0,
      exitCode,
      stdout: clean(stdout),
      stderr: clean(stderr),
      seconds: seconds(),
    };
  } catch (error) {
    // Death by signal (exit 128-191) is outside ReturnType.Any: it arrives as an ExecError.
    const exec = execFailure(error);
    if (exec !== undefined) {
      return {
        command,
        passed: false,
        exitCode: exec.exitCode,
        stdout: clean(exec.stdout),
        stderr: clean(exec.stderr),
        seconds: seconds(),
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      command,
      passed: false,
      stdout: "",
      stderr: "",
      error: clean(message.split("\n")[0] ?? message),
      seconds: seconds(),
    };
  }
}
