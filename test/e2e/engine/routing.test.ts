// Routing platforms to engines, on the bed's three engines (the main one and TESTBED_ENGINES, each
// in a network namespace of its own): one publish split over them gives one verified index; the
// report names each platform's engine, and the images themselves say where they were built
// (the fixture records its container's DNS server: each engine's own bridge). An engine killed
// mid-build fails the publish with ENGINE_FAILED naming it, and no tag is written; with
// --fallback emulate a dead engine's platforms are built on the default engine instead.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli, REPO_ROOT } from "../../support/run-cli.js";
import { run } from "../../support/run.js";
import { exists, indexPlatforms, inspectRaw, readImageFiles, uniqueRepo } from "../support/oci.js";
import { FIVE, MACHINE } from "../support/platforms.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const FIXTURE = join(REPO_ROOT, "test", "fixtures", "engines");
const TESTBED = join(REPO_ROOT, "test", "testbed", "testbed.sh");
const LOGS = "/var/log/multiarch";
const RUN_PID = "/run/multiarch";

/** The default engine, as the CLI names it: the runner host the bed's env sets. */
const MAIN = process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"] ?? "";
const [E2 = "", E3 = ""] = (process.env["TESTBED_ENGINES"] ?? "").split(" ");

interface Report {
  digest: string;
  refs: string[];
  platforms: { platform: string; engine: string; mode: string; fallbackFrom?: string }[];
}

/** A fresh build argument: no engine has this build cached. */
const nonce = () => randomBytes(6).toString("hex");

/** Lines of the extra engine N's log written after `from` bytes. */
function logSince(n: number, from: number): string {
  return readFileSync(join(LOGS, `engine-${n}.log`), "utf8").slice(from);
}
const logSize = (n: number) => statSync(join(LOGS, `engine-${n}.log`)).size;

/** The fixture's RUN steps an engine's log says it started (one per platform it built). */
const fixtureRuns = (log: string) =>
  log.split("\n").filter((l) => l.includes("starting container") && l.includes("/engine-net"))
    .length;

/** Processes of our fixture's build whose environment holds this nonce. */
const buildProcesses = (mark: string): number[] =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "latin1").includes(`NONCE=${mark}`);
      } catch {
        return false;
      }
    })
    .map(Number);

/** Is `pid` a descendant of `ancestor`? */
const descends = (pid: number, ancestor: number): boolean => {
  for (let p = pid; p > 1;) {
    if (p === ancestor) return true;
    try {
      p = Number(readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
    } catch {
      return false;
    }
  }
  return false;
};

beforeAll(() => {
  // What these tests assume of the bed: two extra engines, and the main one, all answering.
  expect(MAIN).toMatch(/^unix:\/\//);
  expect(E2).toMatch(/^tcp:\/\//);
  expect(E3).toMatch(/^tcp:\/\//);
});

describe("five platforms over three engines", () => {
  const repo = `${REGISTRY}/${uniqueRepo("engines-split")}`;
  const engineOf: Record<string, string> = {
    "linux/amd64": MAIN,
    "linux/arm64": E2,
    "linux/arm/v7": E2,
    "linux/s390x": E3,
    "linux/ppc64le": E3,
  };
  let report: Report;
  let logs: { 2: string; 3: string };
  let stderr: string;

  beforeAll(async () => {
    const from = { 2: logSize(2), 3: logSize(3) };
    const run = await runCli([
      "publish",
      "--source",
      FIXTURE,
      "--address",
      `${repo}:v1`,
      "--tag",
      "v1.0",
      "--platforms",
      FIVE.join(","),
      "--build-arg",
      `NONCE=${nonce()}`,
      "--engine",
      `linux/arm64,linux/arm/v7=${E2}`,
      "--engine",
      `linux/s390x,linux/ppc64le=${E3}`,
      "--json",
    ]);
    stderr = run.stderr;
    expect(run.code, run.stderr).toBe(0);
    report = JSON.parse(run.stdout) as Report;
    logs = { 2: logSince(2, from[2]), 3: logSince(3, from[3]) };
  });

  test("one index of five platforms under both tags, as the report says", () => {
    const raw = inspectRaw(`${repo}:v1`);
    expect(raw.digest).toBe(report.digest);
    expect(indexPlatforms(raw).sort()).toEqual([...FIVE].sort());
    expect(inspectRaw(`${repo}:v1.0`).digest).toBe(report.digest);
    expect(stderr).toMatch(/verified in/);
  });

  test("--json names the engine of every platform", () => {
    const named = Object.fromEntries(report.platforms.map((p) => [p.platform, p.engine]));
    expect(named).toEqual(engineOf);
  });

  test("each image says it was built where the report says: one container network per engine", () => {
    const seen = Object.fromEntries(
      FIVE.map((platform) => {
        const [machine, net] = readImageFiles(`${repo}@${report.digest}`, platform, [
          "machine",
          "engine-net",
        ]);
        expect(machine?.trim()).toBe(MACHINE[platform]);
        return [platform, net?.trim() ?? ""];
      }),
    );
    // Same engine, same network; different engines, different networks.
    const byEngine = new Map<string, Set<string>>();
    for (const platform of FIVE) {
      const engine = engineOf[platform] ?? "";
      byEngine.set(engine, (byEngine.get(engine) ?? new Set()).add(seen[platform] ?? ""));
    }
    expect([...byEngine.values()].map((nets) => nets.size)).toEqual([1, 1, 1]);
    expect(new Set(Object.values(seen)).size).toBe(3);
  });

  test("each extra engine's own log shows it ran the build of its two platforms, no more", () => {
    expect(fixtureRuns(logs[2])).toBe(2);
    expect(fixtureRuns(logs[3])).toBe(2);
  });
});

describe("an engine that is down", () => {
  test("--fallback emulate: a dead engine's platforms are built on the default engine, said loudly", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("engines-fallback")}`;
    // Nothing listens on this port of engine-2's address: an engine that is down.
    const dead = E2.replace(/:\d+$/, ":1299");
    const run = await runCli([
      "publish",
      "--source",
      FIXTURE,
      "--address",
      `${repo}:v1`,
      "--platforms",
      "linux/amd64,linux/arm64,linux/s390x",
      "--build-arg",
      `NONCE=${nonce()}`,
      "--engine",
      `linux/arm64=${dead}`,
      "--engine",
      `linux/s390x=${E3}`,
      "--fallback",
      "emulate",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`FALLBACK: engine ${dead} failed`);
    const report = JSON.parse(run.stdout) as Report;
    const arm64 = report.platforms.find((p) => p.platform === "linux/arm64");
    expect(arm64).toMatchObject({ engine: MAIN, fallbackFrom: dead, mode: "emulated" });
    expect(report.platforms.find((p) => p.platform === "linux/s390x")?.engine).toBe(E3);
    expect(indexPlatforms(inspectRaw(`${repo}:v1`)).sort()).toEqual(
      ["linux/amd64", "linux/arm64", "linux/s390x"].sort(),
    );
    // Built on the default engine: the same container network as linux/amd64.
    const [arm, amd] = ["linux/arm64", "linux/amd64"].map(
      (p) => readImageFiles(`${repo}@${report.digest}`, p, ["engine-net"])[0],
    );
    expect(arm).toBe(amd);
  });

  test("without --fallback, an engine that is down is ENGINE_FAILED before anything is pushed", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("engines-down")}`;
    const dead = E2.replace(/:\d+$/, ":1299");
    const run = await runCli([
      "publish",
      "--source",
      FIXTURE,
      "--address",
      `${repo}:v1`,
      "--platforms",
      "linux/amd64,linux/arm64",
      "--engine",
      `linux/arm64=${dead}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`ENGINE_FAILED: The engine ${dead} failed (it does not answer`);
    expect(run.stderr).toContain("linux/arm64");
    expect(run.stderr).not.toMatch(/building|pushing/);
    expect(exists(`${repo}:v1`)).toBe(false);
  });
});

describe("an engine killed mid-build", () => {
  afterAll(async () => {
    // Bring the killed engine back for everyone else: the bed's `up` starts what is down
    // (asynchronously: a worker blocked for the minute it takes loses vitest's connection).
    const up = await run("bash", [TESTBED, "up"], { cwd: REPO_ROOT, env: process.env });
    expect(up.status, up.stderr).toBe(0);
  });

  test("killed mid-build: ENGINE_FAILED names it and its platform, and no tag is written", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("engines-kill")}`;
    const mark = nonce();
    const tini = Number(readFileSync(join(RUN_PID, "engine-3.pid"), "utf8"));
    let killed: number[] = [];
    const run = await runCli(
      [
        "publish",
        "--source",
        FIXTURE,
        "--address",
        `${repo}:v1`,
        "--platforms",
        "linux/amd64,linux/arm64,linux/s390x",
        "--build-arg",
        `NONCE=${mark}`,
        "--build-arg",
        "SLEEP_ON=s390x",
        "--engine",
        `linux/arm64=${E2}`,
        "--engine",
        `linux/s390x=${E3}`,
      ],
      {
        onSpawn: () => {
          // Once engine-3 runs the s390x step (it sleeps there), kill the engine.
          const poll = setInterval(() => {
            const steps = buildProcesses(mark).filter((pid) => descends(pid, tini));
            if (steps.length === 0) return;
            clearInterval(poll);
            const engine = execFileSync("pgrep", ["-P", String(tini)], { encoding: "utf8" })
              .trim()
              .split("\n")
              .map(Number);
            process.kill(engine[0] ?? tini, "SIGKILL");
            killed = steps;
          }, 500);
        },
      },
    );
    expect(killed.length, "the s390x step never started on engine-3").toBeGreaterThan(0);
    // The dead engine's containers are orphans now: end the sleeps this test started.
    for (const pid of buildProcesses(mark)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Ended by itself meanwhile.
      }
    }

    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`ENGINE_FAILED: The engine ${E3.replace(/\./g, "\\.")} failed .*linux/s390x`),
    );
    expect(run.stderr).toMatch(/Nothing was tagged/);
    expect(exists(`${repo}:v1`)).toBe(false);
    const tags = JSON.parse(
      execFileSync(
        "curl",
        ["-s", `http://${REGISTRY}/v2/${repo.slice(REGISTRY.length + 1)}/tags/list`],
        {
          encoding: "utf8",
        },
      ),
    ) as { tags?: string[] | null };
    expect((tags.tags ?? []).filter((t) => !t.startsWith("multiarch-staging"))).toEqual([]);
  });
});
