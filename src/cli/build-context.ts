/**
 * The build context and Dockerfile as buildx takes them, made into what Dagger's dockerBuild
 * takes (one directory holding the Dockerfile): a context directory on this machine (or an empty
 * one), and a Dockerfile inside it, anywhere else on disk, or on stdin.
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
  const directory = client.host().directory(source, command.noCache ? { noCache: true } : {});
  if (dockerfile !== STDIN) {
    const inside = insidePath(source, dockerfile);
    if (inside !== undefined) return { directory, dockerfile: inside };
  }
  const text = dockerfile === STDIN ? await readStdin() : readFileSync(dockerfile, "utf8");
  const placed = `.multiarch-dockerfile-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
  const beside = dockerfile === STDIN ? undefined : `${dockerfile}.dockerignore`;
  const rules = [beside, join(source, ".dockerignore")]
    .filter((path): path is string => path !== undefined)
    .find((path) => existsSync(path));
  return {
    directory: directory
      .withNewFile(placed, text)
      .withNewFile(
        `${placed}.dockerignore`,
        placedIgnore(rules === undefined ? undefined : readFileSync(rules, "utf8"), placed),
      ),
    dockerfile: placed,
  };
}

/** All of standard input, as text. */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
