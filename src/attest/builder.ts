/**
 * Who built an image and from which source, for provenance: the CI run when the environment
 * names one, else this package and version; the git commit of the build context.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

/** The builder's id (a URI): a GitHub Actions run or GitLab job when there is one. */
export function builderId(env: NodeJS.ProcessEnv = process.env): string {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, CI_JOB_URL } = env;
  if (GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID) {
    return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
  }
  if (CI_JOB_URL) return CI_JOB_URL;
  return `pkg:npm/multiarch@${packageVersion()}`;
}

function packageVersion(): string {
  const file = new URL("../../package.json", import.meta.url);
  const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  return typeof version === "string" ? version : "unknown";
}

export interface SourceRevision {
  readonly revision: string;
  /** The `origin` remote, without any credentials in it. */
  readonly uri?: string;
}

/** The commit checked out in `dir`, when it is a git work tree (and git is installed). */
export async function gitRevision(dir: string): Promise<SourceRevision | undefined> {
  const revision = await git(dir, ["rev-parse", "--verify", "HEAD"]);
  if (revision === undefined || !/^[0-9a-f]{40,64}$/.test(revision)) return undefined;
  const remote = await git(dir, ["config", "--get", "remote.origin.url"]);
  const uri = remote === undefined ? undefined : withoutCredentials(remote);
  return { revision, ...(uri === undefined ? {} : { uri: `git+${uri}` }) };
}

/** A remote URL with any `user:token@` removed (it must never reach a registry). */
export function withoutCredentials(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    // scp-like `git@host:path` has no password to leak.
    return /^[\w.-]+@[\w.-]+:/.test(url) ? url : undefined;
  }
}

function git(dir: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", ["-C", dir, ...args], { encoding: "utf8" }, (error, stdout) =>
      resolve(error === null ? stdout.trim() : undefined),
    );
  });
}
