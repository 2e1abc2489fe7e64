// A registry password never leaves the process that was given it: with the bed's generated
// password (and a distinctive wrong one), none of them appears in stdout, stderr, --json, the
// error details, the engine's log, the pushed image (index, manifests, configs, every layer
// unpacked) or an exported archive. Everything a user or a registry could read is grepped.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { REPO_ROOT, runCli } from "../../support/run-cli.js";
import { uniqueRepo } from "../support/oci.js";
import { authRegistry, testbedEnv } from "../support/testbed.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "cross");
const dir = mkdtempSync(join(tmpdir(), "multiarch-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every form of a secret that could leak: as given, URL-encoded, inside a Basic header. */
function forms(username: string, password: string): string[] {
  return [
    password,
    encodeURIComponent(password),
    Buffer.from(`${username}:${password}`).toString("base64"),
  ];
}

/** Each file of a directory tree as bytes, gzip layers unpacked. */
function contents(root: string): Buffer[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const bytes = readFileSync(join(entry.parentPath, entry.name));
      return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    });
}

function expectNowhere(secrets: readonly string[], where: string, texts: readonly Buffer[]): void {
  for (const secret of secrets) {
    const found = texts.filter((text) => text.includes(secret)).length;
    expect(found, `a form of the password in ${where}`).toBe(0);
  }
}

describe("the registry password is printed and stored nowhere", () => {
  const auth = authRegistry();
  const wrong = `wr0ng-${randomBytes(12).toString("hex")}`;
  const secrets = [...forms(auth.username, auth.password), ...forms(auth.username, wrong)];
  const repo = `${auth.address}/${uniqueRepo("secrets")}`;
  const archive = join(dir, "image.tar");
  const outputs: Buffer[] = [];
  const login = ["--username", auth.username, "--password-env", "MULTIARCH_SECRET_PASSWORD"];
  const run = (args: readonly string[], password: string) =>
    runCli(args, {
      env: { ...process.env, ...testbedEnv(), MULTIARCH_SECRET_PASSWORD: password },
    });

  test("a publish with the right password, --json, and one with a wrong one", async () => {
    const ok = await run(
      ["publish", "--source", FIXTURE, "--address", `${repo}:v1`, ...login, "--json"],
      auth.password,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await run(
      ["publish", "--source", FIXTURE, "--address", `${repo}:v2`, ...login, "--json"],
      wrong,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("AUTH_FAILED");
    const inspect = await run(["inspect", `${repo}:v1`, ...login, "--json"], auth.password);
    expect(inspect.code, inspect.stderr).toBe(0);
    for (const r of [ok, bad, inspect]) outputs.push(Buffer.from(r.stdout), Buffer.from(r.stderr));
    expectNowhere(secrets, "stdout, stderr or --json", outputs);
  });

  test("the engine's log", () => {
    const log = testbedEnv()["TESTBED_ENGINE_LOG"] ?? "";
    expectNowhere(secrets, log, [readFileSync(log)]);
  });

  test("the pushed image: index, manifests, configs and every layer", () => {
    const layout = join(dir, "pushed");
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--src-tls-verify=false",
      "--src-creds",
      `${auth.username}:${auth.password}`,
      `docker://${repo}:v1`,
      `oci:${layout}:v1`,
    ]);
    const files = contents(layout);
    expect(files.length).toBeGreaterThan(4);
    expectNowhere(secrets, "the pushed image", files);
  });

  test("an exported archive", async () => {
    const exported = await run(
      ["publish", "--source", FIXTURE, "--export", archive],
      auth.password,
    );
    expect(exported.code, exported.stderr).toBe(0);
    const unpacked = join(dir, "archive");
    execFileSync("mkdir", ["-p", unpacked]);
    execFileSync("tar", ["-xf", archive, "-C", unpacked]);
    expectNowhere(secrets, "the exported archive", contents(unpacked));
  });
});
