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

/** `--platform=$BUILDPLATFORM` or `--platform=${BUILDPLATFORM}`: the stage runs on the build machine. */
const BUILD_PLATFORM = /^\$(?:BUILDPLATFORM|\{BUILDPLATFORM\})$/i;

/**
 * Where the Dockerfile's RUN steps execute. Every stage counts, reachable or not.
 *
 * Read by dockerfile-ast (the parser of the Dockerfile language server), so heredocs (`RUN <<EOF`
 * … a `FROM` line inside … `EOF`), `# escape=` and line continuations read as BuildKit reads
 * them. It is loaded here, on first use, not at start-up: only a Dockerfile build needs it.
 */
export async function dockerfileExecution(text: string): Promise<DockerfileExecution> {
  const { DockerfileParser, From } = await import("dockerfile-ast");
  // Stage name → built on the build machine? A stage FROM another stage inherits its platform.
  const stages = new Map<string, boolean>();
  let onBuildPlatform = false;
  let targetRuns = false;
  let buildPlatformRuns = false;
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) {
      const platform = instruction.getFlags().find((f) => f.getName().toLowerCase() === "platform");
      const [base, as, name] = instruction.getArguments().map((a) => a.getValue());
      onBuildPlatform =
        BUILD_PLATFORM.test(platform?.getValue() ?? "") ||
        (stages.get((base ?? "").toLowerCase()) ?? false);
      if (as?.toLowerCase() === "as" && name !== undefined) {
        stages.set(name.toLowerCase(), onBuildPlatform);
      }
    } else if (instruction.getKeyword() === "RUN") {
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
