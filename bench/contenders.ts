/**
 * The contenders: how each one builds a context for some platforms and pushes one index.
 * All push to the same local registry, from the same Dockerfile and context.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REGISTRY } from "./scenarios.js";

export const CACHE = process.env.BENCH_CACHE ?? "/var/cache/multiarch/bench";
export const BIN = join(CACHE, "bin");
/** Per-bench state of the peers (image stores, daemon roots): wiped at the start of a bench. */
export const STATE = "/var/lib/multiarch-bench";
const RUN_DIR = "/run/multiarch-bench";
const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
const TSX = join(REPO_DIR, "node_modules/.bin/tsx");
const DAGGER_RUNNER = join(REPO_DIR, "bench/runners/dagger.ts");

export interface Command {
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
}

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
  multiarch: "multiarch (our SDK)",
  "multiarch-noverify": "multiarch, verify off",
  raw: "raw Dagger SDK",
};

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
    command: (context, address, platforms) => ({
      argv: [TSX, DAGGER_RUNNER, mode, context, address, platforms.join(",")],
    }),
    reset: () => run([TSX, DAGGER_RUNNER, "prune"], "pruning the Dagger engine's cache"),
    teardown: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// buildah (Debian package)

const BUILDAH_ROOT = join(STATE, "containers");
const REGISTRIES_CONF = join(CACHE, "containers-registries.conf");
const buildahGlobal = `--root ${BUILDAH_ROOT}/storage --runroot ${RUN_DIR}/containers --storage-driver overlay`;

const buildah: Contender = {
  id: "buildah",
  label: "buildah (Debian 1.28)",
  cache:
    "own image store, wiped at bench start and emptied (`rm --all`, `rmi --all`) before its cold run; `--layers` so later runs reuse layers",
  prepare: () => {
    if (spawnSync("buildah", ["--version"]).status !== 0)
      return Promise.resolve("buildah is not installed (bash bench/setup.sh)");
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
      env: { CONTAINERS_REGISTRIES_CONF: REGISTRIES_CONF, BUILDAH_ISOLATION: "oci" },
    };
  },
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
