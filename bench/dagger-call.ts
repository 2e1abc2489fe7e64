/**
 * `npm run bench:dagger-call [-- --runs N]`: the same warm publish (nothing changed since the
 * warm-up) through the CLI and through `dagger call` on this repository's module, alternating,
 * and where the module path's extra time goes, from the dagger CLI's own spans:
 *   - load: "load workspace" (the module's runtime container, its codegen and type definitions);
 *   - function: the `Multiarch.publish` span (the function's container: Node, tsx, our code);
 *   - rest: the dagger CLI's start, connect and argument parsing.
 * Needs the test bed (`eval "$(npm run -s testbed:env)"`) and a built dist/ (`npm run build`).
 * Writes bench/results/dagger-call.{json,md}.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripAnsi } from "../src/common/text.js";
import { median as medianOrNone } from "./report.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "results");
const CONTEXT = "test/fixtures/cross";
const PLATFORMS = "linux/amd64,linux/arm64";

interface Run {
  readonly seconds: number;
  /** Span durations the dagger CLI printed, by span name (dagger call only). */
  readonly spans: Readonly<Record<string, number>>;
}

const median = (xs: readonly number[]): number => medianOrNone(xs) ?? NaN;

function timed(argv: readonly string[]): { seconds: number; stderr: string } {
  const [cmd = "", ...args] = argv;
  const start = performance.now();
  const run = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: 15 * 60_000 });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (exit ${run.status}):\n${run.stderr.slice(-3000)}`);
  }
  return { seconds, stderr: run.stderr };
}

// `9   : Multiarch.publish DONE [24.9s]` in DAGGER_PROGRESS=plain output, colours removed.
const SPAN_DONE = /^\d+\s+:\s+(.+?) DONE \[(\d+(?:\.\d+)?)(m?s)\]/;

/** The top-level spans (no ┆ indent) the dagger CLI reported as done, in seconds. */
export function doneSpans(stderr: string): Record<string, number> {
  const spans: Record<string, number> = {};
  for (const raw of stripAnsi(stderr).split("\n")) {
    const match = SPAN_DONE.exec(raw.trim());
    if (match?.[1] === undefined || match[2] === undefined || match[1].startsWith("┆")) continue;
    const value = Number(match[2]) / (match[3] === "ms" ? 1000 : 1);
    spans[match[1].trim()] = value;
  }
  return spans;
}

function cli(tag: string): Run {
  const address = `${process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000"}/bench/call-cli:${tag}`;
  const { seconds } = timed([
    process.execPath,
    "bin/multiarch.js",
    "publish",
    "--source",
    CONTEXT,
    "--address",
    address,
    "--platforms",
    PLATFORMS,
  ]);
  return { seconds, spans: {} };
}

function daggerCall(tag: string): Run {
  const registry = process.env["TESTBED_REGISTRY"];
  if (registry === undefined)
    throw new Error('no TESTBED_REGISTRY: eval "$(npm run -s testbed:env)"');
  const { seconds, stderr } = timed([
    "dagger",
    "-m",
    ".",
    "call",
    "publish",
    "--source",
    CONTEXT,
    "--address",
    `${registry}/bench/call-module:${tag}`,
    "--platforms",
    PLATFORMS,
    "--plain-http",
    "digest",
  ]);
  return { seconds, spans: doneSpans(stderr) };
}

function main(): void {
  const runsFlag = process.argv.indexOf("--runs");
  const runs = runsFlag === -1 ? 5 : Number(process.argv[runsFlag + 1] ?? 5);
  // Warm-up: both paths once, so every build step and the module's runtime are cached.
  cli("warm");
  daggerCall("warm");
  const cliRuns: Run[] = [];
  const callRuns: Run[] = [];
  for (let i = 0; i < runs; i++) {
    cliRuns.push(cli(`r${i}`));
    callRuns.push(daggerCall(`r${i}`));
    process.stderr.write(
      `run ${i + 1}/${runs}: cli ${cliRuns[i]?.seconds.toFixed(1)} s, dagger call ${callRuns[i]?.seconds.toFixed(1)} s\n`,
    );
  }
  const span = (name: string) => median(callRuns.map((r) => r.spans[name] ?? 0));
  const cliSeconds = median(cliRuns.map((r) => r.seconds));
  const callSeconds = median(callRuns.map((r) => r.seconds));
  const load = span("load workspace: .");
  const fn = span("Multiarch.publish");
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    runs,
    platforms: PLATFORMS,
    cli: { median: cliSeconds, runs: cliRuns.map((r) => r.seconds) },
    daggerCall: {
      median: callSeconds,
      runs: callRuns.map((r) => r.seconds),
      spans: callRuns.map((r) => r.spans),
      load,
      function: fn,
      // Per run, then the median: medians of parts do not add up to the median of the whole.
      rest: median(
        callRuns.map(
          (r) =>
            r.seconds - (r.spans["load workspace: ."] ?? 0) - (r.spans["Multiarch.publish"] ?? 0),
        ),
      ),
    },
    ratio: median(callRuns.map((r, i) => r.seconds / (cliRuns[i]?.seconds ?? NaN))),
  };
  const s = (x: number) => x.toFixed(1);
  const md = [
    "# A warm publish: the CLI beside `dagger call` on the module",
    "",
    `${result.date}, ${result.machine}; ${runs} runs each, alternating, after one warm-up each;`,
    `the cross fixture for ${PLATFORMS}, nothing changed since the warm-up.`,
    "",
    "| path | median s | runs |",
    "| --- | --- | --- |",
    `| \`multiarch publish\` (CLI, built dist) | ${s(cliSeconds)} | ${result.cli.runs.map(s).join(", ")} |`,
    `| \`dagger -m . call publish\` | ${s(callSeconds)} | ${result.daggerCall.runs.map(s).join(", ")} |`,
    "",
    `dagger call / CLI, median of run-by-run ratios: **${result.ratio.toFixed(2)}**.`,
    "",
    "Where the `dagger call` time goes (medians of the dagger CLI's own spans):",
    "",
    `- module load (\`load workspace\`: runtime container, codegen, type definitions): ${s(load)} s`,
    `- the function (\`Multiarch.publish\`: its container, Node and tsx, then the same library work as the CLI): ${s(fn)} s`,
    `- the rest (dagger CLI start, connect, argument parsing): ${s(result.daggerCall.rest)} s`,
    "",
  ].join("\n");
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "dagger-call.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(RESULTS, "dagger-call.md"), md);
  process.stdout.write(md);
}

main();
