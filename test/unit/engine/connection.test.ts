// Which engine we talk to, decided from the environment and what the machine has; and what a
// caller sees when that engine does not answer. No engine, no network.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ErrorCode, MultiarchError } from "../../../src/common/errors.js";
import {
  chooseEngine,
  DEFAULT_ENGINE_SOCKET,
  findOnPath,
  LogTail,
  probeEndpoint,
  runnerEndpoint,
  withEngine,
  type EngineProbes,
} from "../../../src/engine/connection.js";

const CLI = "/opt/tools/dagger";

/** A machine with (or without) an engine socket at Dagger's default place and a dagger on PATH. */
function machine(socket: boolean, cli: string | undefined): EngineProbes {
  return {
    exists: (path) => socket && path === DEFAULT_ENGINE_SOCKET,
    which: (name) => (name === "dagger" ? cli : undefined),
  };
}

describe("chooseEngine", () => {
  test.each([
    {
      name: "inside dagger run",
      env: { DAGGER_SESSION_PORT: "1234", _EXPERIMENTAL_DAGGER_RUNNER_HOST: "tcp://x" },
      probes: machine(true, CLI),
      kind: "session",
    },
    {
      name: "runner host configured",
      env: { _EXPERIMENTAL_DAGGER_RUNNER_HOST: "tcp://engine:1234" },
      probes: machine(true, CLI),
      kind: "configured",
    },
    {
      name: "CLI configured",
      env: { _EXPERIMENTAL_DAGGER_CLI_BIN: "/opt/dagger" },
      probes: machine(false, undefined),
      kind: "configured",
    },
    { name: "local engine and CLI", env: {}, probes: machine(true, CLI), kind: "local" },
    {
      name: "empty variables count as unset",
      env: { DAGGER_SESSION_PORT: "", _EXPERIMENTAL_DAGGER_RUNNER_HOST: "" },
      probes: machine(true, CLI),
      kind: "local",
    },
    { name: "socket only", env: {}, probes: machine(true, undefined), kind: "provision" },
    { name: "CLI only", env: {}, probes: machine(false, CLI), kind: "provision" },
    { name: "nothing", env: {}, probes: machine(false, undefined), kind: "provision" },
  ])("$name → $kind", ({ env, probes, kind }) => {
    expect(chooseEngine(env, probes).kind).toBe(kind);
  });

  test("the local choice points the SDK at the default socket and the CLI found on PATH", () => {
    expect(chooseEngine({}, machine(true, CLI))).toMatchObject({
      kind: "local",
      env: {
        _EXPERIMENTAL_DAGGER_RUNNER_HOST: "unix:///run/dagger/engine.sock",
        _EXPERIMENTAL_DAGGER_CLI_BIN: CLI,
      },
    });
  });

  test("a socket without a CLI says why the SDK provisions", () => {
    expect(chooseEngine({}, machine(true, undefined)).reason).toContain("no dagger CLI is on PATH");
  });
});

describe("findOnPath", () => {
  const root = mkdtempSync(join(tmpdir(), "multiarch-path-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const file = (path: string, mode: number) => {
    writeFileSync(path, "#!/bin/sh\n");
    chmodSync(path, mode);
    return path;
  };

  test("the first executable file of that name, in PATH order", () => {
    const [a, b, c] = [dir("a"), dir("b"), dir("c")];
    file(join(a, "dagger"), 0o644); // not executable
    mkdirSync(join(b, "dagger")); // a directory
    const want = file(join(c, "dagger"), 0o755);
    file(join(dir("d"), "dagger"), 0o755);
    const PATH = ["", a, b, c, join(root, "d")].join(delimiter);
    expect(findOnPath("dagger", { PATH })).toBe(want);
  });

  test.each([{ PATH: join(root, "nowhere") }, { PATH: "" }, {}])("none on %j", (env) => {
    expect(findOnPath("dagger", env)).toBeUndefined();
  });
});

test.each([
  {
    host: "unix:///run/dagger/engine.sock",
    want: { kind: "unix", path: "/run/dagger/engine.sock" },
  },
  { host: "tcp://127.0.0.1:1234", want: { kind: "tcp", host: "127.0.0.1", port: 1234 } },
  { host: "tcp://[::1]:1234/", want: { kind: "tcp", host: "::1", port: 1234 } },
  { host: "docker-image://registry.dagger.io/engine:v0.21.8", want: undefined },
  { host: "tcp://no-port", want: undefined },
  { host: "unix://", want: undefined },
  { host: undefined, want: undefined },
])("runnerEndpoint($host)", ({ host, want }) => {
  expect(runnerEndpoint(host)).toEqual(want);
});

describe("probeEndpoint", () => {
  test("a listening socket answers; a missing one says why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "multiarch-sock-"));
    const path = join(dir, "engine.sock");
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(await probeEndpoint({ kind: "unix", path })).toBeUndefined();
      expect(await probeEndpoint({ kind: "unix", path: join(dir, "none.sock") })).toMatch(
        /^ENOENT/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("withEngine", () => {
  test("an engine that does not answer is ENGINE_UNAVAILABLE, and the work never runs", async () => {
    const dead = join(tmpdir(), `multiarch-no-engine-${process.pid}.sock`);
    const env = { _EXPERIMENTAL_DAGGER_RUNNER_HOST: `unix://${dead}` };
    let ran = false;
    const failure = await withEngine(
      () => {
        ran = true;
        return Promise.resolve();
      },
      { env },
    ).catch((error: unknown) => error);
    expect(ran).toBe(false);
    expect(failure).toBeInstanceOf(MultiarchError);
    const error = failure as MultiarchError;
    expect(error.code).toBe(ErrorCode.ENGINE_UNAVAILABLE);
    expect(error.message).toContain(`unix://${dead}`);
    expect(error.details.hint).toContain("_EXPERIMENTAL_DAGGER_RUNNER_HOST");
  });
});

test("LogTail keeps the end, without colour codes", async () => {
  const tail = new LogTail(10);
  await new Promise<void>((resolve) =>
    tail.write("\u001b[32m0123456789abcdef\u001b[0m", () => resolve()),
  );
  expect(tail.text).toBe("abcdef");
});
