/**
 * The scale-out bench (README "Scaling out"), short enough for a shared two-core machine:
 *  1. the cost of `multiarch merge` on its own: five single-platform images already in the
 *     registry (pushed by skopeo, as CI jobs would push them by digest) joined into one index,
 *     seconds (wall, the CLI's start included) and registry requests (counted by a pass-through
 *     proxy in front of the bed's registry), with the default verification (binaries scanned),
 *     with --no-scan and with --no-verify;
 *  2. each platform's build time on its own (`build --push-by-digest`, one job each, as a CI
 *     matrix runs them), native or under QEMU on this machine, and the five together on one
 *     engine (`publish`): the inputs of the model of native builders per architecture;
 *  3. the five split over three engines (the bed's extra engines, on this same machine).
 * The workload is CPU-bound shell work in each platform's own busybox, so the emulated/native
 * ratio is QEMU's cost on the CPU, not on downloads.
 * Usage: npm run build && tsx bench/scale-out.ts [--runs N]   (writes bench/results/scale-out.*)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFaultProxy } from "../test/support/fault-proxy.js";
import { runCli } from "../test/support/run-cli.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const FIVE = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/ppc64le", "linux/s390x"];
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
const STAMP = Date.now().toString(36);
const REPO = `bench/scale-out-${STAMP}`;
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
/** Shell loop iterations: about a second natively here, so the emulated ones stay short. */
const LOOP = 200_000;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function cli(args: readonly string[]): Promise<{ seconds: number; stdout: string }> {
  const start = performance.now();
  const run = await runCli(args);
  const seconds = (performance.now() - start) / 1000;
  if (run.code !== 0) throw new Error(`multiarch ${args.join(" ")} failed:\n${run.stderr}`);
  return { seconds, stdout: run.stdout };
}

// --- 1. merge on its own ------------------------------------------------------------------------

function skopeoCopy(arch: string, variant: string | undefined, to: string): string {
  execFileSync("skopeo", [
    "copy",
    "--quiet",
    "--src-tls-verify=false",
    "--dest-tls-verify=false",
    "--override-arch",
    arch,
    ...(variant === undefined ? [] : ["--override-variant", variant]),
    `docker://${REGISTRY}/library/busybox:latest`,
    `docker://${to}`,
  ]);
  const raw = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${to}`]);
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

interface MergeRow {
  readonly mode: string;
  readonly seconds: number[];
  readonly requests: number[];
}

async function mergeCost(): Promise<MergeRow[]> {
  const digests = FIVE.map((platform) => {
    const [, arch = "", variant] = platform.split("/");
    return skopeoCopy(arch, variant, `${REGISTRY}/${REPO}/merged:src-${arch}${variant ?? ""}`);
  });
  const modes: [string, string[]][] = [
    ["verify, binaries scanned (default)", []],
    ["verify, --no-scan", ["--no-scan"]],
    ["--no-verify", ["--no-verify"]],
  ];
  const rows: MergeRow[] = [];
  for (const [mode, flags] of modes) {
    const row: MergeRow = { mode, seconds: [], requests: [] };
    for (let i = 0; i < RUNS; i++) {
      const proxy = await startFaultProxy({ upstream: REGISTRY, faults: {} });
      try {
        const before = proxy.counts.requests;
        const { seconds } = await cli([
          "merge",
          "--address",
          `${proxy.address}/${REPO}/merged`,
          "--tag",
          `run-${i}`,
          ...flags,
          ...digests,
        ]);
        row.seconds.push(seconds);
        row.requests.push(proxy.counts.requests - before);
      } finally {
        await proxy.close();
      }
    }
    rows.push(row);
  }
  return rows;
}

// --- 2. per platform, then five on one engine ---------------------------------------------------

function context(stamp: string): string {
  const dir = mkdtempSync(join(tmpdir(), "scale-out-bench-"));
  writeFileSync(
    join(dir, "Dockerfile"),
    `FROM ${REGISTRY}/library/busybox:latest\n` +
      `RUN echo ${stamp} > /stamp && i=0; while [ $i -lt ${LOOP} ]; do i=$((i+1)); done; echo $i > /count\n`,
  );
  return dir;
}

interface BuildJson {
  platforms: { platform: string; seconds: number; mode: string }[];
}

async function perPlatform(): Promise<{ platform: string; mode: string; seconds: number }[]> {
  const rows = [];
  for (const platform of FIVE) {
    const dir = context(`${STAMP}-${platform}`);
    try {
      const { stdout } = await cli([
        "build",
        "--source",
        dir,
        "--platform",
        platform,
        "--push-by-digest",
        "--address",
        `${REGISTRY}/${REPO}/one`,
        "--json",
      ]);
      const p = (JSON.parse(stdout) as BuildJson).platforms[0];
      rows.push({ platform, mode: p?.mode ?? "?", seconds: p?.seconds ?? 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

async function fiveOnOneEngine(): Promise<{ wall: number; builds: Record<string, number> }> {
  const dir = context(`${STAMP}-five`);
  try {
    const { seconds, stdout } = await cli([
      "publish",
      "--source",
      dir,
      "--platforms",
      FIVE.join(","),
      "--address",
      `${REGISTRY}/${REPO}/five`,
      "--no-scan",
      "--json",
    ]);
    const builds = Object.fromEntries(
      (JSON.parse(stdout) as BuildJson).platforms.map((p) => [p.platform, p.seconds]),
    );
    return { wall: seconds, builds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same five over three engines (issue 15's routing: the bed's extra engines, TESTBED_ENGINES,
 * run on this same machine): arm64 and arm/v7 on the second, ppc64le and s390x on the third.
 */
async function fiveOverThreeEngines(): Promise<{ wall: number } | undefined> {
  const [e2, e3] = (process.env["TESTBED_ENGINES"] ?? "").split(" ").filter(Boolean);
  if (e2 === undefined || e3 === undefined) return undefined;
  const dir = context(`${STAMP}-three`);
  try {
    const { seconds } = await cli([
      "publish",
      "--source",
      dir,
      "--platforms",
      FIVE.join(","),
      "--engine",
      `linux/arm64,linux/arm/v7=${e2}`,
      "--engine",
      `linux/ppc64le,linux/s390x=${e3}`,
      "--address",
      `${REGISTRY}/${REPO}/three`,
      "--no-scan",
      "--json",
    ]);
    return { wall: seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- report -------------------------------------------------------------------------------------

const merge = await mergeCost();
const single = await perPlatform();
const five = await fiveOnOneEngine();
const three = await fiveOverThreeEngines();

const native = single.find((r) => r.platform === "linux/amd64")?.seconds ?? 0;
const mergeNoScan = median(merge.find((r) => r.mode.includes("--no-scan"))?.seconds ?? []);
// The model: each platform on a native builder of its own CPU takes what amd64 took natively
// here (the same work on a core of the same class), all at once; then one merge.
const modelled = native + mergeNoScan;
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? "?"})`,
  loop: LOOP,
  runs: RUNS,
  merge: merge.map((r) => ({
    mode: r.mode,
    medianSeconds: round(median(r.seconds)),
    seconds: r.seconds.map((s) => round(s)),
    requests: r.requests,
  })),
  perPlatform: single.map((r) => ({
    ...r,
    seconds: round(r.seconds),
    ratioToNative: round(r.seconds / native),
  })),
  fiveOnOneEngine: {
    wallSeconds: round(five.wall),
    buildSeconds: Object.fromEntries(Object.entries(five.builds).map(([k, v]) => [k, round(v)])),
  },
  fiveOverThreeEngines:
    three === undefined ? "not measured: no TESTBED_ENGINES" : { wallSeconds: round(three.wall) },
  model: {
    nativeBuildersSeconds: round(modelled),
    sumOfSingleBuildsSeconds: round(single.reduce((sum, r) => sum + r.seconds, 0)),
    slowestSingleBuildSeconds: round(Math.max(...single.map((r) => r.seconds))),
  },
};

const md = [
  `<!-- generated by tsx bench/scale-out.ts; ${result.date} -->`,
  "",
  `${result.machine}; ${RUNS} runs per merge mode; one run per build (shared machine).`,
  "",
  "Merge of five single-platform images already in the registry (busybox, pushed by skopeo), through a counting proxy:",
  "",
  "| merge | median s | runs s | registry requests |",
  "| ----- | -------: | ------ | ----------------: |",
  ...result.merge.map(
    (r) =>
      `| ${r.mode} | ${r.medianSeconds} | ${r.seconds.join(", ")} | ${[...new Set(r.requests)].join(", ")} |`,
  ),
  "",
  `Each platform on its own (\`build --push-by-digest\`; ${LOOP} iterations of a shell loop in its busybox), build seconds:`,
  "",
  "| platform | mode on this machine | build s | ratio to native amd64 |",
  "| -------- | -------------------- | ------: | --------------------: |",
  ...result.perPlatform.map(
    (r) => `| ${r.platform} | ${r.mode} | ${r.seconds} | ${r.ratioToNative} |`,
  ),
  "",
  `Five on one engine (\`publish --no-scan\`): ${result.fiveOnOneEngine.wallSeconds} s wall; builds ${Object.entries(
    result.fiveOnOneEngine.buildSeconds,
  )
    .map(([k, v]) => `${k} ${v} s`)
    .join(", ")}.`,
  "",
  three === undefined
    ? "Five over three engines: not measured (no TESTBED_ENGINES)."
    : `Five over three engines on this same machine (arm64 + arm/v7, ppc64le + s390x on the bed's extra engines; \`publish --engine … --no-scan\`): ${round(three.wall)} s wall. The engines share the same two cores.`,
  "",
  `Model, native builders per architecture (each platform as fast as amd64 natively here, all at once, then one merge --no-scan): ${result.model.nativeBuildersSeconds} s of build + merge, against ${result.model.slowestSingleBuildSeconds} s for the slowest emulated platform alone and ${result.fiveOnOneEngine.wallSeconds} s for the five on this engine.`,
  "",
].join("\n");

writeFileSync(join(RESULTS, "scale-out.json"), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(RESULTS, "scale-out.md"), md);
process.stdout.write(md);
process.exit(0);
