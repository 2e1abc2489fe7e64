/**
 * `multiarch plan`: how each platform would build on each engine asked (the default one, and each
 * --engine; probed as publish probes them),
 * or, with --github-matrix, the matrix for a workflow (no engine).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@dagger.io/dagger";
import { withEngine } from "../../engine/connection.js";
import { buildMode, dockerfileExecution } from "../../plan/dockerfile-stages.js";
import { githubMatrix } from "../../plan/github-matrix.js";
import { toJson } from "../../present/render.js";
import { planTable, type Plan, type PlannedPlatform } from "../../present/scale-out.js";
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
  const ask = async (client: Client, engine: string): Promise<EnginePlan> => {
    const { withEmulation } = await import("../../engine/emulation.js");
    const report = await withEmulation(command.platforms, { client, require: false });
    const platforms = matrix.include.map((entry, i) => {
      const support = report.platforms[i];
      const mode =
        support === undefined || support.mode === "unavailable"
          ? "unavailable"
          : buildMode(support.mode === "native", execution);
      return {
        ...entry,
        engine,
        mode,
        ...(support?.reason === undefined ? {} : { reason: support.reason }),
      } as const;
    });
    return { engine: { name: engine, native: report.native }, platforms };
  };
  // Every engine at once: the default one through the CLI's connection, the others each in a
  // session of their own (an engine that does not answer is ENGINE_FAILED, naming it).
  const others = command.engines.map(async (host) => {
    const { withEngineAt } = await import("../../engine/engine-session.js");
    return withEngineAt(host, (client) => ask(client, host), {
      platforms: command.platforms,
      purpose: "plan",
    });
  });
  // Settled, not raced: every engine's answer (or failure) is in before anything is printed.
  const settled = await Promise.allSettled([
    withEngine((client) => ask(client, DEFAULT_ENGINE), {
      onChoice: (choice) => io.err(`engine: ${choice.reason}\n`),
    }),
    ...others,
  ]);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const plans = settled.map((s) => (s as PromiseFulfilledResult<EnginePlan>).value);
  const plan: Plan = {
    engines: plans.map((p) => p.engine),
    // Per platform, each engine's answer, in the order the engines were given.
    platforms: command.platforms.flatMap((_, i) => plans.flatMap((p) => p.platforms[i] ?? [])),
  };
  io.out(command.json ? toJson(plan) : planTable(plan));
}

interface EnginePlan {
  readonly engine: Plan["engines"][number];
  readonly platforms: readonly PlannedPlatform[];
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
