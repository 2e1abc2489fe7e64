// issue 14's "done when", run as a buildx user types it: the built CLI, a Containerfile outside
// the context, FOO from the environment only, an index-level title, a metadata file; then what
// the registry serves is read back with skopeo/umoci (clients we did not write): the title is on
// the index and on no manifest, both tags name the digest m.json reports, FOO reached the build.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { indexPlatforms, inspectRaw, readImageFiles, uniqueRepo } from "../support/oci.js";

const REG = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const PLATFORMS = ["linux/amd64", "linux/arm64"];
const MACHINE: Record<string, string> = { "linux/amd64": "x86_64", "linux/arm64": "aarch64" };
const TITLE = "org.opencontainers.image.title";

// FOO reaches the build only as a bare --build-arg FOO; the ls shows what the context held.
const CONTAINERFILE = `FROM busybox
ARG FOO
COPY . /ctx
RUN echo "$FOO" > /foo && uname -m > /machine && ls -A /ctx > /ctx-listing
`;

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-buildx-"));
  mkdirSync(join(work, "CONTEXT"));
  mkdirSync(join(work, "build"));
  writeFileSync(join(work, "build", "Containerfile"), CONTAINERFILE);
  writeFileSync(join(work, "CONTEXT", "app.txt"), "the app\n");
  writeFileSync(join(work, "CONTEXT", "secret.env"), "TOKEN=not-for-the-image\n");
  writeFileSync(join(work, "CONTEXT", ".dockerignore"), "secret.env\n");
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("multiarch publish, as docker buildx build is typed", () => {
  const repo = `${REG}/${uniqueRepo("buildx-vocab")}/app`;
  const foo = `foo-${randomBytes(6).toString("hex")}`;

  test("the issue's command line publishes one index: title on it alone, m.json names it, both tags too", async () => {
    const githubOutput = join(work, "github-output");
    writeFileSync(githubOutput, "earlier=kept\n");
    const run = await runCli(
      [
        "publish",
        ...["-t", `${repo}:1`, "-t", `${repo}:latest`, "-f", "build/Containerfile"],
        ...["--platform", PLATFORMS.join(","), "--build-arg", "FOO"],
        ...["--annotation", `index:${TITLE}=demo`, "--metadata-file", "m.json", "--push"],
        ...["--iidfile", "iid.txt", "CONTEXT"],
      ],
      { cwd: work, env: { ...process.env, FOO: foo, GITHUB_OUTPUT: githubOutput } },
    );
    console.info(run.stderr);
    expect(run.stderr).not.toMatch(/multiarch: \w+:/);
    expect(run.code).toBe(0);

    const metadata = JSON.parse(readFileSync(join(work, "m.json"), "utf8")) as {
      "containerimage.digest": string;
      "containerimage.descriptor": { mediaType: string; digest: string; size: number };
      "image.name": string;
    };
    const digest = metadata["containerimage.digest"];
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(metadata["image.name"]).toBe(`${repo}:1,${repo}:latest`);

    // Both tags serve bytes whose digest is m.json's: one index, not two.
    const one = inspectRaw(`${repo}:1`);
    const latest = inspectRaw(`${repo}:latest`);
    expect(one.digest).toBe(digest);
    expect(latest.digest).toBe(digest);
    expect(metadata["containerimage.descriptor"]).toEqual({
      mediaType: "application/vnd.oci.image.index.v1+json",
      digest,
      size: one.size,
    });
    expect(indexPlatforms(one)).toEqual(PLATFORMS);

    // The title is on the index, and on no manifest (nor on the index's entries for them).
    expect(one.json.annotations?.[TITLE]).toBe("demo");
    for (const entry of one.json.manifests ?? []) {
      const entryAnnotations = (entry as { annotations?: Record<string, string> }).annotations;
      expect(entryAnnotations?.[TITLE]).toBeUndefined();
      const manifest = inspectRaw(`${repo}@${entry.digest}`);
      expect(manifest.json.annotations?.[TITLE]).toBeUndefined();
    }

    // --iidfile and $GITHUB_OUTPUT name the same digest (appended to, not overwritten).
    expect(readFileSync(join(work, "iid.txt"), "utf8")).toBe(digest);
    const outputs = readFileSync(githubOutput, "utf8").split("\n");
    expect(outputs.slice(0, 3)).toEqual(["earlier=kept", `digest=${digest}`, `imageid=${digest}`]);
  });

  test.each(PLATFORMS)(
    "%s: FOO from the environment reached the build; the context kept its .dockerignore and no placed Dockerfile",
    (platform) => {
      const [fooFile, machine, listing] = readImageFiles(`${repo}:1`, platform, [
        "foo",
        "machine",
        "ctx-listing",
      ]);
      expect(fooFile?.trim()).toBe(foo);
      expect(machine?.trim()).toBe(MACHINE[platform]);
      expect(listing?.trim().split("\n").sort()).toEqual([".dockerignore", "app.txt"]);
    },
  );
});

describe("a Dockerfile on stdin, two repositories, annotations at every level", () => {
  const first = `${REG}/${uniqueRepo("buildx-vocab-a")}`;
  const second = `${REG}/${uniqueRepo("buildx-vocab-b")}`;

  test("publish - : one index in both repositories, each annotation where its level says", async () => {
    const run = await runCli(
      [
        "publish",
        ...["-t", `${first}:1`, "-t", `${second}:edge`, "--platform", PLATFORMS.join(",")],
        ...["--annotation", "com.example.everywhere=m"],
        ...["--annotation", "manifest[linux/arm64]:com.example.arm=only"],
        ...["--annotation", "manifest-descriptor:com.example.entry=d"],
        ...["--annotation", "index,manifest:com.example.both=b"],
        ...["--label", "com.example.label=l", "--json", "-"],
      ],
      { cwd: work, input: "FROM busybox\nRUN uname -m > /machine\n" },
    );
    console.info(run.stderr);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { digest: string; refs: string[] };
    expect(result.refs).toEqual([`${first}:1@${result.digest}`, `${second}:edge@${result.digest}`]);

    const a = inspectRaw(`${first}:1`);
    const b = inspectRaw(`${second}:edge`);
    expect(a.digest).toBe(result.digest);
    expect(b.digest).toBe(result.digest);
    expect(a.json.annotations).toEqual({ "com.example.both": "b" });
    for (const entry of a.json.manifests ?? []) {
      const platform = `${entry.platform?.os}/${entry.platform?.architecture}`;
      expect((entry as { annotations?: Record<string, string> }).annotations).toEqual({
        "com.example.entry": "d",
      });
      const manifest = inspectRaw(`${first}@${entry.digest}`).json.annotations ?? {};
      expect(manifest["com.example.everywhere"]).toBe("m");
      expect(manifest["com.example.both"]).toBe("b");
      expect(manifest["com.example.entry"]).toBeUndefined();
      expect(manifest["com.example.arm"]).toBe(platform === "linux/arm64" ? "only" : undefined);
    }
  });
});

describe(".dockerignore, applied to the upload and the build", () => {
  test("ignored files never reach the image, even when the rules name the Dockerfile itself", async () => {
    const context = join(work, "ignoring");
    mkdirSync(join(context, "sub"), { recursive: true });
    writeFileSync(
      join(context, "Dockerfile"),
      "FROM busybox\nCOPY . /ctx\nRUN find /ctx | sort > /ctx-listing\n",
    );
    // Anchored at the root, as Docker reads them: sub/secret.env stays; !kept.log comes back.
    writeFileSync(
      join(context, ".dockerignore"),
      "# what a buildx user writes\nDockerfile\n.dockerignore\n/secret.env\n*.log\n!kept.log\n",
    );
    for (const file of ["secret.env", "sub/secret.env", "app.log", "kept.log", "app.txt"]) {
      writeFileSync(join(context, file), `${file}\n`);
    }
    const repo = `${REG}/${uniqueRepo("buildx-ignore")}`;
    const run = await runCli(
      ["publish", "-t", `${repo}:1`, "--platform", "linux/amd64,linux/arm64", "--no-scan", "."],
      { cwd: context },
    );
    console.info(run.stderr);
    expect(run.code).toBe(0);
    const [listing] = readImageFiles(`${repo}:1`, "linux/arm64", ["ctx-listing"]);
    expect(listing?.trim().split("\n")).toEqual([
      "/ctx",
      "/ctx/app.txt",
      "/ctx/kept.log",
      "/ctx/sub",
      "/ctx/sub/secret.env",
    ]);
  });
});

describe("--secret and --progress", () => {
  const repo = `${REG}/${uniqueRepo("buildx-secret")}`;
  const token = `tok-${randomBytes(9).toString("hex")}`;
  const fileSecret = `file-${randomBytes(9).toString("hex")}`;
  const marker = `step-output-${randomBytes(4).toString("hex")}`;
  let context: string;

  beforeAll(() => {
    context = join(work, "secrets");
    mkdirSync(context, { recursive: true });
    // Only a hash of the secrets goes into the image: proof they were mounted, not stored.
    writeFileSync(
      join(context, "Dockerfile"),
      "FROM busybox\n" +
        "RUN --mount=type=secret,id=tok --mount=type=secret,id=npmrc " +
        `echo ${marker} | rev && cat /run/secrets/tok /run/secrets/npmrc | sha256sum > /secrets-sha\n`,
    );
    writeFileSync(join(work, "npmrc"), fileSecret);
  });

  const args = (progress: string) => [
    ...["publish", "-t", `${repo}:${progress}`, "--platform", "linux/amd64,linux/arm64"],
    ...[
      "--secret",
      "id=tok,env=MULTIARCH_TEST_TOKEN",
      "--secret",
      `id=npmrc,src=${join(work, "npmrc")}`,
    ],
    ...["--progress", progress, "--metadata-file", join(work, `m-${progress}.json`), "."],
  ];
  const env = () => ({ ...process.env, MULTIARCH_TEST_TOKEN: token });

  test("plain: the build step's own output shows; the secrets reach RUN, never the output", async () => {
    const run = await runCli(args("plain"), { cwd: context, env: env() });
    expect(run.code).toBe(0);
    // The step printed the marker reversed: only its output has it so, not the command line.
    expect(run.stderr).toContain([...marker].reverse().join(""));
    expect(run.stderr).toMatch(/linux\/arm64 +built in/);
    for (const text of [run.stdout, run.stderr, readFileSync(join(work, "m-plain.json"), "utf8")]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(fileSecret);
    }
    const want = createHash("sha256")
      .update(token + fileSecret)
      .digest("hex");
    for (const platform of PLATFORMS) {
      const [sha] = readImageFiles(`${repo}:plain`, platform, ["secrets-sha"]);
      expect(sha?.split(" ")[0]).toBe(want);
    }
  });

  test("quiet: nothing on stderr; rawjson: only JSON lines, one per event", async () => {
    const quiet = await runCli(args("quiet"), { cwd: context, env: env() });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    expect(quiet.stdout).toContain(`${repo}:quiet@sha256:`);

    const raw = await runCli(args("rawjson"), { cwd: context, env: env() });
    expect(raw.code).toBe(0);
    const events = raw.stderr
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { kind: string });
    const kinds = events.map((e) => e.kind);
    for (const kind of [
      "engine",
      "probe",
      "build-start",
      "build-done",
      "push-done",
      "verify-done",
    ]) {
      expect(kinds).toContain(kind);
    }
  });
});
