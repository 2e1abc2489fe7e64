/**
 * A registry's credentials from Docker's client configuration, as `docker` itself finds them:
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), and the credential helper
 * programs it names (`docker-credential-<name> get`: the server URL on stdin, JSON
 * `{ServerURL, Username, Secret}` on stdout). Used only when no credentials were given.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { clip } from "../common/text.js";
import {
  credentialSource,
  helperAnswer,
  parseDockerConfig,
  type RegistryCredentials,
} from "./docker-config.js";

/** Credentials found, and where (for messages; never the secret). */
export type FoundCredentials = RegistryCredentials & { readonly from: string };

/** How long a helper may take: some ask a keyring or a cloud's metadata service. */
const HELPER_TIMEOUT_MS = 60_000;
/** How much of a failing helper's stderr a message quotes. */
const HELPER_STDERR_CHARS = 400;

const helperAnswerSchema = z.object({
  Username: z.string(),
  Secret: z.string(),
});

/** Where Docker's config file is for this environment. */
export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker");
  return join(dir, "config.json");
}

/**
 * `registry`'s credentials from the Docker config, or undefined when it has none (no file, no
 * entry, or a helper that holds none for it).
 * @throws MultiarchError INVALID_INPUT (a malformed config), AUTH_FAILED (a helper that is
 *   missing, fails or answers nonsense; named, with the registry)
 */
export async function dockerCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FoundCredentials | undefined> {
  const file = dockerConfigFile(env);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MultiarchError(ErrorCode.INVALID_INPUT, `Cannot read the Docker config ${file}.`, {
      cause: error,
      hint: "make it readable, or point DOCKER_CONFIG at another directory",
    });
  }
  const source = credentialSource(parseDockerConfig(text, file), registry, file);
  if (source === undefined) return undefined;
  if (source.kind === "entry") return { ...source.credentials, from: file };
  const program = `docker-credential-${source.helper}`;
  const answer = await runHelper(program, source.serverUrl, registry, env);
  return answer === undefined
    ? undefined
    : { ...answer, from: `${program} (${source.configuredBy} in ${file})` };
}

/** Ask one helper; undefined when it says it holds no credentials for the server. */
async function runHelper(
  program: string,
  serverUrl: string,
  registry: string,
  env: NodeJS.ProcessEnv,
): Promise<RegistryCredentials | undefined> {
  const failed = (reason: string, extra: { stderr?: string; cause?: unknown } = {}) =>
    new MultiarchError(
      ErrorCode.AUTH_FAILED,
      `The Docker credential helper ${program} ${reason} for registry ${registry}.`,
      {
        operation: "credential helper",
        ...extra,
        hint: `check ${program} (docker login ${registry} goes through it), or give the credentials explicitly`,
      },
    );
  const { code, stdout, stderr, error } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: NodeJS.ErrnoException;
  }>((resolve) => {
    const child = spawn(program, ["get"], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: HELPER_TIMEOUT_MS,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout: out, stderr: err, error: e }),
    );
    child.on("close", (status) => resolve({ code: status, stdout: out, stderr: err }));
    child.stdin.on("error", () => undefined); // a helper that exits early: its status says why
    child.stdin.end(serverUrl);
  });
  if (error?.code === "ENOENT") throw failed("is not on PATH");
  if (error !== undefined) throw failed("could not be run", { cause: error });
  if (code !== 0) {
    // Docker's helpers say so on stdout when they hold nothing for the server: not an error.
    if (/credentials not found/i.test(`${stdout}\n${stderr}`)) return undefined;
    // stderr only: stdout may hold a secret.
    throw failed(`failed (exit ${code ?? "by signal"})`, {
      stderr: clip(stderr.trim(), HELPER_STDERR_CHARS),
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  const parsed = helperAnswerSchema.safeParse(json);
  if (!parsed.success) {
    throw failed("answered without {ServerURL, Username, Secret} JSON");
  }
  if (parsed.data.Secret === "") return undefined;
  return helperAnswer(parsed.data.Username, parsed.data.Secret);
}
