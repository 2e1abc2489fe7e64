// Running the compiled CLI (bin/multiarch.js, which `npm run build` makes runnable) as a user
// would, for engine tests: exit code, signal, what it printed.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(REPO_ROOT, "bin", "multiarch.js");

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** The whole environment of the process (default: this one's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the process is started (to act on it mid-run, e.g. kill it). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Called with everything printed on stderr so far, after each chunk. */
  readonly onStderr?: (stderr: string) => void;
}

/** `node bin/multiarch.js ...args`, resolved when it exits (however it exits). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onStderr?.(stderr);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
