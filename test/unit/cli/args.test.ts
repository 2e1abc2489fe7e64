// The CLI's pure parts: argv → typed command (and every bad input → exit 2 with one line), and
// rendering. No engine, no network.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ErrorCode, MultiarchError } from "../../../src/common/errors.js";
import { parseCli, type Command, type PublishCommand } from "../../../src/cli/args.js";
import { UsageError } from "../../../src/cli/usage.js";
import { checkHost, type HostProbe } from "../../../src/cli/commands/publish.js";
import { helpText } from "../../../src/cli/help.js";
import type { Io } from "../../../src/cli/io.js";
import { describeFailure, run, version } from "../../../src/cli/main.js";
import {
  inspectJson,
  inspectTable,
  progressLine,
  publishJson,
  publishTable,
} from "../../../src/present/render.js";
import { humanSize, shortDigest, table } from "../../../src/common/text.js";
import type { PublishReport } from "../../../src/publish/publish.js";
import type { IndexSummary, ManifestSummary } from "../../../src/registry/image-index.js";

const FIXTURE = fileURLToPath(new URL("../../fixtures/cli-hello", import.meta.url));
const CWD = "/work/here";
const ENV = { REG_PASSWORD: "s3cr3t-pw", EMPTY: "" };
const context = { env: ENV, cwd: CWD };
const ADDRESS = "127.0.0.1:5000/team/app";

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

function publish(...args: string[]): PublishCommand {
  const command = parseCli(["publish", "--source", FIXTURE, ...args], context);
  if (command.kind !== "publish") throw new Error(`not publish: ${command.kind}`);
  return command;
}

describe("bad input: exit 2, one error line, usage, no engine", () => {
  const base = ["publish", "--source", FIXTURE, "--address", ADDRESS];
  test.each([
    { name: "no command", argv: [], line: "no command given" },
    { name: "unknown command", argv: ["frob"], line: 'unknown command "frob"' },
    { name: "unknown flag", argv: [...base, "--frob"], line: "unknown option --frob" },
    { name: "unknown flag with value", argv: [...base, "--frob=1"], line: "unknown option --frob" },
    {
      name: "bad platform",
      argv: [...base, "--platform", "foo"],
      line: '--platform: Invalid platform "foo": unknown architecture "foo".',
    },
    {
      name: "bad platform in a list",
      argv: [...base, "--platforms", "linux/amd64,windows/amd64"],
      line: "only linux platforms are supported",
    },
    {
      name: "missing --address",
      argv: ["publish", "--source", FIXTURE],
      line: "missing -t REGISTRY/REPO[:TAG] (where to push; or --address REGISTRY/REPO",
    },
    { name: "missing context", argv: ["publish", "--address", ADDRESS], line: "missing CONTEXT" },
    {
      name: "malformed --build-arg",
      argv: [...base, "--build-arg", "1X"],
      line: '--build-arg: Malformed build arg (given "1X")',
    },
    {
      name: "malformed --label",
      argv: [...base, "--label", "=v"],
      line: '--label: Malformed label (given "=v")',
    },
    {
      name: "--username without --password-env",
      argv: [...base, "--username", "bob"],
      line: "--username needs --password-env VAR",
    },
    {
      name: "--password-env without --username",
      argv: [...base, "--password-env", "REG_PASSWORD"],
      line: "--password-env needs --username",
    },
    {
      name: "--password-env names an unset variable",
      argv: [...base, "--username", "bob", "--password-env", "NOT_SET_ANYWHERE"],
      line: "the environment variable NOT_SET_ANYWHERE is not set",
    },
    {
      name: "--password-env names an empty variable",
      argv: [...base, "--username", "bob", "--password-env", "EMPTY"],
      line: "the environment variable EMPTY is empty",
    },
    {
      name: "--password-env given a password instead of a name",
      argv: [...base, "--username", "bob", "--password-env", "hunter2!"],
      line: "--password-env takes the NAME of an environment variable",
    },
    {
      name: "flag without its value",
      argv: ["publish", "--address", ADDRESS, "--source"],
      line: "--source needs a value",
    },
    { name: "value for a boolean", argv: [...base, "--json=yes"], line: "--json takes no value" },
    {
      name: "single flag twice",
      argv: [...base, "--target", "a", "--target", "b"],
      line: "--target given more than once",
    },
    {
      name: "context and --source",
      argv: [...base, "extra"],
      line: 'CONTEXT "extra" and --source both name the context',
    },
    {
      name: "two contexts",
      argv: ["publish", FIXTURE, "extra", "-t", `${ADDRESS}:1`],
      line: 'publish takes one CONTEXT; unexpected "extra"',
    },
    {
      name: "bad address",
      argv: ["publish", "--source", FIXTURE, "--address", "127.0.0.1:5000/Team"],
      line: "--address: Invalid image reference",
    },
    {
      name: "address with digest",
      argv: ["publish", "--source", FIXTURE, "--address", `${ADDRESS}@sha256:${"a".repeat(64)}`],
      line: "has a digest",
    },
    { name: "bad tag", argv: [...base, "--tag=-x"], line: '--tag "-x" is not a tag' },
    {
      name: "bad media types",
      argv: [...base, "--media-types", "oci1"],
      line: '--media-types must be oci or docker, not "oci1"',
    },
    {
      name: "bad compression",
      argv: [...base, "--compression", "lz4"],
      line: "--compression must be gzip, zstd, uncompressed or estargz",
    },
    {
      name: "bad epoch",
      argv: [...base, "--source-date-epoch", "-1"],
      line: "--source-date-epoch needs a value",
    },
    {
      name: "bad epoch text",
      argv: [...base, "--source-date-epoch", "1.5"],
      line: "--source-date-epoch takes whole seconds",
    },
    {
      name: "--retries not a number",
      argv: [...base, "--retries", "many"],
      line: '--retries takes a whole number from 0 to 10, not "many"',
    },
    {
      name: "--retries above the cap",
      argv: [...base, "--retries", "11"],
      line: "--retries takes a whole number from 0 to 10",
    },
    {
      name: "--retries with --export",
      argv: ["publish", "--source", FIXTURE, "--export", "out.tar", "--retries", "2"],
      line: "--retries is for pushing",
    },
    {
      name: "verify --retries negative",
      argv: ["verify", ADDRESS, "--retries", "-1"],
      line: "--retries",
    },
    {
      name: "dockerfile outside the source",
      argv: [...base, "--dockerfile", "../Dockerfile"],
      line: "must be a path inside the context, relative to it (-f takes any path)",
    },
    {
      name: "--export with --address",
      argv: [...base, "--export", "out.tar"],
      line: "--address is for pushing, but --export writes a file",
    },
    {
      name: "--export with --tag",
      argv: ["publish", "--source", FIXTURE, "--export", "out.tar", "--tag", "v1"],
      line: "--tag is for pushing",
    },
    {
      name: "source that does not exist",
      argv: ["publish", "--source", "/nonexistent/ctx", "--address", ADDRESS],
      line: "context /nonexistent/ctx: no such directory",
    },
    {
      name: "source without the Dockerfile",
      argv: [...base, "--dockerfile", "Nope.Dockerfile"],
      line: "no Dockerfile at",
    },
    {
      name: "export into a missing directory",
      argv: ["publish", "--source", FIXTURE, "--export", "/nonexistent/out.tar"],
      line: "the directory /nonexistent does not exist",
    },
    { name: "inspect without REF", argv: ["inspect"], line: "missing REF" },
    { name: "inspect with two REFs", argv: ["inspect", "a", "b"], line: 'unexpected "b"' },
    {
      name: "inspect bad REF",
      argv: ["inspect", "http://x/y"],
      line: "REF: Invalid image reference",
    },
    {
      name: "inspect --username alone",
      argv: ["inspect", ADDRESS, "--username", "bob"],
      line: "--username needs --password-env",
    },
    {
      name: "inspect unknown flag",
      argv: ["inspect", ADDRESS, "--tag", "x"],
      line: "unknown option --tag",
    },
    { name: "--version with extra", argv: ["--version", "x"], line: "unexpected argument x" },
  ])("$name", async ({ argv, line }) => {
    const io = capture();
    const code = await run(argv, io, context);
    expect(code).toBe(2);
    expect(io.stdout).toBe("");
    const lines = io.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^multiarch: error: /);
    expect(lines[0]).toContain(line);
    expect(lines[1]).toMatch(/^usage: multiarch /);
  });

  test("the password never shows, even in the error", async () => {
    const io = capture();
    const argv = ["publish", "--source", FIXTURE, "--address", ADDRESS, "--username", "bob"];
    await run([...argv, "--password-env", "REG_PASSWORD", "--frob"], io, context);
    expect(io.stderr).not.toContain(ENV.REG_PASSWORD);
  });
});

describe("good input → the typed command", () => {
  test("defaults", () => {
    const command = publish("--address", ADDRESS);
    expect(command).toEqual({
      kind: "publish",
      source: FIXTURE,
      dockerfile: join(FIXTURE, "Dockerfile"),
      platforms: ["linux/amd64", "linux/arm64"],
      duplicates: [],
      destination: { kind: "push", targets: [{ repository: ADDRESS, tags: ["latest"] }] },
      buildArgs: {},
      annotations: [],
      labels: {},
      noCache: false,
      pull: false,
      secrets: [],
      progress: "auto",
      mediaTypes: "oci",
      compression: "gzip",
      verify: true,
      scan: true,
      provenance: false,
      sbom: false,
      json: false,
      engines: [],
      fallback: "fail",
    } satisfies PublishCommand);
  });

  test("--engine PLATFORMS=RUNNER_HOST routes platforms; --fallback says what a failed engine means", () => {
    const command = publish(
      "--address",
      ADDRESS,
      "--platforms",
      "amd64,arm64,armhf,s390x",
      "--engine",
      "arm64,linux/arm/v7=tcp://10.0.0.2:1234",
      "--engine",
      "linux/s390x=kube-pod://engine-0?namespace=dagger",
      "--fallback",
      "emulate",
    );
    expect(command.engines).toEqual([
      { platforms: ["arm64", "linux/arm/v7"], runnerHost: "tcp://10.0.0.2:1234" },
      { platforms: ["linux/s390x"], runnerHost: "kube-pod://engine-0?namespace=dagger" },
    ]);
    expect(command.fallback).toBe("emulate");
  });

  test.each([
    ["linux/arm64", /--engine: An engine route is PLATFORMS=RUNNER_HOST/],
    ["linux/arm64=10.0.0.2:1234", /is not a runner host: SCHEME:\/\/ADDRESS/],
    ["linux/arm64=http://x:1", /is not a runner host/],
    ["linux/sparc=tcp://x:1", /--engine: .*sparc/],
    [
      "linux/riscv64=tcp://x:1",
      /linux\/riscv64 is routed to tcp:\/\/x:1 but is not one of the platforms/,
    ],
  ])("--engine %s is refused: %s", (value, message) => {
    expect(() => publish("--address", ADDRESS, "--engine", value)).toThrow(message);
  });

  test("a platform routed to two engines, or an engine given twice, is refused", () => {
    expect(() =>
      publish("--address", ADDRESS, "--engine", "arm64=tcp://a:1", "--engine", "arm64=tcp://b:1"),
    ).toThrow(/linux\/arm64 is routed to two engines/);
    expect(() =>
      publish("--address", ADDRESS, "--engine", "arm64=tcp://a:1", "--engine", "amd64=tcp://a:1"),
    ).toThrow(/The engine tcp:\/\/a:1 is given twice/);
    expect(() => publish("--address", ADDRESS, "--fallback", "maybe")).toThrow(
      /--fallback: --fallback is fail or emulate/,
    );
  });

  test("--provenance and --sbom as buildx spells them: bare, booleans, mode=min|max", () => {
    expect(publish("--address", ADDRESS, "--provenance", "--sbom")).toMatchObject({
      provenance: "min",
      sbom: true,
    });
    expect(publish("--address", ADDRESS, "--provenance=mode=max", "--sbom=false")).toMatchObject({
      provenance: "max",
      sbom: false,
    });
    expect(publish("--address", ADDRESS, "--provenance=false", "--sbom=1")).toMatchObject({
      provenance: false,
      sbom: true,
    });
    expect(() => publish("--address", ADDRESS, "--provenance=mode=full")).toThrow(
      '--provenance "mode=full": expected true, false, mode=min or mode=max',
    );
    expect(() => publish("--address", ADDRESS, "--sbom=yes")).toThrow(
      '--sbom "yes": expected true or false',
    );
    expect(() => publish("--export", "/tmp/x.tar", "--sbom")).toThrow(
      "--provenance and --sbom attach to a pushed image, not to --export",
    );
  });

  test("--retries N reaches the push, inspect and verify; absent, the library's default", () => {
    const push = publish("--address", ADDRESS, "--retries", "7").destination;
    expect(push.kind === "push" && push.retries).toBe(7);
    const none = publish("--address", ADDRESS).destination;
    expect(none.kind === "push" && none.retries).toBeUndefined();
    expect(parseCli(["inspect", ADDRESS, "--retries", "0"], context)).toMatchObject({ retries: 0 });
    expect(parseCli(["verify", ADDRESS, "--retries", "10"], context)).toMatchObject({
      retries: 10,
    });
  });

  test("--no-verify and --no-scan turn the post-push checks off", () => {
    expect(publish("--address", ADDRESS, "--no-scan")).toMatchObject({ verify: true, scan: false });
    expect(publish("--address", ADDRESS, "--no-verify")).toMatchObject({
      verify: false,
      scan: true,
    });
  });

  test("platforms normalised, from --platform (repeated, or a list) and --platforms", () => {
    const command = publish(
      "--address",
      ADDRESS,
      "--platform",
      "aarch64",
      "--platform",
      "AMD64,armhf",
      "--platforms",
      "linux/arm64,linux/arm/7, x86_64",
    );
    expect(command.platforms).toEqual(["linux/arm64", "linux/amd64", "linux/arm/v7"]);
    expect(command.duplicates).toEqual([
      { input: "linux/arm64", canonical: "linux/arm64" },
      { input: "linux/arm/7", canonical: "linux/arm/v7" },
      { input: "x86_64", canonical: "linux/amd64" },
    ]);
  });

  test("K=V lists parsed; values may hold '=' or be empty", () => {
    const command = publish(
      "--address",
      ADDRESS,
      "--build-arg",
      "VERSION=1.2.3",
      "--build-arg",
      "OPTS=a=b",
      "--build-arg",
      "EMPTY=",
      "--annotation",
      "org.opencontainers.image.version=1.2.3",
      "--label",
      "team=infra",
    );
    expect(command.buildArgs).toEqual({ VERSION: "1.2.3", OPTS: "a=b", EMPTY: "" });
    expect(command.annotations).toEqual([
      { level: "manifest", key: "org.opencontainers.image.version", value: "1.2.3" },
    ]);
    expect(command.labels).toEqual({ team: "infra" });
  });

  test.each([
    { address: ADDRESS, tags: [], want: ["latest"] },
    { address: ADDRESS, tags: ["v1", "latest", "v1"], want: ["v1", "latest"] },
    { address: `${ADDRESS}:1.0`, tags: [], want: ["1.0"] },
    { address: `${ADDRESS}:1.0`, tags: ["latest"], want: ["1.0", "latest"] },
    { address: "localhost:5000/app:edge", tags: ["edge"], want: ["edge"] },
  ])("tags of $address with --tag $tags", ({ address, tags, want }) => {
    const command = publish("--address", address, ...tags.flatMap((t) => ["--tag", t]));
    expect(command.destination).toMatchObject({ kind: "push", targets: [{ tags: want }] });
  });

  test("the repository is normalised (Docker Hub names)", () => {
    const command = publish("--address", "team/app");
    expect(command.destination).toMatchObject({
      targets: [{ repository: "docker.io/team/app" }],
    });
  });

  test("credentials come from the named environment variable", () => {
    const command = publish(
      "--address",
      ADDRESS,
      "--username",
      "bob",
      "--password-env",
      "REG_PASSWORD",
    );
    expect(command.destination).toEqual({
      kind: "push",
      targets: [{ repository: ADDRESS, tags: ["latest"] }],
      credentials: { username: "bob", passwordEnv: "REG_PASSWORD", password: "s3cr3t-pw" },
    });
  });

  test("every other option", () => {
    const command = parseCli(
      [
        "publish",
        "--source=ctx",
        "--export",
        "out/image.tar",
        "--dockerfile",
        "docker/./Build.Dockerfile",
        "--target",
        "runtime",
        "--media-types",
        "docker",
        "--compression",
        "zstd",
        "--source-date-epoch",
        "1700000000",
        "--json",
      ],
      context,
    );
    expect(command).toMatchObject({
      kind: "publish",
      source: "/work/here/ctx",
      destination: { kind: "export", file: "/work/here/out/image.tar" },
      dockerfile: "/work/here/ctx/docker/Build.Dockerfile",
      target: "runtime",
      mediaTypes: "docker",
      compression: "zstd",
      sourceDateEpoch: 1700000000,
      json: true,
    });
  });

  test.each<{ argv: string[]; want: Command }>([
    { argv: ["--help"], want: { kind: "help", topic: "main" } },
    { argv: ["-h"], want: { kind: "help", topic: "main" } },
    { argv: ["help"], want: { kind: "help", topic: "main" } },
    { argv: ["help", "inspect"], want: { kind: "help", topic: "inspect" } },
    { argv: ["publish", "--help"], want: { kind: "help", topic: "publish" } },
    // --help wins over anything else on the line, even bad input.
    { argv: ["publish", "--platform", "foo", "-h"], want: { kind: "help", topic: "publish" } },
    { argv: ["inspect", "--help"], want: { kind: "help", topic: "inspect" } },
    { argv: ["--version"], want: { kind: "version" } },
  ])("$argv", ({ argv, want }) => {
    expect(parseCli(argv, context)).toEqual(want);
  });

  test("inspect", () => {
    expect(
      parseCli(
        [
          "inspect",
          "127.0.0.1:5001/team/app:1.0",
          "--json",
          "--plain-http",
          "--username",
          "bob",
          "--password-env",
          "REG_PASSWORD",
        ],
        context,
      ),
    ).toEqual({
      kind: "inspect",
      registry: "127.0.0.1:5001",
      repository: "team/app",
      reference: "1.0",
      display: "127.0.0.1:5001/team/app:1.0",
      credentials: { username: "bob", passwordEnv: "REG_PASSWORD", password: "s3cr3t-pw" },
      plainHttp: true,
      json: true,
    });
    const digest = `sha256:${"b".repeat(64)}`;
    expect(parseCli(["inspect", `busybox@${digest}`], context)).toMatchObject({
      registry: "docker.io",
      repository: "library/busybox",
      reference: digest,
      display: `docker.io/library/busybox@${digest}`,
      json: false,
    });
  });

  test("--help and --version print on stdout and exit 0", async () => {
    const io = capture();
    expect(await run(["publish", "--help"], io, context)).toBe(0);
    expect(io.stdout).toBe(helpText("publish"));
    const io2 = capture();
    expect(await run(["--version"], io2, context)).toBe(0);
    expect(io2.stdout).toBe(`multiarch ${version()}\n`);
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("every publish flag is in the help", () => {
    const flags = [
      "--source",
      "--address",
      "--platform",
      "--platforms",
      "--tag",
      "--dockerfile",
      "--target",
      "--build-arg",
      "--annotation",
      "--label",
      "--username",
      "--password-env",
      "--media-types",
      "--compression",
      "--export",
      "--source-date-epoch",
      "--json",
    ];
    for (const flag of flags) expect(helpText("publish")).toContain(`${flag} `);
  });
});

describe("checkHost", () => {
  const kinds: Record<string, "dir" | "file"> = {
    "/ctx": "dir",
    "/ctx/Dockerfile": "file",
    "/ctx/sub": "dir",
    "/out": "dir",
  };
  const probe: HostProbe = { kind: (path) => kinds[path] };
  const command = (over: Partial<PublishCommand>): PublishCommand => ({
    ...publish("--address", ADDRESS),
    source: "/ctx",
    dockerfile: "/ctx/Dockerfile",
    ...over,
  });

  test("a directory holding the Dockerfile passes", () => {
    expect(() => checkHost(command({}), probe)).not.toThrow();
    const exportTo = { kind: "export", file: "/out/x.tar" } as const;
    expect(() => checkHost(command({ destination: exportTo }), probe)).not.toThrow();
  });

  test.each([
    { over: { source: "/missing" }, message: "context /missing: no such directory" },
    { over: { source: "/ctx/Dockerfile" }, message: "not a directory" },
    {
      over: { dockerfile: "/ctx/sub/Dockerfile" },
      message: "no Dockerfile at /ctx/sub/Dockerfile",
    },
    {
      over: { metadataFile: "/nowhere/m.json" },
      message: "--metadata-file /nowhere/m.json: the directory /nowhere does not exist",
    },
    {
      over: { destination: { kind: "export", file: "/nowhere/x.tar" } },
      message: "the directory /nowhere does not exist",
    },
    { over: { destination: { kind: "export", file: "/out" } }, message: "that is a directory" },
  ] as const)("$message", ({ over, message }) => {
    expect(() => checkHost(command(over), probe)).toThrow(UsageError);
    expect(() => checkHost(command(over), probe)).toThrow(message);
  });
});

describe("describeFailure: exit status and text", () => {
  test.each([
    { code: ErrorCode.INVALID_INPUT, exit: 2 },
    { code: ErrorCode.INVALID_PLATFORM, exit: 2 },
    { code: ErrorCode.BUILD_FAILED, exit: 1 },
    { code: ErrorCode.AUTH_FAILED, exit: 1 },
    { code: ErrorCode.ENGINE_UNAVAILABLE, exit: 1 },
  ])("$code → $exit", ({ code, exit }) => {
    const failure = describeFailure(new MultiarchError(code, "It broke."));
    expect(failure.code).toBe(exit);
    expect(failure.text).toBe(`multiarch: ${code}: It broke.\n`);
  });

  test("a build failure shows the stderr tail once", () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const error = new MultiarchError(ErrorCode.BUILD_FAILED, "The build failed.", { stderr });
    const { text } = describeFailure(error);
    expect(text).toContain("line 30");
    expect(text).not.toContain("line 1\n");
    expect(text.split("line 30")).toHaveLength(2);
  });

  test("anything else is exit 1 with its message", () => {
    expect(describeFailure(new Error("boom"))).toEqual({
      text: "multiarch: error: boom\n",
      code: 1,
    });
  });
});

describe("render", () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  const report: PublishReport = {
    digest: digest("a"),
    size: 700,
    refs: [`${ADDRESS}:v1@${digest("a")}`, `${ADDRESS}:latest@${digest("a")}`],
    mediaType: "application/vnd.oci.image.index.v1+json",
    platforms: [
      {
        platform: "linux/amd64",
        digest: digest("b"),
        size: 1_038_109,
        seconds: 3.04,
        emulated: false,
        mode: "native",
      },
      {
        platform: "linux/arm/v7",
        digest: digest("c"),
        size: 890,
        seconds: 12.3456,
        emulated: true,
        mode: "emulated",
      },
    ],
    emulation: {
      native: "linux/amd64",
      platforms: [
        { platform: "linux/amd64", mode: "native", machine: "x86_64" },
        { platform: "linux/arm/v7", mode: "emulated", machine: "armv7l" },
      ],
      duplicates: [],
      installed: false,
    },
  };

  test.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1_038_109, "1.0 MB"],
    [994_271, "994.3 kB"],
    [5_300_000_000, "5.3 GB"],
  ])("humanSize(%d) = %s", (bytes, want) => {
    expect(humanSize(bytes)).toBe(want);
  });

  test("shortDigest", () => {
    expect(shortDigest(digest("ab"[0] ?? "a"))).toBe("sha256:aaaaaaaaaaaa");
    expect(shortDigest("")).toBe("-"); // no digest known
  });

  test("table aligns columns", () => {
    expect(table(["A", "BB"], [["xxx", "y"]])).toBe("A    BB\nxxx  y");
  });

  test("the publish table", () => {
    expect(publishTable(report)).toBe(
      [
        "PLATFORM      MODE      DIGEST               SIZE    SECONDS",
        "linux/amd64   native    sha256:bbbbbbbbbbbb  1.0 MB  3.0",
        "linux/arm/v7  emulated  sha256:cccccccccccc  890 B   12.3",
        "",
        `index  ${digest("a")}  application/vnd.oci.image.index.v1+json`,
        `pushed ${ADDRESS}:v1@${digest("a")}`,
        `pushed ${ADDRESS}:latest@${digest("a")}`,
        "",
      ].join("\n"),
    );
  });

  test("the publish JSON has exactly the documented shape", () => {
    const json = JSON.parse(JSON.stringify(publishJson(report))) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["digest", "refs", "mediaType", "platforms", "emulation"]);
    expect(json).toEqual({
      digest: report.digest,
      refs: report.refs,
      mediaType: report.mediaType,
      platforms: [
        {
          platform: "linux/amd64",
          digest: digest("b"),
          size: 1_038_109,
          seconds: 3.04,
          emulated: false,
          mode: "native",
        },
        {
          platform: "linux/arm/v7",
          digest: digest("c"),
          size: 890,
          seconds: 12.346,
          emulated: true,
          mode: "emulated",
        },
      ],
      emulation: report.emulation,
    });
  });

  test("progress lines", () => {
    const context = {
      width: "linux/arm/v7".length,
      modeOf: (p: string) => (p === "linux/arm/v7" ? ("emulated" as const) : undefined),
    };
    expect(progressLine({ kind: "build-start", platform: "linux/arm/v7" }, context)).toBe(
      "linux/arm/v7  building (emulated)…",
    );
    expect(progressLine({ kind: "build-start", platform: "linux/amd64" }, context)).toBe(
      "linux/amd64   building…",
    );
    expect(
      progressLine({ kind: "build-done", platform: "linux/arm64", seconds: 12.34 }, context),
    ).toBe("linux/arm64   built in 12.3 s");
    expect(
      progressLine({ kind: "build-failed", platform: "linux/arm64", seconds: 2 }, context),
    ).toBe("linux/arm64   failed after 2.0 s");
    expect(
      progressLine({ kind: "probe", platforms: ["linux/amd64", "linux/arm64"] }, context),
    ).toBe("checking how the engine runs linux/amd64, linux/arm64…");
    expect(progressLine({ kind: "push-done", digest: digest("d"), seconds: 1.24 }, context)).toBe(
      "pushed sha256:dddddddddddd in 1.2 s",
    );
    expect(
      progressLine(
        {
          kind: "retry",
          operation: "GET blob",
          attempt: 2,
          attempts: 5,
          reason: "503",
          seconds: 0.4,
        },
        context,
      ),
    ).toBe("retrying GET blob in 0.4 s (attempt 2/5: 503)");
  });

  test("inspect table and JSON", () => {
    const summary: IndexSummary = {
      kind: "index",
      digest: digest("a"),
      mediaType: "application/vnd.oci.image.index.v1+json",
      annotations: {},
      entries: [
        {
          platform: "linux/arm64",
          rawPlatform: "linux/arm64",
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: digest("e"),
          manifestSize: 667,
          size: 994_271,
          annotations: {},
        },
      ],
    };
    expect(inspectTable("r/app:1", summary)).toBe(
      `r/app:1  ${digest("a")}  application/vnd.oci.image.index.v1+json\n` +
        `PLATFORM     MANIFEST DIGEST${" ".repeat(71 - 15)}  SIZE\n` +
        `linux/arm64  ${digest("e")}  994.3 kB\n`,
    );
    expect(inspectJson("r/app:1", summary)).toEqual({
      ref: "r/app:1",
      kind: "index",
      digest: digest("a"),
      mediaType: "application/vnd.oci.image.index.v1+json",
      annotations: summary.annotations,
      platforms: summary.entries,
    });
  });

  test("inspect JSON of a single-platform image: its one platform in platforms[]", () => {
    const summary: ManifestSummary = {
      kind: "manifest",
      digest: digest("b"),
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platform: "linux/arm64",
      rawPlatform: "linux/arm64/v8",
      size: 1234,
      annotations: { a: "1" },
    };
    expect(inspectJson("r/app@" + digest("b"), summary)).toEqual({
      ref: "r/app@" + digest("b"),
      kind: "manifest",
      digest: digest("b"),
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      annotations: { a: "1" },
      platforms: [
        {
          platform: "linux/arm64",
          rawPlatform: "linux/arm64/v8",
          digest: digest("b"),
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          size: 1234,
          annotations: { a: "1" },
        },
      ],
    });
  });
});
