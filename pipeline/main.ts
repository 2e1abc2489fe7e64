/**
 * This repository's own pipeline, the same on a laptop and in CI: `npm run pipeline`.
 *
 *   1. test bed   bring it up when it is not running, and use its engine (only for its registry)
 *   2. checks     type-check and unit tests, in a container on the engine (checks.ts)
 *   3. publish    examples/hello for six platforms, as one index (hello.ts)
 *   4. verify     read the index back from the registry and run every variant (hello.ts)
 *
 * Prints a summary and exits 0 only when every step passed; a failed step skips the rest.
 * PIPELINE_REGISTRY picks another registry (default: the test bed's 127.0.0.1:5000).
 */
import type { Client } from "@dagger.io/dagger";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withEngine } from "../src/engine/connection.js";
import { testbedEnv } from "../test/e2e/support/testbed.js";
import { table } from "../src/common/text.js";
import { isMultiarchError, type PublishReport } from "../src/index.js";
import { nodeContainer, runChecks } from "./checks.js";
import { HELLO_REPOSITORY, publishHello, verifyHello, type HelloRelease } from "./hello.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TESTBED_REGISTRY = "127.0.0.1:5000";

type Status = "ok" | "FAILED" | "skipped";

interface StepResult {
  readonly name: string;
  readonly status: Status;
  readonly seconds: number;
  readonly detail: string;
}

const results: StepResult[] = [];

/** Run one step unless an earlier one failed; record its outcome. */
async function step(name: string, work: () => Promise<string> | string): Promise<boolean> {
  if (results.some((r) => r.status !== "ok")) {
    results.push({ name, status: "skipped", seconds: 0, detail: "an earlier step failed" });
    return false;
  }
  console.log(`==> ${name}`);
  const start = performance.now();
  try {
    const detail = await work();
    const seconds = (performance.now() - start) / 1000;
    console.log(`    ${name}: ok in ${seconds.toFixed(1)} s`);
    results.push({ name, status: "ok", seconds, detail });
    return true;
  } catch (error) {
    const seconds = (performance.now() - start) / 1000;
    const message = describe(error);
    console.error(`    ${name}: FAILED after ${seconds.toFixed(1)} s\n${indent(message)}`);
    results.push({ name, status: "FAILED", seconds, detail: message.split("\n")[0] ?? "" });
    return false;
  }
}

function describe(error: unknown): string {
  if (isMultiarchError(error)) {
    const stderr = error.details.stderr?.trim().split("\n").slice(-15).join("\n") ?? "";
    return `${error.code}: ${error.message}${stderr === "" ? "" : `\n${stderr}`}`;
  }
  return error instanceof Error ? error.message : String(error);
}

const indent = (text: string) => text.replace(/^/gm, "    ");

/** The tree's git revision, and whether it has changes; undefined outside a git checkout. */
function gitRevision(): { revision: string; dirty: boolean } | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: "pipe" }).trim();
    return { revision: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain") !== "" };
  } catch {
    return undefined;
  }
}

/** Bring the bed up when it is not, and use its engine unless the caller named one. */
function testbed(): string {
  const script = `${ROOT}/test/testbed/testbed.sh`;
  let state = "already up";
  if (spawnSync("bash", [script, "status"], { stdio: "ignore" }).status !== 0) {
    const up = spawnSync("bash", [script, "up"], { stdio: "inherit" });
    if (up.status !== 0)
      throw new Error(`'npm run testbed:up' failed (exit ${up.status ?? "signal"})`);
    state = "brought up";
  }
  if (process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"] === undefined) {
    Object.assign(process.env, testbedEnv());
  }
  return state;
}

async function main(): Promise<number> {
  const started = performance.now();
  const registry = process.env["PIPELINE_REGISTRY"] ?? TESTBED_REGISTRY;
  const git = gitRevision();
  const version =
    git === undefined ? "local" : `git-${git.revision.slice(0, 12)}${git.dirty ? "-dirty" : ""}`;
  const release: HelloRelease = {
    registry,
    tags: [version, "latest"],
    ...(git === undefined ? {} : { revision: git.revision }),
  };

  if (registry === TESTBED_REGISTRY) await step("test bed", testbed);
  else
    results.push({ name: "test bed", status: "ok", seconds: 0, detail: `not used: ${registry}` });

  if (results.every((r) => r.status === "ok")) {
    try {
      await withEngine(
        async (client: Client) => {
          let report: PublishReport | undefined;
          await step("checks", async () => {
            const lines = await runChecks(await nodeContainer(client, ROOT));
            return lines.slice(1).join("; ");
          });
          await step("publish hello", async () => {
            report = await publishHello(client, ROOT, release);
            return `${report.refs[0] ?? ""} (${report.platforms.length} platforms)`;
          });
          await step("verify hello", async () => {
            if (report === undefined) throw new Error("nothing was published");
            const lines = await verifyHello(client, release, report);
            console.log(indent(lines.join("\n")));
            return `${lines.length} platforms: index, tags and manifests as pushed; each ran as itself`;
          });
        },
        { onChoice: (choice) => console.log(`engine: ${choice.reason}`) },
      );
    } catch (error) {
      // Connecting failed: no step ran.
      results.push({ name: "engine", status: "FAILED", seconds: 0, detail: describe(error) });
    }
  }
  for (const name of ["checks", "publish hello", "verify hello"]) {
    if (!results.some((r) => r.name === name)) {
      results.push({ name, status: "skipped", seconds: 0, detail: "an earlier step failed" });
    }
  }

  const ok = results.every((r) => r.status === "ok");
  const total = (performance.now() - started) / 1000;
  const rows = results.map((r) => [r.name, r.status, r.seconds.toFixed(1), r.detail]);
  rows.push(["total", ok ? "ok" : "FAILED", total.toFixed(1), `${registry}/${HELLO_REPOSITORY}`]);
  console.log(`\npipeline summary\n${table(["STEP", "RESULT", "SECONDS", "DETAIL"], rows)}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pipeline: ${describe(error)}`);
    process.exit(1);
  },
);
