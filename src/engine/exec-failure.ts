/**
 * The engine's report of a failed exec (the SDK's ExecError), read by shape rather than by
 * class. Inside `dagger call`, a module's `@dagger.io/dagger` is the generated sdk/ folder, which
 * exports the module API and the generated client but not ExecError: importing it as a value
 * there stops the module from loading, and a class check could never match anyway.
 */

export interface ExecFailure {
  /** The command that failed, as argv. */
  readonly cmd: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The exec failure inside `error`, or undefined when it is some other error. */
export function execFailure(error: unknown): ExecFailure | undefined {
  if (!(error instanceof Error) || error.name !== "ExecError") return undefined;
  const { cmd, exitCode, stdout, stderr } = error as Error & Record<string, unknown>;
  if (typeof exitCode !== "number") return undefined;
  return {
    cmd: Array.isArray(cmd) ? cmd.map(String) : [],
    exitCode,
    stdout: typeof stdout === "string" ? stdout : "",
    stderr: typeof stderr === "string" ? stderr : "",
  };
}
