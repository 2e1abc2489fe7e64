// Running the compiled CLI (bin/multiarch.js, which `npm run build` makes runnable) as a user
// would, for engine tests: exit code, signal, what it printed.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./run.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(REPO_ROOT, "bin", "multiarch.js");

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Working directory (default: the repository's root). */
  readonly cwd?: string;
  /** Standard input (default: none). */
  readonly input?: string;
  /** The whole environment of the process (default: this one's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the process is started (to act on it mid-run, e.g. kill it). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Called with everything printed on stderr so far, after each chunk. */
  readonly onStderr?: (stderr: string) => void;
}

/** `node bin/multiarch.js ...args`, resolved when it exits (however it exits). */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const { status, signal, stdout, stderr } = await run(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.onSpawn === undefined ? {} : { onSpawn: options.onSpawn }),
    ...(options.onStderr === undefined ? {} : { onStderr: options.onStderr }),
  });
  return { code: status, signal, stdout, stderr };
}
