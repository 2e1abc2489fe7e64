/**
 * Which steps of a Dockerfile run code for the target platform (under QEMU when it is foreign)
 * and which run on the build machine (`FROM --platform=$BUILDPLATFORM` stages): read from the
 * text, before any build, so a report can say how each platform was built.
 */

/** A stage name as BuildKit accepts it in `FROM … AS name` and `--target`. */
export const STAGE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
export const EXPECTED_STAGE_NAME =
  "a stage name: a letter, then letters, digits, _ . or -, at most 128 characters";

/** How one platform's image was built. */
export type BuildMode =
  /** The engine runs the platform without an emulator. */
  | "native"
  /** Foreign, but no step of the target platform runs a command: nothing ran under QEMU. */
  | "cross"
  /** Foreign, and at least one RUN step of the target platform ran under QEMU. */
  | "emulated";

export interface DockerfileExecution {
  /** A RUN in a stage built for the target platform. */
  readonly targetRuns: boolean;
  /** A RUN in a stage pinned to the build machine's platform. */
  readonly buildPlatformRuns: boolean;
}

// FROM [--flag=value ...] image [AS name]; the platform flag may name $BUILDPLATFORM.
const FROM = /^FROM\s+(.*)$/i;
const BUILD_PLATFORM_FLAG = /--platform=\$\{?BUILDPLATFORM\}?(\s|$)/i;

/** Instructions, one per entry: comments dropped, `\` continuations joined. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push(current + line);
    current = "";
  }
  if (current.trim() !== "") out.push(current.trim());
  return out;
}

/** Where the Dockerfile's RUN steps execute. Every stage counts, reachable or not. */
export function dockerfileExecution(text: string): DockerfileExecution {
  // Stage name → built on the build machine? A stage FROM another stage inherits its platform.
  const stages = new Map<string, boolean>();
  let onBuildPlatform = false;
  let targetRuns = false;
  let buildPlatformRuns = false;
  for (const instruction of instructions(text)) {
    const from = FROM.exec(instruction);
    if (from) {
      const rest = from[1] ?? "";
      const words = rest.split(/\s+/).filter((w) => !w.startsWith("--"));
      const base = (words[0] ?? "").toLowerCase();
      onBuildPlatform = BUILD_PLATFORM_FLAG.test(rest) || (stages.get(base) ?? false);
      if (words[1]?.toLowerCase() === "as" && words[2] !== undefined) {
        stages.set(words[2].toLowerCase(), onBuildPlatform);
      }
      continue;
    }
    if (/^RUN\s/i.test(instruction)) {
      if (onBuildPlatform) buildPlatformRuns = true;
      else targetRuns = true;
    }
  }
  return { targetRuns, buildPlatformRuns };
}

/**
 * How a platform is built: native when the engine runs it natively; otherwise emulated when a
 * target-platform step runs a command (or when nothing is known of the steps), else cross.
 */
export function buildMode(runsNatively: boolean, execution?: DockerfileExecution): BuildMode {
  if (runsNatively) return "native";
  return execution === undefined || execution.targetRuns ? "emulated" : "cross";
}
