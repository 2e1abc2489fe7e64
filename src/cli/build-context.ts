/**
 * The build context and Dockerfile as buildx takes them, made into what Dagger's dockerBuild
 * takes (one directory holding the Dockerfile): a context directory on this machine (or an empty
 * one), and a Dockerfile inside it, anywhere else on disk, or on stdin.
 *
 * The ignore rules (`<Dockerfile>.dockerignore` beside the Dockerfile, else the context's
 * `.dockerignore`, as buildx picks them) apply twice: to the upload, so ignored files never leave
 * this machine (Dagger's exclude patterns match as dockerignore's do: anchored at the root, `!`
 * re-includes), and in the engine's build, which applies them itself.
 *
 * A Dockerfile from outside the context is placed in it under a hidden name with a
 * `<name>.dockerignore` beside it (which BuildKit prefers over `.dockerignore`): the user's
 * ignore rules plus the two placed files, so that `COPY . .` copies neither.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Client, Directory } from "@dagger.io/dagger";
import { STDIN, type PublishCommand } from "./args.js";

export interface BuildContext {
  readonly directory: Directory;
  /** The Dockerfile's path inside `directory`. */
  readonly dockerfile: string;
}

/**
 * dockerignore text as upload exclude patterns: comments and blank lines dropped, a leading '/'
 * dropped (both are root-anchored), and `keep` (the Dockerfile and ignore files the engine
 * reads) re-included whatever the rules say. Pure.
 */
export function uploadExcludes(rules: string | undefined, keep: readonly string[]): string[] {
  const patterns = (rules ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negated = line.startsWith("!");
      const pattern = (negated ? line.slice(1).trim() : line).replace(/^\/+/, "");
      return pattern === "" ? "" : `${negated ? "!" : ""}${pattern}`;
    })
    .filter((pattern) => pattern !== "");
  return patterns.length === 0 ? [] : [...patterns, ...keep.map((path) => `!${path}`)];
}

/** The ignore file buildx would use: `<Dockerfile>.dockerignore`, else the context's. */
function ignoreFile(source: string, dockerfile: string): string | undefined {
  const beside = dockerfile === STDIN ? undefined : `${dockerfile}.dockerignore`;
  return [beside, join(source, ".dockerignore")]
    .filter((path): path is string => path !== undefined)
    .find((path) => existsSync(path));
}

/** The path of `file` inside `dir`, or undefined when it is outside. */
export function insidePath(dir: string, file: string): string | undefined {
  const path = relative(dir, file);
  return path === "" || path.startsWith("..") || isAbsolute(path) ? undefined : path;
}

/**
 * The ignore rules for a placed Dockerfile: those that apply to the original (buildx: a
 * `<Dockerfile>.dockerignore` beside it first, else the context's `.dockerignore`), plus the
 * placed files themselves. Pure.
 */
export function placedIgnore(userRules: string | undefined, placed: string): string {
  const own = `${placed}\n${placed}.dockerignore\n`;
  return userRules === undefined ? own : `${userRules.replace(/\n?$/, "\n")}${own}`;
}

export async function buildContext(
  client: Client,
  command: Pick<PublishCommand, "source" | "dockerfile" | "noCache">,
  readStdin: () => Promise<string>,
): Promise<BuildContext> {
  const { source, dockerfile } = command;
  if (source === undefined) {
    // `-`: an empty context, the Dockerfile from stdin.
    return {
      directory: client.directory().withNewFile("Dockerfile", await readStdin()),
      dockerfile: "Dockerfile",
    };
  }
  const rulesFile = ignoreFile(source, dockerfile);
  const rules = rulesFile === undefined ? undefined : readFileSync(rulesFile, "utf8");
  const inside = dockerfile === STDIN ? undefined : insidePath(source, dockerfile);
  const keep = [
    ".dockerignore",
    ...(inside === undefined ? [] : [inside, `${inside}.dockerignore`]),
  ];
  const exclude = uploadExcludes(rules, keep);
  const directory = client.host().directory(source, {
    ...(exclude.length === 0 ? {} : { exclude }),
    ...(command.noCache ? { noCache: true } : {}),
  });
  if (inside !== undefined) return { directory, dockerfile: inside };
  const text = dockerfile === STDIN ? await readStdin() : readFileSync(dockerfile, "utf8");
  const placed = `.multiarch-dockerfile-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
  return {
    directory: directory
      .withNewFile(placed, text)
      .withNewFile(`${placed}.dockerignore`, placedIgnore(rules, placed)),
    dockerfile: placed,
  };
}

/** All of standard input, as text. */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
