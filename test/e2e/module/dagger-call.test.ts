// The module as its users run it: the dagger CLI loads it through Dagger's module runtime
// (`dagger -m . call …`), on the bed's engine, and pushes to registries that the module's own
// container reaches (TESTBED_REGISTRY, TESTBED_AUTH_REGISTRY); read back with skopeo and umoci.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { exists, indexPlatforms, inspectRaw, readImageFiles, uniqueRepo } from "../support/oci.js";
import { FIVE, MACHINE } from "../support/platforms.js";
import { run, type Run } from "../../support/run.js";
import { authRegistry, testbedEnv } from "../support/testbed.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const env = testbedEnv();
const REGISTRY = required("TESTBED_REGISTRY");
const AUTH_REGISTRY = required("TESTBED_AUTH_REGISTRY");
const FIFTEEN_MINUTES = 15 * 60 * 1000;

function required(name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`npm run testbed:env sets no ${name}`);
  return value;
}

/** `dagger ARGS` in the repository root, as a user types it; never rejects. */
function dagger(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return run("dagger", args, {
    cwd: ROOT,
    env: { ...process.env, ...env, ...extraEnv },
    timeoutMs: FIFTEEN_MINUTES,
  });
}

/** `dagger -m . call publish` of a fixture, as a user types it; `then` is what follows. */
function callPublish(
  fixture: string,
  address: string,
  platforms: readonly string[],
  then: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  return dagger(
    [
      "-m",
      ".",
      "call",
      "publish",
      "--source",
      `test/fixtures/${fixture}`,
      "--address",
      address,
      "--platforms",
      platforms.join(","),
      "--plain-http",
      ...then,
    ],
    extraEnv,
  );
}

function expectOk(run: Run): void {
  expect(run.status, `dagger failed:\n${run.stderr.slice(-4000)}`).toBe(0);
}

describe("dagger -m . (the module under Dagger's module runtime)", () => {
  it("lists the design's functions, each with its doc", async () => {
    const run = await dagger(["-m", ".", "functions"]);
    expectOk(run);
    for (const name of [
      "with-emulation",
      "build-platform",
      "publish-index",
      "publish",
      "verify",
      "inspect",
      "merge",
    ]) {
      const line = run.stdout.split("\n").find((l) => l.trim().split(/\s+/)[0] === name);
      expect(line, `${name} in:\n${run.stdout}`).toBeDefined();
      // The doc column: the function's name, then its description.
      expect(line?.trim().slice(name.length).trim().length).toBeGreaterThan(10);
    }
  });

  it("call merge: two single-platform images pushed by skopeo become one index under a tag", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("call-merge")}`;
    const sources = ["amd64", "arm64"].map((arch) => {
      const to = `${repo}:src-${arch}`;
      spawnSync("skopeo", [
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "--override-arch",
        arch,
        `docker://${REGISTRY}/library/busybox:latest`,
        `docker://${to}`,
      ]);
      return `${repo}@${inspectRaw(to).digest}`;
    });
    const merged = await dagger([
      "-m",
      ".",
      "call",
      "merge",
      "--address",
      repo,
      "--sources",
      sources.join(","),
      "--tags",
      "1.0",
      "--plain-http",
    ]);
    expectOk(merged);
    expect(indexPlatforms(inspectRaw(`${repo}:1.0`))).toEqual(["linux/amd64", "linux/arm64"]);
    expect(merged.stdout).toContain(`${repo}:1.0@`);
  });

  describe("call publish: the cross fixture for five platforms under two tags", () => {
    const repo = `${REGISTRY}/${uniqueRepo("call-cross")}`;
    let published: Run;

    it("exits 0", async () => {
      published = await callPublish("cross", repo, FIVE, ["--tags", "1.0.0,latest", "digest"]);
      expectOk(published);
    });

    it("serves one index with exactly those platforms under both tags, the digest printed", () => {
      const first = inspectRaw(`${repo}:1.0.0`);
      expect(inspectRaw(`${repo}:latest`).digest).toBe(first.digest);
      expect(published.stdout.trim()).toBe(first.digest);
      expect([...indexPlatforms(first)].sort()).toEqual([...FIVE].sort());
    });

    it.each(FIVE)("%s: the target ran as its platform, the BUILDPLATFORM stage natively", (p) => {
      const [target, build] = readImageFiles(`${repo}:1.0.0`, p, [
        "info/target-machine",
        "info/build-machine",
      ]);
      expect(target?.trim()).toBe(MACHINE[p]);
      expect(build?.trim()).toBe("x86_64");
    });
  });

  describe("call publish to the registry with basic auth, the password from --password env:VAR", () => {
    const auth = authRegistry();
    const AUTH = { username: auth.username, password: auth.password };
    const publishTo = (repo: string, password: string): Promise<Run> =>
      callPublish(
        "cross",
        `${repo}:v1`,
        ["linux/amd64", "linux/arm64"],
        ["--username", auth.username, "--password", "env:MULTIARCH_CALL_PASSWORD", "summary"],
        { MULTIARCH_CALL_PASSWORD: password },
      );
    const engineLog = env["TESTBED_ENGINE_LOG"] ?? "";

    it("publishes with the right password; the password is printed nowhere", async () => {
      const repo = `${AUTH_REGISTRY}/${uniqueRepo("call-auth")}`;
      const run = await publishTo(repo, auth.password);
      expectOk(run);
      expect(exists(`${repo}:v1`, AUTH)).toBe(true);
      expect(run.stdout).toContain("linux/arm64");
      expect(run.stdout + run.stderr).not.toContain(auth.password);
    });

    it("fails with AUTH_FAILED on a wrong password, pushes nothing, prints neither password", async () => {
      const repo = `${AUTH_REGISTRY}/${uniqueRepo("call-auth-wrong")}`;
      const wrong = `wrong-${auth.password.slice(0, 6)}-${Date.now()}`;
      const run = await publishTo(repo, wrong);
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain("AUTH_FAILED");
      expect(exists(`${repo}:v1`, AUTH)).toBe(false);
      expect(run.stdout + run.stderr).not.toContain(wrong);
      expect(run.stdout + run.stderr).not.toContain(auth.password);
      expect(existsSync(engineLog), engineLog).toBe(true);
      const log = readFileSync(engineLog, "utf8");
      expect(log).not.toContain(wrong);
      expect(log).not.toContain(auth.password);
    });
  });

  it("call publish with a platform that fails: BUILD_FAILED naming linux/s390x, nothing pushed", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("call-fails")}`;
    const run = await callPublish(
      "fails-on-s390x",
      `${repo}:v1`,
      ["linux/amd64", "linux/arm64", "linux/s390x"],
      ["digest"],
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("BUILD_FAILED");
    expect(run.stderr).toContain("linux/s390x");
    expect(exists(`${repo}:v1`)).toBe(false);
  });

  describe("call build … export: an OCI archive with every platform", () => {
    const dir = mkdtempSync(join(tmpdir(), "multiarch-call-export-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("skopeo lists every platform in the archive", async () => {
      const archive = join(dir, "out.tar");
      const platforms = ["linux/amd64", "linux/arm64", "linux/s390x"];
      const run = await dagger([
        "-m",
        ".",
        "call",
        "build",
        "--source",
        "test/fixtures/cross",
        "--platforms",
        platforms.join(","),
        "export",
        "--path",
        archive,
      ]);
      expectOk(run);
      const raw = spawnSync("skopeo", ["inspect", "--raw", `oci-archive:${archive}`], {
        encoding: "utf8",
      });
      expect(raw.status, raw.stderr).toBe(0);
      const index = JSON.parse(raw.stdout) as {
        manifests: { platform: { os: string; architecture: string } }[];
      };
      expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(
        platforms,
      );
    });
  });
});
