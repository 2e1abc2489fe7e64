// Running a command to its end without blocking the test worker (dagger call takes minutes; a
// worker blocked that long loses its connection to vitest: "Timeout calling onTaskUpdate").
import { spawn, type ChildProcess } from "node:child_process";

export interface Run {
  /** Exit status; null when it ended by a signal (a kill, the timeout). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  /** The whole environment of the process. */
  readonly env: NodeJS.ProcessEnv;
  /** Written to standard input (then closed); default: no standard input. */
  readonly input?: string;
  /** Killed after this long; none by default. */
  readonly timeoutMs?: number;
  /** Called once the process is started (to act on it mid-run, e.g. kill it). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Called with everything printed on stderr so far, after each chunk. */
  readonly onStderr?: (stderr: string) => void;
}

/** Run a command to its end; never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<Run> {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr);
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
