// docker buildx build's vocabulary on `multiarch publish`: what each buildx-style command line
// parses to, and the one line each ambiguous or contradictory one is refused with.
import { describe, expect, test } from "vitest";
import { parseCli, STDIN, type PublishCommand } from "../../../src/cli/args.js";
import { UsageError } from "../../../src/cli/usage.js";

const CWD = "/work/here";
const ENV = { FOO: "from-env", EMPTY: "" };
const REG = "127.0.0.1:5000";

function publish(...args: string[]): PublishCommand {
  const command = parseCli(["publish", ...args], { env: ENV, cwd: CWD });
  if (command.kind !== "publish") throw new Error(`not publish: ${command.kind}`);
  return command;
}

function refused(...args: string[]): string {
  try {
    publish(...args);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
}

describe("the issue's command line", () => {
  test("parses to the push, Dockerfile, build arg and index annotation it asks for", () => {
    const command = publish(
      ...["-t", `${REG}/app:1`, "-t", `${REG}/app:latest`, "-f", "build/Containerfile"],
      ...["--platform", "linux/amd64,linux/arm64", "--build-arg", "FOO"],
      ...["--annotation", "index:org.opencontainers.image.title=demo"],
      ...["--metadata-file", "m.json", "--push", "CONTEXT"],
    );
    expect(command).toMatchObject({
      source: "/work/here/CONTEXT",
      dockerfile: "/work/here/build/Containerfile",
      platforms: ["linux/amd64", "linux/arm64"],
      destination: { kind: "push", targets: [{ repository: `${REG}/app`, tags: ["1", "latest"] }] },
      buildArgs: { FOO: "from-env" },
      annotations: [{ level: "index", key: "org.opencontainers.image.title", value: "demo" }],
      metadataFile: "/work/here/m.json",
    });
  });
});

describe("context and Dockerfile", () => {
  const push = ["-t", `${REG}/app:1`];
  test.each([
    { args: ["."], source: CWD, dockerfile: `${CWD}/Dockerfile` },
    { args: ["--source", "ctx"], source: `${CWD}/ctx`, dockerfile: `${CWD}/ctx/Dockerfile` },
    {
      args: ["-f", "../x/Dockerfile", "ctx"],
      source: `${CWD}/ctx`,
      dockerfile: "/work/x/Dockerfile",
    },
    {
      args: ["--file=/abs/Containerfile", "ctx"],
      source: `${CWD}/ctx`,
      dockerfile: "/abs/Containerfile",
    },
    {
      args: ["--dockerfile", "sub/D", "ctx"],
      source: `${CWD}/ctx`,
      dockerfile: `${CWD}/ctx/sub/D`,
    },
    { args: ["-f", "-", "ctx"], source: `${CWD}/ctx`, dockerfile: STDIN },
    { args: ["-"], source: undefined, dockerfile: STDIN },
  ])("$args", ({ args, source, dockerfile }) => {
    const command = publish(...push, ...args);
    expect(command.source).toBe(source);
    expect(command.dockerfile).toBe(dockerfile);
  });

  test.each([
    { args: ["a", "b"], line: 'publish takes one CONTEXT; unexpected "b"' },
    { args: ["--source", "a", "b"], line: "both name the context" },
    { args: ["-f", "x", "--dockerfile", "y", "."], line: "-f/--file and --dockerfile both" },
    { args: ["-f", "x", "-"], line: "CONTEXT - reads the Dockerfile from stdin" },
    { args: ["--dockerfile", "../D", "."], line: "must be a path inside the context" },
    { args: [], line: "missing CONTEXT" },
  ])("refused: $args", ({ args, line }) => {
    expect(refused(...push, ...args)).toContain(line);
  });
});

describe("-t: full references, or bare tags with --address", () => {
  test("several references to one repository: one target, tags in order, no repeats", () => {
    const command = publish("-t", `${REG}/app:1`, "--tag", `${REG}/app:1`, "-t", `${REG}/app`, ".");
    expect(command.destination).toMatchObject({
      targets: [{ repository: `${REG}/app`, tags: ["1", "latest"] }],
    });
  });

  test("two repositories (two registries): one target each", () => {
    const command = publish(
      "-t",
      `${REG}/a:1`,
      "-t",
      "127.0.0.1:5001/b/c:2",
      "-t",
      `${REG}/a:3`,
      ".",
    );
    expect(command.destination).toMatchObject({
      targets: [
        { repository: `${REG}/a`, tags: ["1", "3"] },
        { repository: "127.0.0.1:5001/b/c", tags: ["2"] },
      ],
    });
  });

  test("bare tags with --address keep working", () => {
    const command = publish("--address", `${REG}/app:1.0`, "-t", "latest", ".");
    expect(command.destination).toMatchObject({
      targets: [{ repository: `${REG}/app`, tags: ["1.0", "latest"] }],
    });
  });

  test.each([
    {
      args: ["--address", `${REG}/app`, "-t", `${REG}/other:1`],
      line: `-t "${REG}/other:1" is a full reference, but --address already names the repository`,
    },
    {
      args: ["-t", `${REG}/app:1`, "-t", "latest"],
      line: `-t "latest" is a bare tag: say its repository (e.g. -t ${REG}/app:latest)`,
    },
    { args: ["-t", "app"], line: '-t "app" is a bare tag with no repository' },
    { args: ["-t", `${REG}/app@sha256:${"a".repeat(64)}`], line: "has a digest" },
    { args: ["-t", `${REG}/App:1`], line: "--tag: Invalid image reference" },
    { args: [], line: "missing -t REGISTRY/REPO[:TAG]" },
  ])("refused: $args", ({ args, line }) => {
    expect(refused(...args, ".")).toContain(line);
  });
});

describe("--push and --output", () => {
  test("--push and --output type=registry push (the default anyway)", () => {
    for (const flags of [["--push"], ["--output", "type=registry"]]) {
      expect(publish(...flags, "-t", `${REG}/app:1`, ".").destination.kind).toBe("push");
    }
  });

  test("--output type=oci,dest=FILE writes a tarball, like --export FILE", () => {
    expect(publish("--output", "type=oci,dest=out/i.tar", ".").destination).toEqual({
      kind: "export",
      file: "/work/here/out/i.tar",
    });
  });

  test.each([
    { args: ["--output", "type=docker"], line: 'Output type "docker" is not one multiarch writes' },
    { args: ["--output", "type=oci"], line: "type=oci needs dest=FILE" },
    { args: ["--output", "type=oci,dest=x,compression=zstd"], line: 'attribute "compression"' },
    { args: ["--output", "dest"], line: "Malformed output" },
    {
      args: ["--output", "type=oci,dest=x", "--push"],
      line: "--push is for pushing, but --output",
    },
    {
      args: ["--output", "type=oci,dest=x", "--metadata-file", "m.json"],
      line: "--metadata-file is for pushing",
    },
    { args: ["--output", "type=oci,dest=x", "--export", "y"], line: "both name the tarball" },
  ])("refused: $args", ({ args, line }) => {
    expect(refused(...args, ".")).toContain(line);
  });
});

describe("--build-arg KEY: the value from the environment (buildx)", () => {
  test("set: passed; set empty: passed empty; unset: not passed; K=V as given", () => {
    const command = publish(
      ...["-t", `${REG}/app:1`, "--build-arg", "FOO", "--build-arg", "EMPTY"],
      ...["--build-arg", "UNSET_HERE", "--build-arg", "BAR=x=y", "."],
    );
    expect(command.buildArgs).toEqual({ FOO: "from-env", EMPTY: "", BAR: "x=y" });
  });

  test("a bare name that cannot be an argument is refused", () => {
    expect(refused("-t", `${REG}/app:1`, "--build-arg", "A B", ".")).toContain(
      "Malformed build arg",
    );
  });
});

describe("--annotation levels", () => {
  test("a [platform] selector must name a platform being built", () => {
    expect(
      refused(
        ...["-t", `${REG}/app:1`, "--platform", "linux/amd64,linux/arm64"],
        ...["--annotation", "manifest[linux/s390x]:k=v", "."],
      ),
    ).toContain("--annotation names linux/s390x, which is not built");
  });

  test("selectors are canonicalised", () => {
    const command = publish(
      ...["-t", `${REG}/app:1`, "--platform", "linux/amd64,linux/arm64"],
      ...["--annotation", "manifest[aarch64]:k=v", "."],
    );
    expect(command.annotations).toEqual([
      { level: "manifest", platforms: ["linux/arm64"], key: "k", value: "v" },
    ]);
  });
});

describe("--no-cache, --pull, --iidfile", () => {
  test("parsed", () => {
    expect(
      publish("-t", `${REG}/app:1`, "--no-cache", "--pull", "--iidfile", "id.txt", "."),
    ).toMatchObject({ noCache: true, pull: true, iidFile: "/work/here/id.txt" });
  });
});
