/**
 * The contenders: how each one builds a context for some platforms and pushes one index.
 * All push to the same local registry, from the same Dockerfile and context.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { REGISTRY } from "./scenarios.js";

export const CACHE = process.env.BENCH_CACHE ?? "/var/cache/multiarch/bench";
export const BIN = join(CACHE, "bin");
/** Per-bench state of the peers (image stores, daemon roots): wiped at the start of a bench. */
export const STATE = "/var/lib/multiarch-bench";
const RUN_DIR = "/run/multiarch-bench";
const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
const MULTIARCH = join(REPO_DIR, "bin/multiarch.js");
/** bench/runners/raw-dagger.ts as plain JavaScript (see compileRawRunner): run by node, no tsx. */
const RAW_RUNNER = join(REPO_DIR, "bench/runners/.build/raw-dagger.mjs");

export interface Command {
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
  /** Phase times (seconds since spawn) from the lines the command wrote to stderr, as they came. */
  readonly phases?: (lines: readonly TimedLine[]) => Record<string, number>;
}

export interface TimedLine {
  /** Seconds since spawn when the line arrived. */
  readonly at: number;
  readonly text: string;
}

/** What the start-up scenario runs: the help text, or a command refused for a bad platform. */
export type StartupProbe = "help" | "bad-input";

export interface Contender {
  readonly id: string;
  readonly label: string;
  /** How its caches are handled, for the report. */
  readonly cache: string;
  /** undefined when ready, else why it cannot run. */
  prepare(): Promise<string | undefined>;
  /** Empty its build cache, for a cold run: bases and toolchains are pulled again. */
  reset(): Promise<void>;
  command(context: string, address: string, platforms: readonly string[]): Command;
  /** The start-up scenario's command (process start to exit, nothing built), if it has a CLI. */
  startup?(probe: StartupProbe, context: string): Command;
  teardown(): void;
}

const sh = (script: string): Command => ({ argv: ["/bin/sh", "-ec", script] });

/** Run a command to completion; throws with its output when it fails. */
async function run(argv: readonly string[], what: string): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error("empty command");
  const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code, output }));
  });
  if (out.code !== 0) throw new Error(`${what} failed (exit ${out.code}): ${out.output.trim()}`);
}

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

const DAGGER_IDS = {
  multiarch: "multiarch",
  "multiarch-noverify": "multiarch-noverify",
  raw: "raw-dagger",
};
const DAGGER_LABELS = {
  multiarch: "multiarch (our CLI)",
  "multiarch-noverify": "multiarch, verify off",
  raw: "raw Dagger SDK",
};

/**
 * The CLI's progress lines that mark a phase (bench/report.ts phaseTable), by when they arrived.
 * "connected" is the first line written once the session is up (the emulation probe's).
 */
const CLI_PHASES: readonly (readonly [string, RegExp])[] = [
  ["connected", /^checking how the engine runs/],
  ["probeStart", /^checking how the engine runs/],
  ["buildStart", / building \(/],
  ["pushStart", /^pushing /],
  ["pushDone", /^pushed sha256:/],
];

export function cliPhases(lines: readonly TimedLine[]): Record<string, number> {
  const phases: Record<string, number> = { importedAt: 0 };
  for (const { at, text } of lines) {
    for (const [name, pattern] of CLI_PHASES) if (pattern.test(text)) phases[name] ??= at;
    const built = /^(\S+)\s+built in /.exec(text);
    if (built?.[1] !== undefined) phases[`built ${built[1]}`] ??= at;
  }
  const last = lines.at(-1);
  if (last !== undefined) phases.exit = last.at;
  return phases;
}

function daggerContender(mode: "multiarch" | "multiarch-noverify" | "raw"): Contender {
  return {
    id: DAGGER_IDS[mode],
    label: DAGGER_LABELS[mode],
    cache:
      "the test-bed Dagger engine (keep other work off it during a bench): its whole cache pruned just before this contender's cold run, else kept; base images and toolchain layers warm from the warm-up runs",
    prepare: () =>
      Promise.resolve(
        process.env._EXPERIMENTAL_DAGGER_RUNNER_HOST === undefined
          ? 'no Dagger engine in the environment (eval "$(npm run -s testbed:env)")'
          : undefined,
      ),
    command: (context, address, platforms) =>
      mode === "raw"
        ? { argv: [process.execPath, RAW_RUNNER, "raw", context, address, platforms.join(",")] }
        : {
            // What a user runs: the published command over dist/ (the bench builds it first).
            argv: [
              process.execPath,
              MULTIARCH,
              "publish",
              "--source",
              context,
              "--address",
              address,
              "--platforms",
              platforms.join(","),
              ...(mode === "multiarch-noverify" ? ["--no-verify"] : []),
            ],
            phases: cliPhases,
          },
    ...(mode === "multiarch"
      ? {
          startup: (probe: StartupProbe, context: string): Command => ({
            argv:
              probe === "help"
                ? [process.execPath, MULTIARCH, "--help"]
                : [
                    process.execPath,
                    MULTIARCH,
                    "publish",
                    "--source",
                    context,
                    "--address",
                    `${REGISTRY}/bench/startup`,
                    "--platform",
                    "linux/bogus",
                  ],
          }),
        }
      : {}),
    reset: () => run([process.execPath, RAW_RUNNER, "prune"], "pruning the Dagger engine's cache"),
    teardown: () => undefined,
  };
}

/**
 * bench/runners/raw-dagger.ts as plain JavaScript beside it (bench/runners/.build/, not in git),
 * so raw Dagger starts as a user's compiled program would: node, no tsx at run time.
 */
export async function compileRawRunner(): Promise<void> {
  const ts = (await import("typescript")).default;
  const source = readFileSync(join(REPO_DIR, "bench/runners/raw-dagger.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(dirname(RAW_RUNNER), { recursive: true });
  writeFileSync(RAW_RUNNER, outputText);
}

// ---------------------------------------------------------------------------------------------
// buildah (Debian package)

const BUILDAH_ROOT = join(STATE, "containers");
const REGISTRIES_CONF = join(CACHE, "containers-registries.conf");
const buildahGlobal = `--root ${BUILDAH_ROOT}/storage --runroot ${RUN_DIR}/containers --storage-driver overlay`;
/**
 * buildah's OCI runtime: Debian's runc (bench/setup.sh installs it). Debian's crun, which buildah
 * picks when both are there, fails on hosts with cgroups in hybrid mode, as ours are.
 */
const BUILDAH_RUNC = "/usr/sbin/runc";
const buildahEnv = {
  CONTAINERS_REGISTRIES_CONF: REGISTRIES_CONF,
  BUILDAH_ISOLATION: "oci",
  BUILDAH_RUNTIME: BUILDAH_RUNC,
};

const buildah: Contender = {
  id: "buildah",
  label: "buildah (Debian 1.28)",
  cache:
    "own image store, wiped at bench start and emptied (`rm --all`, `rmi --all`) before its cold run; `--layers` so later runs reuse layers",
  prepare: () => {
    if (spawnSync("buildah", ["--version"]).status !== 0)
      return Promise.resolve("buildah is not installed (bash bench/setup.sh buildah)");
    if (!existsSync(BUILDAH_RUNC))
      return Promise.resolve(`${BUILDAH_RUNC} is missing (bash bench/setup.sh buildah)`);
    // An interrupted bench leaves buildah's working containers mounted: unmount before wiping.
    spawnSync("/bin/sh", ["-c", `buildah ${buildahGlobal} rm --all`], { stdio: "ignore" });
    spawnSync(
      "/bin/sh",
      ["-c", `mount | awk '$3 ~ "^${STATE}/" {print $3}' | sort -r | xargs -r umount -l`],
      { stdio: "ignore" },
    );
    rmSync(BUILDAH_ROOT, { recursive: true, force: true });
    mkdirSync(BUILDAH_ROOT, { recursive: true });
    writeFileSync(
      REGISTRIES_CONF,
      `unqualified-search-registries = ["docker.io"]
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "${REGISTRY}"
insecure = true
[[registry]]
location = "${REGISTRY}"
insecure = true
`,
    );
    return Promise.resolve(undefined);
  },
  command: (context, address, platforms) => {
    const m = `bench-manifest-${Math.random().toString(36).slice(2, 10)}`;
    return {
      ...sh(
        [
          `buildah ${buildahGlobal} build --quiet --layers --platform ${platforms.join(",")} --manifest ${m} ${q(context)}`,
          `buildah ${buildahGlobal} manifest push --all --tls-verify=false --format oci ${m} docker://${address}`,
          `buildah ${buildahGlobal} manifest rm ${m} >/dev/null`,
        ].join("\n"),
      ),
      env: buildahEnv,
    };
  },
  startup: (probe, context) => ({
    argv:
      probe === "help"
        ? ["buildah", "--help"]
        : ["buildah", ...buildahGlobal.split(" "), "build", "--platform", "linux/bogus", context],
    env: buildahEnv,
  }),
  reset: () =>
    run(
      sh(`buildah ${buildahGlobal} rm --all >/dev/null
buildah ${buildahGlobal} rmi --all --force >/dev/null`).argv,
      "emptying buildah's image store",
    ),
  teardown: () => undefined,
};

// ---------------------------------------------------------------------------------------------
// BuildKit daemon from the Go module proxy, driven by buildx (remote driver) or, if buildx did
// not build, by buildctl.

const BUILDKIT_ROOT = join(STATE, "buildkit");
const BUILDKIT_SOCK = join(RUN_DIR, "buildkitd.sock");
let buildkitd: ChildProcess | undefined;

async function startBuildkitd(): Promise<string | undefined> {
  if (buildkitd !== undefined) return undefined;
  if (!existsSync(join(BIN, "buildkitd")) || !existsSync(join(BIN, "buildctl")))
    return "buildkitd/buildctl did not build from the Go module proxy (see bench/setup.sh output)";
  rmSync(BUILDKIT_ROOT, { recursive: true, force: true });
  mkdirSync(BUILDKIT_ROOT, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  rmSync(BUILDKIT_SOCK, { force: true });
  const conf = join(CACHE, "buildkitd.toml");
  writeFileSync(
    conf,
    `root = "${BUILDKIT_ROOT}"
[grpc]
  address = ["unix://${BUILDKIT_SOCK}"]
[worker.oci]
  enabled = true
  binary = "/usr/local/bin/runc"
  gc = false
[worker.containerd]
  enabled = false
[registry."docker.io"]
  mirrors = ["${REGISTRY}"]
[registry."${REGISTRY}"]
  http = true
  insecure = true
`,
  );
  const log = openSync(join(CACHE, "logs", "buildkitd.log"), "w");
  buildkitd = spawn(join(BIN, "buildkitd"), ["--config", conf, "--oci-worker-net", "host"], {
    stdio: ["ignore", log, log],
    env: { ...process.env, PATH: `/usr/local/bin:${process.env.PATH ?? ""}` },
  });
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    if (buildkitd.exitCode !== null)
      return `buildkitd exited (${buildkitd.exitCode}); see ${CACHE}/logs/buildkitd.log`;
    const ok = spawnSync(join(BIN, "buildctl"), [
      "--addr",
      `unix://${BUILDKIT_SOCK}`,
      "debug",
      "workers",
    ]);
    if (ok.status === 0) return undefined;
  }
  return `buildkitd did not answer on ${BUILDKIT_SOCK} within 30 s`;
}

function stopBuildkitd(): void {
  if (buildkitd?.pid !== undefined && buildkitd.exitCode === null) buildkitd.kill("SIGTERM");
  buildkitd = undefined;
}

const BUILDX_CONFIG = join(CACHE, "buildx-config");
/** Everything buildkitd caches, gone (its cache is the only place it keeps images). */
const pruneBuildkit = (): Promise<void> =>
  run(
    [join(BIN, "buildctl"), "--addr", `unix://${BUILDKIT_SOCK}`, "prune", "--all"],
    "pruning buildkitd's cache",
  );

const buildxEnv = {
  BUILDX_CONFIG,
  DOCKER_CONFIG: join(CACHE, "docker-config"),
  BUILDX_NO_DEFAULT_ATTESTATIONS: "1",
};

const buildx: Contender = {
  id: "buildx",
  label: "buildx + buildkitd (remote driver)",
  cache:
    "own buildkitd, state wiped at bench start and `buildctl prune --all` before its cold run; its local cache kept between runs otherwise; no attestations",
  prepare: async () => {
    if (!existsSync(join(BIN, "buildx"))) return "buildx did not build from the Go module proxy";
    const why = await startBuildkitd();
    if (why !== undefined) return why;
    rmSync(BUILDX_CONFIG, { recursive: true, force: true });
    const made = spawnSync(
      join(BIN, "buildx"),
      ["create", "--name", "mabench", "--driver", "remote", `unix://${BUILDKIT_SOCK}`],
      { env: { ...process.env, ...buildxEnv }, encoding: "utf8" },
    );
    return made.status === 0 ? undefined : `buildx create failed: ${made.stderr}`;
  },
  command: (context, address, platforms) => ({
    argv: [
      join(BIN, "buildx"),
      "--builder",
      "mabench",
      "build",
      "--progress",
      "plain",
      "--provenance=false",
      "--sbom=false",
      "--platform",
      platforms.join(","),
      "--output",
      `type=image,name=${address},push=true,registry.insecure=true,oci-mediatypes=true`,
      context,
    ],
    env: buildxEnv,
  }),
  startup: (probe, context) => ({
    argv:
      probe === "help"
        ? [join(BIN, "buildx"), "--help"]
        : [
            join(BIN, "buildx"),
            "--builder",
            "mabench",
            "build",
            "--platform",
            "linux/bogus",
            context,
          ],
    env: buildxEnv,
  }),
  reset: pruneBuildkit,
  teardown: stopBuildkitd,
};

const buildctl: Contender = {
  id: "buildctl",
  label: "buildctl + buildkitd",
  cache:
    "own buildkitd, state wiped at bench start and `buildctl prune --all` before its cold run; local cache kept between runs otherwise",
  prepare: startBuildkitd,
  command: (context, address, platforms) => ({
    argv: [
      join(BIN, "buildctl"),
      "--addr",
      `unix://${BUILDKIT_SOCK}`,
      "build",
      "--progress",
      "plain",
      "--frontend",
      "dockerfile.v0",
      "--local",
      `context=${context}`,
      "--local",
      `dockerfile=${context}`,
      "--opt",
      `platform=${platforms.join(",")}`,
      "--output",
      `type=image,name=${address},push=true,registry.insecure=true,oci-mediatypes=true`,
    ],
  }),
  reset: pruneBuildkit,
  teardown: stopBuildkitd,
};

/** multiarch first: ratios are against it. buildx, or buildctl when buildx is missing. */
export function contenders(): Contender[] {
  const kit = existsSync(join(BIN, "buildx")) ? buildx : buildctl;
  return [
    daggerContender("multiarch"),
    daggerContender("multiarch-noverify"),
    daggerContender("raw"),
    buildah,
    kit,
  ];
}

export const ALL_CONTENDER_IDS = [
  "multiarch",
  "multiarch-noverify",
  "raw-dagger",
  "buildah",
  "buildx",
  "buildctl",
];
