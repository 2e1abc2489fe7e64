/**
 * `multiarch plan`: how each platform would build on the engine (probed as publish probes it),
 * or, with --github-matrix, the matrix for a workflow (no engine).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withEngine } from "../../engine/connection.js";
import { buildMode, dockerfileExecution } from "../../plan/dockerfile-stages.js";
import { githubMatrix } from "../../plan/github-matrix.js";
import { toJson } from "../../present/render.js";
import { planTable, type Plan } from "../../present/scale-out.js";
import type { PlanCommand } from "../args-scale-out.js";
import type { Io } from "../io.js";
import { UsageError } from "../usage.js";

/** The engine the CLI connects to (see withEngine), as plan names it. */
const DEFAULT_ENGINE = "default";

export async function runPlan(command: PlanCommand, io: Io): Promise<void> {
  const matrix = githubMatrix(command.platforms);
  if (command.githubMatrix) {
    // One line: `echo "matrix=$(multiarch plan … --github-matrix)" >> "$GITHUB_OUTPUT"`.
    io.out(`${JSON.stringify(matrix)}\n`);
    return;
  }
  const execution =
    command.source === undefined
      ? undefined
      : await dockerfileExecution(readDockerfile(command.source, command.dockerfile));
  await withEngine(
    async (client) => {
      const { withEmulation } = await import("../../engine/emulation.js");
      const report = await withEmulation(command.platforms, { client, require: false });
      const plan: Plan = {
        engines: [{ name: DEFAULT_ENGINE, native: report.native }],
        platforms: matrix.include.map((entry, i) => {
          const support = report.platforms[i];
          const mode =
            support === undefined || support.mode === "unavailable"
              ? "unavailable"
              : buildMode(support.mode === "native", execution);
          return {
            ...entry,
            engine: DEFAULT_ENGINE,
            mode,
            ...(support?.reason === undefined ? {} : { reason: support.reason }),
          };
        }),
      };
      io.out(command.json ? toJson(plan) : planTable(plan));
    },
    { onChoice: (choice) => io.err(`engine: ${choice.reason}\n`) },
  );
}

function readDockerfile(source: string, dockerfile: string): string {
  const path = join(source, dockerfile);
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new UsageError(
      `no Dockerfile at ${path} (give its path inside --source with --dockerfile)`,
      "plan",
    );
  }
}
