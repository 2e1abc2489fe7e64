/**
 * `npm run bench [-- --quick] [--runs N] [--warmup N] [--scenarios a,b] [--contenders a,b]
 *                [--skip a,b] [--no-setup] [--name NAME] [--merge] [--report] [--compare DIR]`
 * It first sets up every peer it will run (bench/setup.sh: buildah from Debian, buildkitd and
 * buildx from the Go module proxy, the toolchain images), builds dist/ (multiarch runs as its
 * CLI) and compiles the raw Dagger runner. A peer that cannot run is an error, unless named in
 * --skip (e.g. --skip buildah); --no-setup runs with what is there.
 * (--name NAME: write results-NAME.* instead of results.*, e.g. for a run with other counts.)
 * (--merge: rerun the named scenarios and keep the others' records; --report: re-render only;
 * --compare DIR: compare results.json with an earlier run's DIR/results.json, writing
 * bench/results/reproducibility.md, running nothing.)
 *
 * Runs every scenario against every contender in alternation (A B C D A B C D ...): one warm-up
 * round, then N measured rounds. Each build+push is its own process, timed from spawn to exit
 * (wall), with its peak RSS from GNU time; the index each one pushed is read back from the
 * registry and must hold one manifest per platform. Ratios are taken pair by pair (run i of a
 * contender / run i of multiarch), then the median of those ratios.
 * Writes bench/results/{results.json,results.md,chart.svg} (or results-quick.*, chart-quick.svg).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ALL_CONTENDER_IDS,
  CACHE,
  compileRawRunner,
  contenders,
  type Command,
  type Contender,
  type TimedLine,
} from "./contenders.js";
import {
  compareDerived,
  compareRuns,
  comparisonMarkdown,
  derivedComparisonMarkdown,
} from "./compare.js";
import {
  derivedTable,
  markdownTable,
  phaseTable,
  stepTable,
  summarise,
  svgChart,
  type RunRecord,
  type Summary,
} from "./report.js";
import { C_LINES, REGISTRY, SCENARIOS, type Scenario } from "./scenarios.js";
import { compileSpans } from "./step-times.js";
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES } from "../src/registry/media-types.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, "results");
const WORK = join(CACHE, "work");
const RUN_LOGS = join(CACHE, "logs", "runs");
const RUN_TIMEOUT_MS = 15 * 60_000;

interface Options {
  quick: boolean;
  /** Results file suffix: "-NAME" with --name NAME, "-quick" in quick mode, else none. */
  suffix: string;
  /** Keep the other scenarios' records of the previous results file; rerun only these. */
  merge: boolean;
  runs: number | undefined;
  warmup: number | undefined;
  scenarios: string[];
  contenders: string[];
  /** Peers to run without: their failure to set up or start is not an error. */
  skip: string[];
  /** Do not run bench/setup.sh first. */
  noSetup: boolean;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${v}`);
  return n;
}

/** Measured and warm-up runs of a scenario: the CLI's, else the scenario's (capped in quick mode). */
function counts(s: Scenario, opts: Options): { runs: number; warmup: number } {
  return {
    runs: opts.runs ?? (opts.quick ? Math.min(s.runs, 2) : s.runs),
    warmup: opts.warmup ?? s.warmup,
  };
}

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes("--quick");
  const merge = argv.includes("--merge");
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (name: string): string[] | undefined => value(name)?.split(",").filter(Boolean);
  const name = value("--name");
  if (name !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new Error(`--name takes lower-case letters, digits and dashes: ${name}`);
  const opts: Options = {
    quick,
    suffix: name !== undefined ? `-${name}` : quick ? "-quick" : "",
    merge,
    runs: num(value("--runs")),
    warmup: num(value("--warmup")),
    scenarios:
      list("--scenarios") ??
      (quick
        ? ["startup-help", "startup-bad-input", "copy-only", "warm-nochange", "scale-2"]
        : SCENARIOS.map((s) => s.id)),
    contenders: list("--contenders") ?? ALL_CONTENDER_IDS,
    skip: list("--skip") ?? [],
    noSetup: argv.includes("--no-setup"),
  };
  for (const c of opts.skip)
    if (!ALL_CONTENDER_IDS.includes(c)) throw new Error(`--skip: unknown contender ${c}`);
  opts.contenders = opts.contenders.filter((c) => !opts.skip.includes(c));
  for (const s of opts.scenarios)
    if (!SCENARIOS.some((x) => x.id === s)) throw new Error(`unknown scenario ${s}`);
  if (opts.runs !== undefined && opts.runs < 1) throw new Error("--runs must be >= 1");
  return opts;
}

const log = (msg: string): void => {
  process.stderr.write(`bench: ${msg}\n`);
};

/** Write a fresh copy of the scenario's context for one contender and run. */
function writeContext(dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

interface Outcome {
  code: number | null;
  /** The last lines of its stderr. */
  tail: string;
  /** Phase times the command's own stderr lines marked (Command.phases). */
  phases?: Record<string, number>;
  /** Epoch seconds at spawn. */
  startedAt: number;
  seconds: number;
  maxRssKiB?: number;
  stdout: string;
}

function runTimed(command: Command, logFile: string): Promise<Outcome> {
  const { argv, env = {} } = command;
  const timeFile = `${logFile}.time`;
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error("empty command");
  return new Promise((resolve) => {
    const start = performance.now();
    const startedAt = Date.now() / 1000;
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // Each stderr line with the time it arrived: the CLI's progress lines mark its phases.
    const lines: TimedLine[] = [];
    let partial = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const at = (performance.now() - start) / 1000;
      const text = d.toString();
      stderr += text;
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) lines.push({ at, text: line });
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), RUN_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - start) / 1000;
      writeFileSync(logFile, `$ ${argv.join(" ")}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      let maxRssKiB: number | undefined;
      try {
        const lines = readFileSync(timeFile, "utf8").trim().split("\n");
        const n = Number(lines[lines.length - 1]);
        if (Number.isFinite(n)) maxRssKiB = n;
      } catch {
        /* no time output */
      }
      const tail = stderr.trim().split("\n").slice(-6).join("\n");
      if (partial !== "") lines.push({ at: seconds, text: partial });
      const phases = command.phases?.(lines);
      resolve({
        code,
        startedAt,
        seconds,
        stdout,
        ...(phases === undefined ? {} : { phases }),
        ...(maxRssKiB === undefined ? {} : { maxRssKiB }),
        tail,
      });
    });
  });
}

interface IndexManifest {
  mediaType?: string;
  manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/** Read back what was pushed: an index with exactly one manifest per requested platform. */
async function verifyIndex(
  repo: string,
  tag: string,
  platforms: readonly string[],
): Promise<string | undefined> {
  const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, {
    headers: {
      accept: [
        ...INDEX_MEDIA_TYPES,
        // one platform: multiarch and buildx push a plain image manifest, not an index
        ...(platforms.length === 1 ? IMAGE_MANIFEST_MEDIA_TYPES : []),
      ].join(", "),
    },
  });
  if (!res.ok) return `registry answered ${res.status} for ${REGISTRY}/${repo}:${tag}`;
  const body = (await res.json()) as IndexManifest;
  if (platforms.length === 1 && body.manifests === undefined) return undefined;
  const got = (body.manifests ?? [])
    .map((m) =>
      [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join("/"),
    )
    .sort();
  const want = [...platforms].sort();
  return JSON.stringify(got) === JSON.stringify(want)
    ? undefined
    : `pushed index holds [${got.join(", ")}], expected [${want.join(", ")}]`;
}

async function runOne(
  scenario: Scenario,
  contender: Contender,
  run: number,
  stamp: string,
  cold: boolean,
): Promise<RunRecord> {
  const dir = join(WORK, scenario.id, contender.id);
  const small = run < 0 && !cold && scenario.warmupFiles !== undefined;
  const files = small && scenario.warmupFiles ? scenario.warmupFiles(stamp) : scenario.files(stamp);
  writeContext(dir, files);
  const repo = `bench/${scenario.id}-${contender.id}`;
  const tag = run < 0 ? `warmup-${Date.now()}` : `run${run}-${Date.now()}`;
  const address = `${REGISTRY}/${repo}:${tag}`;
  const command =
    scenario.startup === undefined
      ? contender.command(dir, address, scenario.platforms)
      : contender.startup?.(scenario.startup, dir);
  if (command === undefined) throw new Error(`${contender.id} has no start-up command`);
  const logFile = join(
    RUN_LOGS,
    `${scenario.id}.${contender.id}.${run < 0 ? "warmup" : `run${run}`}.log`,
  );
  const out = await runTimed(command, logFile);
  let error: string | undefined;
  if (scenario.startup === "bad-input") {
    // Refused, as it should be: any non-zero exit that says so on stderr, not a crash or a hang.
    if (out.code === 0 || out.code === null || out.tail === "")
      error = `expected a refusal (non-zero exit, a message): exit ${out.code}: ${out.tail}`;
  } else if (out.code !== 0) {
    error = `exit ${out.code}: ${out.tail}`;
  } else if (scenario.startup === undefined) {
    error = await verifyIndex(repo, tag, scenario.platforms).catch((e: unknown) => String(e));
  }
  let phases: Record<string, number> | undefined = out.phases;
  let nodeRssKiB: number | undefined;
  const last = out.stdout.trim().split("\n").pop() ?? "";
  if (last.startsWith("{")) {
    try {
      const parsed = JSON.parse(last) as { phases?: Record<string, number>; maxRssKiB?: number };
      phases = parsed.phases;
      nodeRssKiB = parsed.maxRssKiB;
    } catch {
      /* not ours */
    }
  }
  // gcc's span on this run's timeline (seconds since spawn), only where the step ran this time:
  // a no-change rebuild carries an earlier run's stamps.
  let compile: Record<string, { start: number; end: number }> | undefined;
  const timed = files.Dockerfile?.includes("compile-span") === true;
  if (error === undefined && timed && scenario.change === "source" && !small) {
    const spans = await compileSpans(REGISTRY, repo, tag, scenario.platforms[0] ?? "").catch(
      (e: unknown) => {
        log(`could not read /compile-span back from ${address}: ${String(e)}`);
        return undefined;
      },
    );
    if (spans !== undefined)
      compile = Object.fromEntries(
        Object.entries(spans).map(([p, s]) => [
          p,
          { start: s.start - out.startedAt, end: s.end - out.startedAt },
        ]),
      );
  }
  const ok = error === undefined;
  const kind =
    run < 0
      ? cold
        ? "cold run"
        : small
          ? "warm-up (one-file program)"
          : "warm-up"
      : `run ${run + 1}`;
  log(
    `${scenario.id} ${contender.id} ${kind}: ${out.seconds.toFixed(1)} s${ok ? "" : ` FAILED (${error?.split("\n")[0] ?? ""}; log ${logFile})`}`,
  );
  return {
    scenario: scenario.id,
    contender: contender.id,
    run,
    ok,
    seconds: out.seconds,
    ...(out.maxRssKiB === undefined ? {} : { maxRssKiB: out.maxRssKiB }),
    ...(nodeRssKiB === undefined ? {} : { nodeRssKiB }),
    ...(phases === undefined ? {} : { phases }),
    ...(compile === undefined ? {} : { compile }),
    ...(cold ? { cold } : {}),
    ...(error === undefined ? {} : { error }),
  };
}

/** Scenarios that need no toolchain image (the rest start from bench/gcc or bench/cross). */
const WITHOUT_TOOLCHAINS = new Set(["copy-only", "startup-help", "startup-bad-input"]);

/**
 * Set up what this bench will run, as a newcomer's machine needs it: bench/setup.sh for the
 * peers (and the toolchain images), dist/ for multiarch's CLI, the raw Dagger runner.
 */
async function setUp(opts: Options): Promise<void> {
  const peers = [
    ...(opts.contenders.includes("buildah") ? ["buildah"] : []),
    ...(opts.contenders.some((c) => c === "buildx" || c === "buildctl") ? ["buildkit"] : []),
    ...(opts.contenders.includes("buildx") ? ["buildx"] : []),
    ...(opts.scenarios.every((s) => WITHOUT_TOOLCHAINS.has(s)) ? [] : ["toolchains"]),
  ];
  if (!opts.noSetup && peers.length > 0) {
    log(`setting up ${peers.join(", ")} (bench/setup.sh; the first time builds Go binaries)`);
    const setup = spawnSync("bash", [join(HERE, "setup.sh"), ...peers], { stdio: "inherit" });
    if (setup.status !== 0) {
      const failed = peers.filter((p) => {
        try {
          return readFileSync(join(CACHE, "status", p), "utf8").startsWith("failed");
        } catch {
          return true;
        }
      });
      throw new Error(
        `bench/setup.sh failed for ${failed.join(", ") || "a peer"} (see above)` +
          (failed.includes("toolchains")
            ? ""
            : `; to run without: --skip ${failed.map((p) => (p === "buildkit" ? "buildx" : p)).join(",")}`),
      );
    }
  }
  log("building dist/ (multiarch runs as its CLI) and the raw Dagger runner");
  const build = spawnSync("npm", ["run", "-s", "build"], {
    cwd: join(HERE, ".."),
    stdio: "inherit",
  });
  if (build.status !== 0) throw new Error("npm run build failed");
  await compileRawRunner();
}

/** Take the test bed's environment (engine socket, registry) when the caller did not. */
function testbedEnv(): void {
  if (process.env._EXPERIMENTAL_DAGGER_RUNNER_HOST !== undefined) return;
  const out = spawnSync("bash", [join(HERE, "../test/testbed/testbed.sh"), "env"], {
    encoding: "utf8",
  });
  for (const m of out.stdout.matchAll(/^export (\w+)=(.*)$/gm)) {
    const [, key, value] = m;
    if (key !== undefined && value !== undefined) process.env[key] = value.replace(/^'|'$/g, "");
  }
}

/** Write a file formatted by the project's Prettier, so `npm run lint` accepts it as is. */
async function writePretty(path: string, text: string): Promise<void> {
  const prettier = await import("prettier");
  const config = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(text, { ...config, filepath: path }));
}

interface Meta {
  started: string;
  /** Which results files: "", "-quick" or "-NAME". */
  suffix?: string;
  totalMinutes: number;
  quick: boolean;
  counts: Record<string, unknown>;
  machine: string;
  cLines: number;
  contenders: { id: string; label: string; cache: string }[];
  skipped: Record<string, string>;
}

/** A heading paragraph and its table, or nothing when the table is empty. */
const section = (heading: string, table: string): string =>
  table === "" ? "" : `\n${heading}\n\n${table}`;

/** results.json, results.md and chart.svg (with -quick for a quick run) from the records. */
async function writeReports(records: RunRecord[], scenarios: string[], meta: Meta): Promise<void> {
  const suffix = meta.suffix ?? (meta.quick ? "-quick" : "");
  const summaries = summarise(
    records,
    scenarios,
    meta.contenders.map((c) => c.id),
  );
  const labels = Object.fromEntries(meta.contenders.map((c) => [c.id, c.label]));
  const titles = Object.fromEntries(
    SCENARIOS.filter((s) => scenarios.includes(s.id)).map((s) => [s.id, s.title]),
  );
  await writePretty(
    join(RESULTS, `results${suffix}.json`),
    JSON.stringify({ meta, summaries, records }, null, 2) + "\n",
  );
  const oneFile = SCENARIOS.filter((s) => scenarios.includes(s.id) && s.warmupFiles).map(
    (s) => s.id,
  );
  const caches = meta.contenders.map((c) => `- ${c.label}: ${c.cache}`).join("\n");
  const skips = Object.entries(meta.skipped)
    .map(([id, why]) => `- ${id} skipped: ${why}`)
    .join("\n");
  await writePretty(
    join(RESULTS, `results${suffix}.md`),
    `<!-- generated by npm run bench${meta.quick ? " -- --quick" : ""}; ${meta.started} -->\n` +
      `Per scenario and contender: warm-up runs, then measured runs (see the table), alternating contenders; ` +
      `${meta.machine}; ${meta.totalMinutes.toFixed(0)} min in all. ` +
      `"First run" is the warm-up: a cold build where marked; where the scenario has a one-file ` +
      `warm-up (${oneFile.join(", ")}) it only pulled the images, so it is not a build time.\n\n` +
      markdownTable(summaries, titles, labels) +
      `\nWhere the Dagger clients' time goes (medians, seconds; build = every platform synced, ` +
      `push = publish with platformVariants; raw Dagger does both in one publish call; ` +
      `read-back+close = verify after push, then closing the session):\n\n` +
      phaseTable(records, scenarios) +
      section(
        "Ratios within each contender (median over median; in brackets the extremes, " +
          "min over max and max over min):",
        derivedTable(
          summaries,
          meta.contenders.map((c) => c.id),
          labels,
        ),
      ) +
      section(
        "Where the compile scenarios' time goes (medians, seconds since the client was spawned; " +
          "gcc stamps its start and end inside the RUN step, read back from each pushed " +
          "variant's /compile-span):",
        stepTable(records, scenarios),
      ) +
      `\nCaches:\n${caches}\n${skips === "" ? "" : `\n${skips}\n`}`,
  );
  writeFileSync(
    join(RESULTS, `chart${suffix}.svg`),
    svgChart(
      summaries,
      labels,
      `alternating runs after a warm-up; ${meta.machine}; shared, noisy machine: ratios, not absolute times`,
      meta.contenders.map((c) => c.id),
    ),
  );
}

interface ResultsFile {
  meta: Meta;
  summaries: Summary[];
  records: RunRecord[];
}

/** Run 2 (results.json) against run 1 (DIR/results.json): bench/results/reproducibility.md. */
async function compare(dir: string, suffix: string): Promise<void> {
  const read = (path: string): ResultsFile => JSON.parse(readFileSync(path, "utf8")) as ResultsFile;
  const run1Path = join(resolve(dir), `results${suffix}.json`);
  const run2Path = join(RESULTS, `results${suffix}.json`);
  const run1 = read(run1Path);
  const run2 = read(run2Path);
  const labels = Object.fromEntries(
    [...run1.meta.contenders, ...run2.meta.contenders].map((c) => [c.id, c.label]),
  );
  const rows = compareRuns(run1.summaries, run2.summaries);
  // Counted from the records: an older meta.counts misreports scenarios kept by --merge.
  const runs = (f: ResultsFile): string =>
    SCENARIOS.map((s) => s.id)
      .map((id) => f.records.filter((r) => r.scenario === id && r.contender === "multiarch"))
      .filter((rs) => rs.length > 0)
      .map(
        (rs) =>
          `${rs[0]?.scenario} ${rs.filter((r) => r.run < 0).length}+${rs.filter((r) => r.run >= 0).length}`,
      )
      .join(", ");
  const header =
    `<!-- generated by npm run bench -- ${suffix === "" ? "" : suffix === "-quick" ? "--quick " : `--name ${suffix.slice(1)} `}--compare ${dir} -->\n` +
    `# Reproducibility: run 2 against run 1\n\n` +
    `- run 1: ${relative(process.cwd(), run1Path)}, started ${run1.meta.started}, ` +
    `${run1.meta.totalMinutes} min (warm-up+measured runs: ${runs(run1)})\n` +
    `- run 2: ${relative(process.cwd(), run2Path)}, started ${run2.meta.started}, ` +
    `${run2.meta.totalMinutes} min (warm-up+measured runs: ${runs(run2)})\n` +
    `- machine: ${run2.meta.machine}`;
  const derived = compareDerived(
    run1.summaries,
    run2.summaries,
    run2.meta.contenders.map((c) => c.id),
  );
  const out = join(RESULTS, `reproducibility${suffix}.md`);
  await writePretty(
    out,
    comparisonMarkdown(rows, labels, header) +
      (derived.length === 0 ? "" : `\n${derivedComparisonMarkdown(derived, labels)}`),
  );
  const within = rows.filter((r) => r.within).length;
  const dWithin = derived.filter((r) => r.within).length;
  log(
    `${within} of ${rows.length} run-2 ratios to multiarch and ${dWithin} of ${derived.length} within-contender ratios within run 1's spread: ${out}`,
  );
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const compareDir = process.argv[process.argv.indexOf("--compare") + 1];
  if (process.argv.includes("--compare")) {
    if (compareDir === undefined) throw new Error("--compare needs a directory");
    await compare(compareDir, opts.suffix);
    return;
  }
  if (process.argv.includes("--report")) {
    // Re-render the markdown and the chart from the last results file, running nothing.
    const suffix = opts.suffix;
    const prev = JSON.parse(readFileSync(join(RESULTS, `results${suffix}.json`), "utf8")) as {
      meta: Meta;
      records: RunRecord[];
    };
    const scenarios = SCENARIOS.map((s) => s.id).filter((id) =>
      prev.records.some((r) => r.scenario === id),
    );
    await writeReports(prev.records, scenarios, prev.meta);
    return;
  }
  testbedEnv();
  mkdirSync(RESULTS, { recursive: true });
  mkdirSync(RUN_LOGS, { recursive: true });
  await setUp(opts);

  const ready: Contender[] = [];
  const skipped: Record<string, string> = Object.fromEntries(
    opts.skip.map((id) => [id, "left out by --skip"]),
  );
  const unready: string[] = [];
  for (const c of contenders().filter((c) => opts.contenders.includes(c.id))) {
    const why = await c.prepare();
    if (why === undefined) ready.push(c);
    else unready.push(`${c.id}: ${why}`);
  }
  if (unready.length > 0) {
    for (const c of ready) c.teardown();
    throw new Error(
      `cannot run ${unready.join("; ")}. Fix it, or run without it: --skip ${unready.map((u) => u.split(":")[0]).join(",")}`,
    );
  }
  if (!ready.some((c) => c.id === "multiarch"))
    throw new Error("multiarch must run: ratios are against it");

  // Stop the daemons we started (buildkitd) if the bench is interrupted.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const c of ready) c.teardown();
      process.exit(130);
    });
  }
  const records: RunRecord[] = [];
  const started = new Date();
  const t0 = performance.now();
  try {
    for (const id of opts.scenarios) {
      const scenario = SCENARIOS.find((s) => s.id === id);
      if (scenario === undefined) continue;
      const { runs, warmup } = counts(scenario, opts);
      log(`== ${scenario.title} (${warmup} warm-up, ${runs} measured, per contender)`);
      const here = ready.filter(
        (c) =>
          (scenario.contenders?.includes(c.id) ?? true) &&
          (scenario.startup === undefined || c.startup !== undefined),
      );
      for (let round = -warmup; round < runs; round++) {
        const run = round < 0 ? -1 : round;
        // Only the first warm-up round is cold, and only where the scenario asks for it.
        const cold = scenario.cold === true && round < 0 && round === -warmup;
        for (const c of here) {
          if (cold) {
            const t = performance.now();
            await c.reset();
            log(`${c.id}: build cache emptied in ${((performance.now() - t) / 1000).toFixed(1)} s`);
          }
          const stamp =
            scenario.change === "none"
              ? `${c.id}-fixed`
              : `${c.id}-${scenario.id}-${round}-${Date.now()}`;
          records.push(await runOne(scenario, c, run, stamp, cold));
        }
      }
    }
  } finally {
    for (const c of ready) c.teardown();
  }
  let totalMinutes = (performance.now() - t0) / 60_000;
  const suffix = opts.suffix;
  if (opts.merge) {
    try {
      const previous = JSON.parse(readFileSync(join(RESULTS, `results${suffix}.json`), "utf8")) as {
        records: RunRecord[];
        meta: { totalMinutes: number; counts: Record<string, unknown> };
      };
      const kept = previous.records.filter((r) => !opts.scenarios.includes(r.scenario));
      const rerun = opts.scenarios;
      opts.scenarios = SCENARIOS.map((s) => s.id).filter(
        (id) => rerun.includes(id) || kept.some((r) => r.scenario === id),
      );
      records.unshift(...kept);
      totalMinutes += previous.meta.totalMinutes;
      log(`merged with ${kept.length} earlier records; reran ${rerun.join(", ")}`);
    } catch (e) {
      log(`--merge: no earlier results to merge (${String(e)})`);
    }
  }

  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const meta: Meta = {
    started: started.toISOString(),
    suffix,
    totalMinutes: Number(totalMinutes.toFixed(1)),
    quick: opts.quick,
    // From the records, not the options: with --merge the kept scenarios ran with other counts.
    counts: Object.fromEntries(
      opts.scenarios.map((id) => {
        const base = records.filter((r) => r.scenario === id && r.contender === "multiarch");
        return [
          id,
          {
            runs: base.filter((r) => r.run >= 0).length,
            warmup: base.filter((r) => r.run < 0).length,
          },
        ];
      }),
    ),
    machine,
    cLines: C_LINES,
    contenders: ready.map((c) => ({ id: c.id, label: c.label, cache: c.cache })),
    skipped,
  };
  await writeReports(records, opts.scenarios, meta);
  log(
    `done in ${totalMinutes.toFixed(1)} min: bench/results/results${suffix}.{json,md}, chart${suffix}.svg`,
  );
}

await main();
