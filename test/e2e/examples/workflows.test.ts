// The example GitHub Actions workflows (examples/) pass actionlint — with shellcheck on every
// `run:` script — with no finding; and the same check fails on a workflow known to be broken,
// so a pass means something. actionlint and shellcheck come from the bed (testbed.sh up builds
// actionlint from the Go module proxy and exports its path as TESTBED_ACTIONLINT).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, test } from "vitest";
import { REPO_ROOT } from "../../support/run-cli.js";

const ACTIONLINT = process.env["TESTBED_ACTIONLINT"] ?? "";
const BROKEN = join(REPO_ROOT, "test", "fixtures", "broken-workflow", "broken.yml");

/** Every file under examples/ that is a GitHub Actions workflow (top-level `on:` and `jobs:`). */
function workflows(dir = join(REPO_ROOT, "examples")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : workflows(path);
    if (!/\.ya?ml$/.test(entry.name)) return [];
    const text = readFileSync(path, "utf8");
    return /^on:/m.test(text) && /^jobs:/m.test(text) ? [path] : [];
  });
}

function actionlint(files: readonly string[]) {
  const run = spawnSync(ACTIONLINT, ["-no-color", ...files], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: run.status, output: `${run.stdout}${run.stderr}`, error: run.error };
}

test("the bed provides actionlint and shellcheck", () => {
  expect(ACTIONLINT, "TESTBED_ACTIONLINT (from npm run testbed:env)").not.toBe("");
  expect(spawnSync(ACTIONLINT, ["-version"], { encoding: "utf8" }).stdout).toContain("1.7.12");
  expect(spawnSync("shellcheck", ["--version"]).status).toBe(0);
});

test("every example workflow passes actionlint with no finding", () => {
  const files = workflows();
  expect(files.map((f) => relative(REPO_ROOT, f))).toEqual(
    expect.arrayContaining([
      "examples/github-actions/publish.yml",
      "examples/github-actions/scale-out.yml",
    ]),
  );
  const run = actionlint(files);
  expect(run.error).toBeUndefined();
  expect(run.output).toBe("");
  expect(run.code).toBe(0);
});

test("a broken workflow fails the same check, each mistake named", () => {
  const run = actionlint([BROKEN]);
  expect(run.code).toBe(1);
  expect(run.output).toContain('unexpected key "timeout"');
  expect(run.output).toContain("matrix");
  expect(run.output).toContain("SC2086"); // shellcheck: double quote to prevent globbing
});
