/**
 * The checks step: type-check and unit tests in a container, on the engine, from a clean copy of
 * the tree (what `git clone` gives: .gitignore applied).
 *
 * Which Node: the host's own binary, mounted into the bed's debian:bookworm-slim. No `node` image
 * is reachable offline, and Debian bookworm's nodejs is 18, older than this package's `engines`
 * (>=20); the host's Node is the one `npm ci` installed node_modules with, so type-check and
 * tests run on exactly that Node and those modules. It is a glibc build that needs libc6,
 * libstdc++6 and libgcc-s1, which bookworm-slim has (apt needs them). It can only run in a
 * container of the host's own OS and CPU: on any other host (macOS, or an engine of another
 * architecture) this step stops with a message saying so.
 */
import {
  ExecError,
  type Client,
  type Container,
  type Platform as DaggerPlatform,
} from "@dagger.io/dagger";
import { formatPlatform, parsePlatform } from "../src/index.js";

/** The image the checks run in: on the test bed's registry (docker.io is mirrored to it). */
export const CHECK_IMAGE = "debian:bookworm-slim";

const WORKDIR = "/src";
const NODE = "/usr/local/bin/node";

/** The host's OS and CPU as a platform, or undefined when it is not a Linux we know. */
export function hostPlatform(
  os: NodeJS.Platform = process.platform,
  cpu: string = process.arch,
): string | undefined {
  if (os !== "linux") return undefined;
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", ppc64: "ppc64le" };
  const name = arch[cpu] ?? cpu;
  try {
    return formatPlatform(parsePlatform(name));
  } catch {
    return undefined;
  }
}

/**
 * A container with the repository at /src, its node_modules from the host, and the host's Node.
 * @throws Error when the host's Node cannot run in the engine's native containers
 */
export async function nodeContainer(client: Client, root: string): Promise<Container> {
  const engine = formatPlatform(parsePlatform(await client.defaultPlatform()));
  const host = hostPlatform();
  if (host !== engine) {
    throw new Error(
      `the host's Node (${process.platform}/${process.arch}) cannot run in the engine's ` +
        `${engine} containers: run the pipeline on a ${engine} Linux host`,
    );
  }
  const source = client.host().directory(root, { gitignore: true, exclude: [".git/"] });
  const modules = client.host().directory(`${root}/node_modules`);
  return client
    .container({ platform: engine as DaggerPlatform })
    .from(CHECK_IMAGE)
    .withMountedFile(NODE, client.host().file(process.execPath))
    .withDirectory(WORKDIR, source)
    .withMountedDirectory(`${WORKDIR}/node_modules`, modules)
    .withWorkdir(WORKDIR)
    .withEnvVariable("CI", "true")
    .withEnvVariable("NO_COLOR", "1");
}

/** The commands the checks step runs, each a `node` argv (no npm in the container). */
export const CHECKS: readonly { readonly name: string; readonly args: readonly string[] }[] = [
  { name: "node --version", args: ["--version"] },
  { name: "type-check", args: ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."] },
  {
    name: "unit tests",
    args: ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.config.ts"],
  },
];

/** Run every check in order in `container`; resolves to one summary line per check. */
export async function runChecks(container: Container): Promise<string[]> {
  const lines: string[] = [];
  let state = container;
  for (const check of CHECKS) {
    state = state.withExec([NODE, ...check.args]);
    let out: string;
    try {
      out = await state.stdout();
    } catch (error) {
      throw checkFailure(check.name, error);
    }
    lines.push(`${check.name}: ${summaryLine(out.trimEnd().split("\n"))}`);
  }
  return lines;
}

const TAIL_LINES = 30;

/** A failed check: its exit code and the last lines of its output. */
function checkFailure(name: string, error: unknown): Error {
  if (!(error instanceof ExecError))
    return error instanceof Error ? error : new Error(String(error));
  const output = `${error.stdout}\n${error.stderr}`.trim().split("\n").slice(-TAIL_LINES);
  return new Error(`${name} failed (exit ${error.exitCode}):\n  ${output.join("\n  ")}`, {
    cause: error,
  });
}

/** The most telling line of a check's output: vitest's "Tests  N passed", else the last. */
function summaryLine(lines: readonly string[]): string {
  const tests = lines.find((line) => /^\s*Tests\s+\d+/.test(line));
  const last = [...lines].reverse().find((line) => line.trim() !== "");
  return (tests ?? last ?? "ok").trim().replace(/\s+/g, " ");
}
