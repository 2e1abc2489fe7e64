// Credentials as `docker login` leaves them: the real CLI, given no --username, publishes to the
// bed's auth registry with only a Docker config.json (an `auths` entry, or a `credHelpers` entry
// naming a real docker-credential-* program on PATH that speaks the helper protocol). Explicit
// credentials still win; a missing or failing helper is AUTH_FAILED naming it and the registry.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { REPO_ROOT, runCli } from "../../support/run-cli.js";
import { inspectRaw, uniqueRepo } from "../support/oci.js";
import { authRegistry, testbedEnv } from "../support/testbed.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "cli-hello");
const PLATFORMS = "linux/amd64,linux/arm64";
const { address: LOOPBACK, username: USER, password: PASSWORD } = authRegistry();
/** The same registry on the engine's bridge: not loopback, so HTTPS unless --plain-http. */
const BRIDGE = testbedEnv()["TESTBED_AUTH_REGISTRY"] ?? "";
const REPO = uniqueRepo("cred-parser-docker-config");
const scratch = mkdtempSync(join(tmpdir(), "multiarch-docker-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A DOCKER_CONFIG directory holding `config`. */
function dockerConfig(name: string, config: object): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

/**
 * A directory holding `docker-credential-<name>`: a shell script that records the server URL it
 * is asked for (in `<dir>/asked`) and runs `body` (sh) with it in $server.
 */
function helperDir(name: string, body: string): string {
  const dir = join(scratch, `bin-${name}`);
  mkdirSync(dir, { recursive: true });
  const program = join(dir, `docker-credential-${name}`);
  writeFileSync(
    program,
    `#!/bin/sh\n[ "$1" = get ] || exit 3\nread -r server\nprintf '%s\\n' "$server" >> "${dir}/asked"\n${body}\n`,
  );
  chmodSync(program, 0o755);
  return dir;
}

/** This environment with DOCKER_CONFIG set, and `bin` first on PATH when given. */
function envWith(configDir: string, bin?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: configDir };
  if (bin !== undefined) env["PATH"] = `${bin}${delimiter}${process.env["PATH"] ?? ""}`;
  return env;
}

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(b64(`${USER}:${PASSWORD}`));
  }
}

describe("credentials from a Docker config.json", () => {
  test("an auths entry alone: publish succeeds without --username, inspect reads it", async () => {
    expect(process.env["MULTIARCH_AUTH_PASSWORD"], "no password in this environment").toBe(
      undefined,
    );
    const config = dockerConfig("auths", {
      auths: { [`https://${LOOPBACK}`]: { auth: b64(`${USER}:${PASSWORD}`) } },
    });
    const env = envWith(config);
    const ref = `${LOOPBACK}/${REPO}:auths`;
    const publish = await runCli(
      ["publish", "--source", FIXTURE, "--address", ref, "--platforms", PLATFORMS, "--json"],
      { env },
    );
    expect(publish.stderr).not.toMatch(/multiarch: \w+:/);
    expect(publish.code).toBe(0);
    expect(publish.stderr).toContain(`credentials for ${LOOPBACK}: ${join(config, "config.json")}`);
    const { digest } = JSON.parse(publish.stdout) as { digest: string };
    // The witness (skopeo, with the credentials given to it) sees that digest under the tag.
    expect(inspectRaw(ref, { username: USER, password: PASSWORD }).digest).toBe(digest);

    const inspect = await runCli(["inspect", ref, "--json"], { env });
    expect(inspect.code).toBe(0);
    expect((JSON.parse(inspect.stdout) as { digest: string }).digest).toBe(digest);
    expectNoSecret(publish.stdout, publish.stderr, inspect.stdout, inspect.stderr);
  });

  test("a credHelpers entry: the helper program is asked, and publish succeeds", async () => {
    expect(BRIDGE, "npm run testbed:env sets TESTBED_AUTH_REGISTRY").not.toBe("");
    const bin = helperDir(
      "multiarchtest",
      `printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" '${USER}' '${PASSWORD}'`,
    );
    const config = dockerConfig("helpers", {
      auths: { [BRIDGE]: {} },
      credHelpers: { [BRIDGE]: "multiarchtest" },
    });
    const env = envWith(config, bin);
    const ref = `${BRIDGE}/${REPO}:helper`;
    const publish = await runCli(
      [
        ...["publish", "--source", FIXTURE, "--address", ref, "--platforms", PLATFORMS],
        ...["--plain-http", "--json"],
      ],
      { env },
    );
    expect(publish.stderr).not.toMatch(/multiarch: \w+:/);
    expect(publish.code).toBe(0);
    expect(publish.stderr).toContain(`credentials for ${BRIDGE}: docker-credential-multiarchtest`);
    const { digest } = JSON.parse(publish.stdout) as { digest: string };
    expect(inspectRaw(ref, { username: USER, password: PASSWORD }).digest).toBe(digest);
    // Asked for this registry, by its host, as Docker asks.
    const asked = readFileSync(join(bin, "asked"), "utf8").trim().split("\n");
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([BRIDGE]));
    expectNoSecret(publish.stdout, publish.stderr);
  });

  test("explicit --username wins over the config, both ways", async () => {
    const ref = `${LOOPBACK}/${REPO}:auths`;
    const wrong = `wrong-${randomBytes(6).toString("hex")}`;
    const login = ["--username", USER, "--password-env", "MULTIARCH_TEST_PASSWORD"];
    // A config with a wrong password, the right one given: read.
    const wrongConfig = envWith(
      dockerConfig("wrong", { auths: { [LOOPBACK]: { auth: b64(`${USER}:${wrong}`) } } }),
    );
    const right = await runCli(["inspect", ref, ...login], {
      env: { ...wrongConfig, MULTIARCH_TEST_PASSWORD: PASSWORD },
    });
    expect(right.stderr).toBe("");
    expect(right.code).toBe(0);
    // A config with the right password, a wrong one given: refused.
    const rightConfig = envWith(
      dockerConfig("right", { auths: { [LOOPBACK]: { auth: b64(`${USER}:${PASSWORD}`) } } }),
    );
    const refused = await runCli(["inspect", ref, ...login], {
      env: { ...rightConfig, MULTIARCH_TEST_PASSWORD: wrong },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^multiarch: AUTH_FAILED: /m);
    expectNoSecret(right.stdout, right.stderr, refused.stdout, refused.stderr);
  });

  test("a missing or failing helper: AUTH_FAILED naming it and the registry, before any build", async () => {
    const missing = envWith(dockerConfig("missing", { credsStore: "absent-helper" }));
    const failing = helperDir("failing", "echo 'keyring locked' >&2; exit 1");
    const failingEnv = envWith(
      dockerConfig("failing", { credHelpers: { [LOOPBACK]: "failing" } }),
      failing,
    );
    for (const [env, helper, says] of [
      [missing, "docker-credential-absent-helper", "is not on PATH"],
      [failingEnv, "docker-credential-failing", "keyring locked"],
    ] as const) {
      const run = await runCli(
        ["publish", "--source", FIXTURE, "--address", `${LOOPBACK}/${REPO}:never`],
        { env },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^multiarch: AUTH_FAILED: /m);
      expect(run.stderr).toContain(helper);
      expect(run.stderr).toContain(LOOPBACK);
      expect(run.stderr).toContain(says);
      // Refused before the engine: no build ran.
      expect(run.stderr).not.toMatch(/built in/);
    }
  });

  test("a helper that holds nothing for the registry: anonymous, so the registry asks for credentials", async () => {
    const bin = helperDir("empty", "echo 'credentials not found in native keychain'; exit 1");
    const env = envWith(dockerConfig("empty", { credsStore: "empty" }), bin);
    const run = await runCli(["inspect", `${LOOPBACK}/${REPO}:auths`], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^multiarch: AUTH_FAILED: .*requires credentials/m);
    expect(readFileSync(join(bin, "asked"), "utf8").trim()).toBe(LOOPBACK);
  });
});
