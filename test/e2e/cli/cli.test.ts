// The real `multiarch` CLI as a child process, against the test bed: bad input is refused fast
// without an engine; publish pushes one index that skopeo (the independent witness) reads back
// byte for byte; inspect lists the same platforms; a wrong password fails cleanly, unprinted.
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RegistryClient } from "../../../src/registry/client.js";
import { imageIndexSchema, imageManifestSchema } from "../../../src/registry/image-index.js";
import { authRegistry } from "../support/testbed.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "bin", "multiarch.js");
const FIXTURE = join(ROOT, "test", "fixtures", "cli-hello");
const PLAIN = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const REPO = `multiarch-test/cli-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const PLATFORMS = ["linux/amd64", "linux/arm64"];

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock seconds from spawn to exit. */
  readonly seconds: number;
}

/** `node bin/multiarch.js ...args`, with extra environment variables. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: (performance.now() - start) / 1000 }),
    );
  });
}

function skopeoRaw(ref: string, ...extra: string[]): Buffer {
  return execFileSync(
    "skopeo",
    ["inspect", "--raw", "--tls-verify=false", ...extra, `docker://${ref}`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** The content of `name` in a gzipped tar layer, or undefined. */
function fileInLayer(gzipped: Buffer, name: string): string | undefined {
  const tar = gunzipSync(gzipped);
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    const entry = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    if (entry === "") return undefined;
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, ""), 8);
    if (entry.replace(/^\.?\//, "") === name) {
      return tar.subarray(at + 512, at + 512 + size).toString("utf8");
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-cli-"));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("bad input", () => {
  /** A stand-in dagger CLI that leaves a mark: any engine session attempt shows. */
  function fakeDagger(): { env: Record<string, string>; marker: string } {
    const marker = join(work, `dagger-ran-${randomBytes(4).toString("hex")}`);
    const script = join(work, `fake-dagger-${randomBytes(4).toString("hex")}`);
    writeFileSync(
      script,
      `#!/bin/sh\ntouch '${marker}'\necho 'fake dagger: no engine' >&2\nexit 1\n`,
    );
    chmodSync(script, 0o755);
    return { env: { _EXPERIMENTAL_DAGGER_CLI_BIN: script }, marker };
  }

  const address = `${PLAIN}/${REPO}`;
  test.each([
    { name: "unknown flag", args: ["--address", address, "--frob"], line: "unknown option --frob" },
    {
      name: "bad platform",
      args: ["--address", address, "--platform", "foo"],
      line: 'Invalid platform "foo"',
    },
    { name: "missing destination", args: [], line: "missing -t REGISTRY/REPO[:TAG]" },
    {
      name: "malformed --build-arg",
      args: ["--address", address, "--build-arg", "1X"],
      line: "Malformed build arg",
    },
    {
      name: "--username without --password-env",
      args: ["--address", address, "--username", "bob"],
      line: "--username needs --password-env",
    },
    {
      name: "--password-env naming an unset variable",
      args: ["--address", address, "--username", "bob", "--password-env", "MULTIARCH_UNSET_X"],
      line: "MULTIARCH_UNSET_X is not set",
    },
  ])("$name: exit 2 fast, one line, no engine", async ({ args, line }) => {
    const { env, marker } = fakeDagger();
    const run = await cli(["publish", "--source", FIXTURE, ...args], env);
    expect(run.code).toBe(2);
    expect(run.seconds).toBeLessThan(3);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^multiarch: error: /);
    expect(lines[0]).toContain(line);
    expect(lines.filter((l) => l.includes("error"))).toHaveLength(1);
    expect(lines.slice(1).every((l) => l.startsWith("usage: "))).toBe(true);
    expect(existsSync(marker)).toBe(false);
    console.info(`${line}: exit 2 in ${run.seconds.toFixed(2)} s`);
  });

  test("the same stand-in shows when an engine IS started (so its absence above means something)", async () => {
    const { env, marker } = fakeDagger();
    const run = await cli(
      ["publish", "--source", FIXTURE, "--address", `${PLAIN}/${REPO}-never`],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("multiarch: ENGINE_UNAVAILABLE: ");
    expect(run.stderr).toContain("fake dagger: no engine");
    expect(existsSync(marker)).toBe(true);
  });
});

describe("publish, inspect", () => {
  let published: {
    digest: string;
    refs: string[];
    mediaType: string;
    platforms: {
      platform: string;
      digest: string;
      size: number;
      seconds: number;
      emulated: boolean;
    }[];
    emulation: { native: string; platforms: { platform: string; mode: string }[] };
  };

  test("publish --json pushes one index, under every tag, that skopeo reads back", async () => {
    const run = await cli([
      "publish",
      "--source",
      FIXTURE,
      "--address",
      `${PLAIN}/${REPO}`,
      "--platforms",
      PLATFORMS.join(","),
      "--tag",
      "run1",
      "--tag",
      "latest",
      "--label",
      "org.example.cli=yes",
      "--json",
    ]);
    expect(run.stderr).not.toMatch(/multiarch: \w+:/);
    expect(run.code).toBe(0);
    console.info(`publish took ${run.seconds.toFixed(1)} s\n${run.stderr}`);
    // stdout is the JSON result and nothing else.
    published = JSON.parse(run.stdout) as typeof published;
    expect(Object.keys(published)).toEqual([
      "digest",
      "refs",
      "mediaType",
      "platforms",
      "emulation",
    ]);
    expect(published.refs).toEqual([
      `${PLAIN}/${REPO}:run1@${published.digest}`,
      `${PLAIN}/${REPO}:latest@${published.digest}`,
    ]);
    expect(published.platforms.map((p) => p.platform)).toEqual(PLATFORMS);
    for (const p of published.platforms) {
      expect(p.emulated).toBe(p.platform !== published.emulation.native);
      expect(p.size).toBeGreaterThan(0);
    }
    // Progress went to stderr, per platform.
    for (const p of PLATFORMS) expect(run.stderr).toMatch(new RegExp(`${p} +built in \\d`));

    // The witness: every tag serves bytes whose sha256 is the reported digest.
    for (const tag of ["run1", "latest"]) {
      const raw = skopeoRaw(`${PLAIN}/${REPO}:${tag}`);
      expect(sha256(raw)).toBe(published.digest);
      const index = imageIndexSchema.parse(JSON.parse(raw.toString()));
      expect(index.mediaType ?? published.mediaType).toBe(published.mediaType);
      expect(index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual(
        PLATFORMS,
      );
      expect(index.manifests.map((m) => m.digest)).toEqual(
        published.platforms.map((p) => p.digest),
      );
    }
  });

  test("each platform's image ran as that platform (uname -m in /machine)", async () => {
    const registry = new RegistryClient({ registry: PLAIN });
    const want: Record<string, string> = { "linux/amd64": "x86_64", "linux/arm64": "aarch64" };
    for (const p of published.platforms) {
      const manifest = await registry.getManifest(REPO, p.digest);
      const layers = imageManifestSchema.parse(manifest?.json).layers;
      const last = layers.at(-1);
      expect(last).toBeDefined();
      const blob = await registry.getBlob(REPO, last?.digest ?? "");
      expect(fileInLayer(blob, "machine")?.trim()).toBe(want[p.platform]);
    }
  });

  test("inspect --json lists the same platforms and digests", async () => {
    const run = await cli(["inspect", `${PLAIN}/${REPO}:run1`, "--json"]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      kind: string;
      digest: string;
      platforms: { platform: string; digest: string; size: number }[];
    };
    expect(summary.kind).toBe("index");
    expect(summary.digest).toBe(published.digest);
    expect(summary.platforms.map((e) => [e.platform, e.digest, e.size])).toEqual(
      published.platforms.map((p) => [p.platform, p.digest, p.size]),
    );
  });

  test("inspect (table) lists each platform with its digest", async () => {
    const run = await cli(["inspect", `${PLAIN}/${REPO}@${published.digest}`]);
    expect(run.code).toBe(0);
    for (const p of published.platforms) {
      expect(run.stdout).toMatch(new RegExp(`^${p.platform} +${p.digest} +\\d`, "m"));
    }
  });

  test("inspect of a tag that does not exist: exit 1, clear message", async () => {
    const run = await cli(["inspect", `${PLAIN}/${REPO}:no-such-tag`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `multiarch: error: ${PLAIN}/${REPO}:no-such-tag not found: the registry has no such tag (or no such repository)\n`,
    );
  });

  test("--export writes an OCI layout tarball holding every platform", async () => {
    const file = join(work, "image.tar");
    const run = await cli([
      "publish",
      "--source",
      FIXTURE,
      "--export",
      file,
      "--platforms",
      PLATFORMS.join(","),
      "--json",
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { path: string; size: number; platforms: unknown[] };
    expect(result.path).toBe(file);
    expect(result.size).toBe(readFileSync(file).length);
    expect(result.platforms).toHaveLength(2);
    const listing = execFileSync("tar", ["-tf", file], { encoding: "utf8" });
    expect(listing).toContain("index.json");
    expect(listing).toContain("oci-layout");
  });
});

describe("credentials", () => {
  test("a wrong password: exit 1, AUTH_FAILED, the password printed nowhere", async () => {
    const { address, username } = authRegistry();
    const password = `wrong-${randomBytes(9).toString("hex")}`;
    const env = { MULTIARCH_TEST_PASSWORD: password };
    const publish = await cli(
      [
        ...["publish", "--source", FIXTURE, "--address", `${address}/${REPO}`],
        ...["--username", username, "--password-env", "MULTIARCH_TEST_PASSWORD"],
      ],
      env,
    );
    expect(publish.code).toBe(1);
    expect(publish.stderr).toMatch(/^multiarch: AUTH_FAILED: /m);
    const inspect = await cli(
      [
        ...["inspect", `${address}/${REPO}:latest`],
        ...["--username", username, "--password-env", "MULTIARCH_TEST_PASSWORD"],
      ],
      env,
    );
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toMatch(/^multiarch: AUTH_FAILED: /m);
    const basic = Buffer.from(`${username}:${password}`).toString("base64");
    for (const run of [publish, inspect]) {
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(basic);
      }
    }
  });

  test("the right password pushes, and inspect reads it back", async () => {
    const { address, username, password } = authRegistry();
    const env = { MULTIARCH_TEST_PASSWORD: password };
    const login = ["--username", username, "--password-env", "MULTIARCH_TEST_PASSWORD"];
    const publish = await cli(
      ["publish", "--source", FIXTURE, "--address", `${address}/${REPO}:auth`, ...login, "--json"],
      env,
    );
    expect(publish.code).toBe(0);
    const { digest } = JSON.parse(publish.stdout) as { digest: string };
    const inspect = await cli(["inspect", `${address}/${REPO}:auth`, ...login, "--json"], env);
    expect(inspect.code).toBe(0);
    expect((JSON.parse(inspect.stdout) as { digest: string }).digest).toBe(digest);
    for (const text of [publish.stdout, publish.stderr, inspect.stdout, inspect.stderr]) {
      expect(text).not.toContain(password);
    }
  });
});
