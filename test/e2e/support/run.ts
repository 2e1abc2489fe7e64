// Long commands (dagger call takes minutes) run without blocking the test worker: a worker
// blocked that long loses its connection to vitest ("Timeout calling onTaskUpdate").
import { spawn } from "node:child_process";

export interface Run {
  /** Exit status; null when it was killed (timeout). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command to its end; never rejects for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
