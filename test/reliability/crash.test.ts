// Crash safety (issue 12): the CLI publishing three platforms under two tags is killed with
// SIGKILL at many points, from the engine probe to the second tag's PUT; after each, every tag
// names its old index or a new complete, verified one, and the next publish succeeds. Points
// are found by the progress lines on stderr, or by the fault proxy (no faults) holding one
// registry request until the process is dead; a held request is then dropped, as if the process
// died before sending it. At one point the engine session dies instead, mid-build.
import { execFileSync, type ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/registry/client.js";
import { verify } from "../../src/verify/verify.js";
import { startFaultProxy, type RequestMatch } from "../support/fault-proxy.js";
import { runCli, type CliRun } from "../support/run-cli.js";
import { recordSection } from "./support/results.js";
import {
  PLATFORMS,
  uniqueContext,
  uniqueRepository,
  UPSTREAM,
  watchTags,
} from "./support/workload.js";

const TAGS = ["stable", "latest"];

/**
 * Where to kill: at a progress line, or while the proxy holds a matching request. `session`:
 * kill the CLI's engine session (its `dagger session` child, the engine as the CLI sees it)
 * instead of the CLI, which lives on to report the failure.
 */
type Point =
  | { readonly name: string; readonly line: RegExp; readonly session?: true }
  | { readonly name: string; readonly request: RequestMatch };

const manifestPut =
  (reference: RegExp): RequestMatch =>
  (method, path) =>
    method === "PUT" && /\/manifests\//.test(path) && reference.test(path.split("/").pop() ?? "");

const POINTS: readonly Point[] = [
  { name: "engine probe", line: /checking how the engine runs/ },
  { name: "first build started", line: /building/ },
  { name: "engine session, first build started", line: /building/, session: true },
  { name: "first platform built", line: /built in/ },
  { name: "push started", line: /^pushing / },
  {
    name: "engine uploading a blob",
    request: (method, path) =>
      (method === "PUT" || method === "PATCH") && /\/blobs\/uploads\//.test(path),
  },
  { name: "engine putting a platform manifest", request: manifestPut(/^sha256:/) },
  { name: "engine putting the staging index", request: manifestPut(/^multiarch-staging$/) },
  { name: "push done", line: /^pushed / },
  { name: "verification started", line: /^verifying/ },
  {
    name: "verification reading a layer",
    request: (method, path) => method === "GET" && /\/blobs\/sha256:/.test(path),
  },
  { name: "verified", line: /^verified in/ },
  { name: "first tag's PUT", request: manifestPut(/^stable$/) },
  { name: "second tag's PUT (first tag moved)", request: manifestPut(/^latest$/) },
];

describe("SIGKILL of a publishing CLI", () => {
  it(`at ${POINTS.length} points: zero tags broken, the next publish succeeds`, async () => {
    const proxy = await startFaultProxy({
      upstream: UPSTREAM,
      faults: {},
      lifetimeMs: 20 * 60_000,
    });
    const repository = uniqueRepository("crash");
    const address = `${proxy.address}/${repository}`;
    const upstream = new RegistryClient({ registry: UPSTREAM, retries: 0 });
    const watch = watchTags(repository, TAGS);

    /** Publish with the CLI; at `point`, SIGKILL it. */
    async function publishCli(point: Point | undefined): Promise<CliRun & { killed: boolean }> {
      const context = uniqueContext(`crash ${point?.name ?? "clean"}`);
      let killed = false;
      let child: ChildProcess | undefined;
      const kill = () => {
        if (killed || child?.pid === undefined) return;
        killed = true;
        if (point !== undefined && "session" in point) {
          const sessions = execFileSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" });
          for (const pid of sessions.split("\n").filter(Boolean))
            process.kill(Number(pid), "SIGKILL");
        } else {
          child.kill("SIGKILL");
        }
      };
      if (point !== undefined && "request" in point) {
        // The held request is dropped once the process is dead.
        proxy.holdNext(point.request, async () => {
          kill();
          await new Promise((resolve) => setTimeout(resolve, 1000));
        });
      }
      try {
        const run = await runCli(
          [
            "publish",
            "--source",
            context.dir,
            "--address",
            address,
            "--platforms",
            PLATFORMS.join(","),
            ...TAGS.flatMap((t) => ["--tag", t]),
          ],
          {
            onSpawn: (spawned) => (child = spawned),
            onStderr: (stderr) => {
              if (point === undefined || !("line" in point)) return;
              if (stderr.split("\n").some((line) => point.line.test(line))) kill();
            },
          },
        );
        return { ...run, killed };
      } finally {
        proxy.disarm();
        context.dispose();
      }
    }

    const tagsNow = async () =>
      Promise.all(TAGS.map(async (tag) => upstream.headManifest(repository, tag)));

    const rows: string[] = [];
    let crashes = 0;
    let broken = 0;
    let nextFailed = 0;
    try {
      const first = await publishCli(undefined);
      expect(first.code, first.stderr).toBe(0);
      for (const point of POINTS) {
        const before = await tagsNow();
        const run = await publishCli(point);
        if (run.killed) crashes += 1;
        const after = await tagsNow();
        const states: string[] = [];
        for (const [i, digest] of after.entries()) {
          if (digest === undefined) {
            broken += 1;
            states.push("missing");
          } else if (digest === before[i]) {
            states.push("old");
          } else {
            const report = await verify(`${UPSTREAM}/${repository}@${digest}`, {
              platforms: PLATFORMS,
              retries: 0,
              throwOnProblem: false,
            });
            if (!report.ok) broken += 1;
            states.push(report.ok ? "new, verified" : "new, BROKEN");
          }
        }
        const next = await publishCli(undefined);
        if (next.code !== 0) nextFailed += 1;
        const final = await tagsNow();
        const reported = /^multiarch: [A-Z_]+/m.exec(run.stderr)?.[0] ?? "";
        rows.push(
          `${point.name}: ${run.killed ? "killed" : `not reached (exit ${run.code})`}` +
            `${reported === "" ? "" : ` (the CLI said ${reported})`}; ` +
            `tags ${TAGS.map((t, i) => `${t} ${states[i] ?? "?"}`).join(", ")}; ` +
            `next publish ${
              next.code === 0
                ? "ok"
                : `exit ${next.code}: ${next.stderr
                    .split("\n")
                    .filter((l) => l.startsWith("multiarch:") || l.includes("stderr:"))
                    .join(" ")
                    .slice(0, 300)}`
            }` +
            (next.code === 0 && new Set(final).size === 1 ? ", both tags one digest" : ""),
        );
      }
    } finally {
      await watch.stop();
      await proxy.close();
    }
    await recordSection("crash", {
      title: "Crash safety: SIGKILL of the publishing CLI",
      setup:
        `The CLI publishing ${PLATFORMS.join(", ")} under ${TAGS.join(", ")} killed at each point ` +
        "below, then published again unkilled; tags watched on the registry all along",
      figures: {
        "crash points": POINTS.length,
        "processes killed": crashes,
        "tags broken after a kill": broken,
        "indexes seen under a user tag (watch), not verifying": watch.broken.length,
        "next publishes failed": nextFailed,
      },
      notes: rows,
    });
    expect(rows.join("\n")).not.toContain("BROKEN");
    expect(broken).toBe(0);
    expect(watch.broken).toEqual([]);
    expect(nextFailed).toBe(0);
    expect(crashes, rows.join("\n")).toBe(POINTS.length);
  });
});
