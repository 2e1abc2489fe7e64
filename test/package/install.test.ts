// `npm pack`, then `npm install` of the tarball into an empty project: what a user gets. The
// library imports under plain Node (no tsx, no TypeScript sources), its declarations type-check a
// consumer, and `npx multiarch` runs. No engine.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
};

let work: string;
let tarball: string;
let project: string;

/** Only what a user's shell would have: no NODE_OPTIONS or loaders from the test runner. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "TMPDIR", "npm_config_cache"];
  return Object.fromEntries(
    keep.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]])),
  );
}

function inProject(command: string, args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: project, env: userEnv(), encoding: "utf8" });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-package-"));
  // `npm pack` runs the package's prepare script (the build) first, as `npm publish` would.
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
    cwd: ROOT,
    encoding: "utf8",
  });
  tarball = join(work, packed.trim().split("\n").at(-1) ?? "");
  project = join(work, "project");
  mkdirSync(project);
  execFileSync(
    "npm",
    ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    { cwd: project, env: userEnv(), stdio: "pipe" },
  );
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  test("holds the compiled library, its declarations, the command and the README; no sources", () => {
    const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "bin/multiarch.js",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/cli/main.js",
      ]),
    );
    const unwanted = files.filter(
      (f) =>
        /^(bench|test|examples|src|pipeline|node_modules)\//.test(f) ||
        (f.endsWith(".ts") && !f.endsWith(".d.ts")),
    );
    expect(unwanted).toEqual([]);
  });
});

describe("installed into an empty project", () => {
  test("imports under plain Node, without tsx, exposing the SDK's functions", () => {
    expect(existsSync(join(project, "node_modules", "tsx"))).toBe(false);
    const names = ["withEmulation", "buildPlatform", "publishIndex", "publish", "verify"];
    const run = inProject("node", [
      "--input-type=module",
      "-e",
      `const m = await import("multiarch");
       console.log(JSON.stringify(${JSON.stringify(names)}.map((n) => [n, typeof m[n]])));`,
    ]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual(names.map((n) => [n, "function"]));
  });

  test("connecting loads only the Dagger SDK's client: not its module runtime (TypeScript) or OpenTelemetry's Node SDK", () => {
    // Every module the process loads, from a loader hook (its own thread: written to stderr).
    writeFileSync(
      join(project, "trace-hooks.mjs"),
      `export async function load(url, context, next) { process.stderr.write("loaded " + url + "\\n"); return next(url, context); }\n`,
    );
    writeFileSync(
      join(project, "trace.mjs"),
      `import { register } from "node:module"; register("./trace-hooks.mjs", import.meta.url);\n`,
    );
    const sdk = join(project, "node_modules/multiarch/dist/engine/sdk.js");
    const load = (env: NodeJS.ProcessEnv, extra = ""): SpawnSyncReturns<string> =>
      spawnSync(
        "node",
        [
          "--import",
          "./trace.mjs",
          "--input-type=module",
          "-e",
          `const sdk = await (await import(${JSON.stringify(sdk)})).loadDaggerSdk();
           console.log(sdk.loadedFrom, typeof sdk.dag.container);${extra}`,
        ],
        { cwd: project, env, encoding: "utf8" },
      );
    const lean = load(userEnv());
    expect(lean.stdout).toBe("parts function\n");
    const loaded = lean.stderr.split("\n").filter((l) => l.startsWith("loaded "));
    expect(loaded.some((l) => l.endsWith("/@dagger.io/dagger/dist/src/api/client.gen.js"))).toBe(
      true,
    );
    expect(
      loaded.filter((l) => /\/typescript\/|@opentelemetry\/sdk-node|\/module\//.test(l)),
    ).toEqual([]);

    // The same `dag` as the SDK's index exports: a caller's own `dag` and ours are one client.
    const same = load(
      userEnv(),
      `console.log((await import("@dagger.io/dagger")).dag === sdk.dag);`,
    );
    expect(same.stdout).toBe("parts function\ntrue\n");

    // Telemetry asked for: the SDK's own connection(), which starts OpenTelemetry.
    const traced = load({ ...userEnv(), OTEL_SDK_DISABLED: "true" });
    expect(traced.stdout).toBe("index function\n");
  });

  test("its declarations type-check a consumer", () => {
    writeFileSync(
      join(project, "consumer.ts"),
      [
        `import type { Directory } from "@dagger.io/dagger";`,
        `import { isMultiarchError, publish, type PublishReport } from "multiarch";`,
        `export async function ship(source: Directory): Promise<string> {`,
        `  const report: PublishReport = await publish({ source, address: "r.example/app" });`,
        `  return report.digest;`,
        `}`,
        `export const failedBuild = (e: unknown) => isMultiarchError(e) && e.code === "BUILD_FAILED";`,
        // Proves the types are real, not `any`: this line must be an error.
        `// @ts-expect-error address is a string`,
        `export const wrong = () => publish({ address: 1 });`,
        ``,
      ].join("\n"),
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const run = inProject("node", [
      tsc,
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--skipLibCheck",
      "consumer.ts",
    ]);
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  test("npx multiarch --help and --version work", () => {
    const help = inProject("npx", ["--no-install", "multiarch", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^multiarch: build one container per CPU platform/);
    expect(help.stdout).toContain("multiarch publish [options] -t REGISTRY/REPO:TAG");
    const v = inProject("npx", ["--no-install", "multiarch", "--version"]);
    expect(v.stdout).toBe(`multiarch ${version}\n`);
  });

  test("bad input exits 2 with one error line, and starts no engine", () => {
    // A stand-in dagger CLI that leaves a mark if anything tries to start a session.
    const marker = join(work, "dagger-ran");
    const fake = join(work, "fake-dagger");
    writeFileSync(fake, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`, { mode: 0o755 });
    const run = spawnSync("npx", ["--no-install", "multiarch", "publish", "--frob"], {
      cwd: project,
      env: { ...userEnv(), _EXPERIMENTAL_DAGGER_CLI_BIN: fake },
      encoding: "utf8",
    });
    expect(existsSync(marker)).toBe(false);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("multiarch: error: unknown option --frob for publish");
    expect(lines.slice(1).every((l) => l.startsWith("usage: "))).toBe(true);
  });
});
