// The scale-out commands' command lines (build --push-by-digest, merge, plan): what each gives
// the command, and every contradiction refused with one line, before any engine or registry.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseCli } from "../../../src/cli/args.js";
import { helpText } from "../../../src/cli/help.js";
import { UsageError } from "../../../src/cli/usage.js";

const FIXTURE = fileURLToPath(new URL("../../fixtures/cli-hello", import.meta.url));
const context = { env: { PW: "pw" }, cwd: "/work/here" };
const ADDRESS = "127.0.0.1:5000/team/app";
const DIGEST = `sha256:${"a".repeat(64)}`;

function refused(argv: string[]): string {
  try {
    parseCli(argv, context);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("merge", () => {
  test("sources, tags and annotations by level", () => {
    const command = parseCli(
      [
        "merge",
        "--address",
        `${ADDRESS}:1.0`,
        "--tag",
        "latest",
        "--annotation",
        "org.opencontainers.image.title=a",
        "--annotation",
        "index:org.opencontainers.image.version=1.0",
        "--annotation",
        "manifest-descriptor[linux/arm64]:com.example.job=7",
        `${ADDRESS}@${DIGEST}`,
        DIGEST,
      ],
      context,
    );
    expect(command).toMatchObject({
      kind: "merge",
      repository: ADDRESS,
      tags: ["1.0", "latest"],
      sources: [`${ADDRESS}@${DIGEST}`, DIGEST],
      // No level: the index, as with imagetools create.
      annotations: [
        { level: "index", key: "org.opencontainers.image.title", value: "a" },
        { level: "index", key: "org.opencontainers.image.version", value: "1.0" },
        {
          level: "manifest-descriptor",
          platforms: ["linux/arm64"],
          key: "com.example.job",
          value: "7",
        },
      ],
      verify: true,
      scan: true,
    });
  });

  test("no tag given: latest", () => {
    expect(parseCli(["merge", "--address", ADDRESS, DIGEST], context)).toMatchObject({
      tags: ["latest"],
    });
  });

  test.each([
    [["merge", DIGEST], /missing --address/],
    [["merge", "--address", ADDRESS], /missing SOURCE/],
    [["merge", "--address", `${ADDRESS}@${DIGEST}`, DIGEST], /has a digest/],
    [
      ["merge", "--address", ADDRESS, "--annotation", "manifest:a=b", DIGEST],
      /writes only the index/,
    ],
    [["merge", "--address", ADDRESS, "--annotation", "novalue", DIGEST], /annotation/],
    [["merge", "--address", ADDRESS, "--username", "u", DIGEST], /--password-env/],
  ])("%j is refused", (argv, message) => {
    expect(refused(argv)).toMatch(message);
  });
});

describe("build --push-by-digest", () => {
  const base = ["build", "--source", FIXTURE, "--address", ADDRESS];

  test("one platform, pushed by digest: publish's options, kind build", () => {
    const command = parseCli([...base, "--platform", "arm64", "--push-by-digest"], context);
    expect(command).toMatchObject({
      kind: "build",
      platforms: ["linux/arm64"],
      destination: { kind: "push", targets: [{ repository: ADDRESS }] },
    });
  });

  test.each([
    [[...base, "--platform", "arm64"], /needs --push-by-digest/],
    [[...base, "--platforms", "amd64,arm64", "--push-by-digest"], /exactly one --platform/],
    [[...base, "--platform", "arm64", "--push-by-digest", "--tag", "1"], /--tag does not go/],
    [[...base, "--platform", "arm64", "--push-by-digest", "-t", "1"], /-t does not go/],
    [
      [...base, "--output", "type=oci,dest=/tmp/x.tar", "--platform", "arm64", "--push-by-digest"],
      /--address is for pushing/,
    ],
    [
      ["build", "--source", FIXTURE, "--platform", "arm64", "--push-by-digest"],
      /missing --address/,
    ],
    [
      [
        "build",
        "--source",
        FIXTURE,
        "--address",
        `${ADDRESS}:1`,
        "--platform",
        "arm64",
        "--push-by-digest",
      ],
      /has a tag/,
    ],
  ])("%j is refused", (argv, message) => {
    expect(refused(argv)).toMatch(message);
  });
});

describe("plan", () => {
  test("platforms canonical, matrix wanted", () => {
    expect(parseCli(["plan", "--platforms", "amd64,armhf", "--github-matrix"], context)).toEqual({
      kind: "plan",
      platforms: ["linux/amd64", "linux/arm/v7"],
      githubMatrix: true,
      dockerfile: "Dockerfile",
      engines: [],
      json: false,
    });
  });

  test("--engine: runner hosts, or publish's PLATFORMS=RUNNER_HOST; each engine once", () => {
    const argv = ["plan", "--platforms", "amd64,arm64", "--engine", "tcp://10.0.0.2:1234"];
    const more = ["--engine", "linux/arm64=tcp://10.0.0.3:1234", "--engine", "tcp://10.0.0.2:1234"];
    expect(parseCli([...argv, ...more], context)).toMatchObject({
      kind: "plan",
      engines: ["tcp://10.0.0.2:1234", "tcp://10.0.0.3:1234"],
    });
  });

  test.each([
    [["plan"], /missing --platforms/],
    [["plan", "--platforms", "vax"], /--platforms/],
    [["plan", "--platforms", "amd64", "--github-matrix", "--source", "."], /probes nothing/],
    [["plan", "--platforms", "amd64", "--github-matrix", "--engine", "tcp://h:1"], /--engine does/],
    [["plan", "--platforms", "amd64", "--engine", "http://h:1"], /--engine/],
    [["plan", "--platforms", "amd64", "--engine", "vax=tcp://h:1"], /--engine/],
  ])("%j is refused", (argv, message) => {
    expect(refused(argv)).toMatch(message);
  });
});

test("each command has its help", () => {
  expect(helpText("merge")).toContain("--annotation K=V");
  expect(helpText("build")).toContain("--push-by-digest");
  expect(helpText("plan")).toContain("--github-matrix");
  expect(helpText("main")).toContain("merge     join images");
});
