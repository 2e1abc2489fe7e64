// verify on the real registries and engine. The bad images are made here by hand, with raw
// registry calls (and skopeo / GNU tar), never by our own publish: verify must catch what a
// broken pipeline elsewhere could push.
import { connection, dag } from "@dagger.io/dagger";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ErrorCode,
  publish,
  RegistryClient,
  type MultiarchError,
  type PublishReport,
} from "../../../src/index.js";
import { setIndexAnnotations } from "../../../src/registry/index-annotations.js";
import { formatReport, type VerifyReport } from "../../../src/verify/report.js";
import { verify, VerifyError } from "../../../src/verify/verify.js";
import { exists, inspectRaw, uniqueRepo } from "../support/oci.js";
import { FIVE, MACHINE } from "../support/platforms.js";
import { expectMultiarchError } from "../../support/expect-error.js";
import { authRegistry } from "../support/testbed.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const SEED = "library/busybox";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

// --- raw registry calls (distribution API v2), independent of our RegistryClient ---------------

const digestOf = (bytes: Uint8Array) =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function call(method: string, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url.startsWith("http") ? url : `http://${REGISTRY}/v2/${url}`, {
    method,
    ...init,
  });
  if (!response.ok) {
    throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
  }
  return response;
}

async function getManifest(repo: string, ref: string): Promise<{ bytes: Buffer; json: Manifest }> {
  const response = await call("GET", `${repo}/manifests/${ref}`, {
    headers: { Accept: `${OCI_INDEX}, ${OCI_MANIFEST}` },
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, json: JSON.parse(bytes.toString()) as Manifest };
}

async function getBlob(repo: string, digest: string): Promise<Buffer> {
  return Buffer.from(await (await call("GET", `${repo}/blobs/${digest}`)).arrayBuffer());
}

/** Cross-repository mount: the blob appears in `repo` without an upload. */
async function mountBlob(repo: string, digest: string, from = SEED): Promise<void> {
  const response = await call("POST", `${repo}/blobs/uploads/?mount=${digest}&from=${from}`);
  expect(response.status).toBe(201);
}

/** Monolithic upload: POST for a session, PUT the bytes with their digest. */
async function pushBlob(repo: string, bytes: Buffer): Promise<Descriptor> {
  const digest = digestOf(bytes);
  const session = await call("POST", `${repo}/blobs/uploads/`);
  const location = new URL(session.headers.get("location") ?? "", `http://${REGISTRY}`);
  location.searchParams.set("digest", digest);
  await call("PUT", location.toString(), {
    headers: { "Content-Type": "application/octet-stream" },
    body: bytes,
  });
  return { digest, size: bytes.length };
}

async function putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string) {
  await call("PUT", `${repo}/manifests/${ref}`, {
    headers: { "Content-Type": mediaType },
    body: bytes,
  });
  return { digest: digestOf(bytes), size: bytes.length };
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}
interface Manifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}
interface Config {
  architecture: string;
  os: string;
  variant?: string;
  rootfs: { type: string; diff_ids: string[] };
  history?: { created_by: string }[];
}

/** The seeded busybox index's entries, by canonical platform. */
async function seedEntries(): Promise<Map<string, Descriptor>> {
  const index = await getManifest(SEED, "latest");
  return new Map(
    index.json.manifests.map((m) => {
      const p = m.platform ?? { os: "", architecture: "" };
      return [[p.os, p.architecture, p.variant].filter(Boolean).join("/"), m];
    }),
  );
}

/** Put a seeded manifest (and, by mount, its blobs) into `repo`. */
async function copyManifest(repo: string, entry: Descriptor): Promise<Manifest> {
  const { bytes, json: manifest } = await getManifest(SEED, entry.digest);
  for (const blob of [manifest.config, ...manifest.layers]) await mountBlob(repo, blob.digest);
  await putManifest(repo, entry.digest, bytes, OCI_MANIFEST);
  return manifest;
}

/** A new image in `repo`: a config and layers, already pushed. */
async function putImage(repo: string, config: Config, layers: Descriptor[]): Promise<Descriptor> {
  const configBlob = await pushBlob(repo, json(config));
  const manifest = json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...configBlob },
    layers,
  });
  return {
    mediaType: OCI_MANIFEST,
    ...(await putManifest(repo, digestOf(manifest), manifest, OCI_MANIFEST)),
  };
}

async function putIndex(repo: string, tag: string, manifests: Descriptor[]): Promise<string> {
  const bytes = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
  return (await putManifest(repo, tag, bytes, OCI_INDEX)).digest;
}

/** A gzipped layer holding the files of `dir` (GNU tar), and its diff_id. */
async function pushLayerDir(repo: string, dir: string) {
  const tar = execFileSync("tar", ["-C", dir, "--owner=0", "--group=0", "-cf", "-", "."], {
    maxBuffer: 64 << 20,
  });
  const blob = await pushBlob(repo, gzipSync(tar));
  return { layer: { mediaType: TAR_GZIP, ...blob }, diffId: digestOf(tar) };
}

async function verifyReport(ref: string, options: Parameters<typeof verify>[1] = {}) {
  return verify(ref, { ...options, throwOnProblem: false });
}

async function verifyError(ref: string, options: Parameters<typeof verify>[1] = {}) {
  const error = await expectMultiarchError(verify(ref, options), ErrorCode.VERIFY_FAILED);
  expect(error).toBeInstanceOf(VerifyError);
  return error as VerifyError;
}

const kinds = (report: VerifyReport) => report.problems.map((p) => [p.kind, p.platform]);

// --- the images ---------------------------------------------------------------------------------

let work: string;
let seed: Map<string, Descriptor>;
const repo = uniqueRepo("verify");
const at = (tag: string) => `${REGISTRY}/${repo}:${tag}`;
/** arm64 entries: the real one, one made of amd64 bits, and the x86 file added then deleted. */
const arm64 = {} as { liar: Descriptor; x86Added: Descriptor; x86Deleted: Descriptor };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "multiarch-verify-"));
  seed = await seedEntries();
  for (const entry of seed.values()) await copyManifest(repo, entry);
  const amd64 = seed.get("linux/amd64");
  const arm64Real = seed.get("linux/arm64");
  if (amd64 === undefined || arm64Real === undefined) throw new Error("seed lacks amd64/arm64");

  // 1. amd64's layers under a config that says arm64.
  const amd64Manifest = (await getManifest(SEED, amd64.digest)).json;
  const amd64Config = JSON.parse(
    (await getBlob(SEED, amd64Manifest.config.digest)).toString(),
  ) as Config;
  arm64.liar = await putImage(
    repo,
    { ...amd64Config, architecture: "arm64" },
    amd64Manifest.layers,
  );

  // 2. arm64 busybox plus a layer with the amd64 busybox at /opt/x86/busybox; 3. plus a layer
  // that deletes it again (and /bin/uname, for the smoke test) with whiteouts.
  const armManifest = (await getManifest(SEED, arm64Real.digest)).json;
  const armConfig = JSON.parse(
    (await getBlob(SEED, armManifest.config.digest)).toString(),
  ) as Config;
  const amd64Layer = amd64Manifest.layers[0]?.digest ?? "";
  const x86Busybox = execFileSync("tar", ["-xzO", "./bin/busybox"], {
    input: await getBlob(SEED, amd64Layer),
    maxBuffer: 64 << 20,
  });
  mkdirSync(join(work, "add/opt/x86"), { recursive: true });
  writeFileSync(join(work, "add/opt/x86/busybox"), x86Busybox, { mode: 0o755 });
  mkdirSync(join(work, "del/opt/x86"), { recursive: true });
  mkdirSync(join(work, "del/bin"), { recursive: true });
  writeFileSync(join(work, "del/opt/x86/.wh.busybox"), "");
  writeFileSync(join(work, "del/bin/.wh.uname"), "");
  const add = await pushLayerDir(repo, join(work, "add"));
  const del = await pushLayerDir(repo, join(work, "del"));
  const withLayers = (...extra: { layer: Descriptor; diffId: string }[]) =>
    putImage(
      repo,
      {
        ...armConfig,
        rootfs: {
          type: "layers",
          diff_ids: [...armConfig.rootfs.diff_ids, ...extra.map((e) => e.diffId)],
        },
        history: [
          ...(armConfig.history ?? []),
          ...extra.map((_, i) => ({ created_by: `verify.test.ts layer ${i + 2}` })),
        ],
      },
      [...armManifest.layers, ...extra.map((e) => e.layer)],
    );
  arm64.x86Added = await withLayers(add);
  arm64.x86Deleted = await withLayers(add, del);
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

const entry = (platform: string) => {
  const found = seed.get(platform);
  if (found === undefined) throw new Error(`seed lacks ${platform}`);
  return found;
};
const as = (d: Descriptor, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: d.digest,
  size: d.size,
  platform: variant === undefined ? { os, architecture } : { os, architecture, variant },
});

describe("verify", () => {
  it("passes a good index: every seeded busybox platform, binaries scanned, without running them", async () => {
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--quiet",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${REGISTRY}/${SEED}:latest`,
      `docker://${at("good")}`,
    ]);
    const all = [...seed.keys()];
    const report = await verify(at("good"), { platforms: all });
    console.log(formatReport(report));
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.digest).toBe(inspectRaw(at("good")).digest);
    expect(report.platforms.map((p) => p.platform).sort()).toEqual([...all].sort());
    for (const p of report.platforms) {
      expect(p.config).toBe(p.platform);
      expect(p.blobs.found).toBe(p.blobs.referenced);
      expect(p.scan?.elfFiles).toBe(1); // /bin/busybox; the applets are symlinks
      expect(p.scan?.mismatches).toEqual([]);
    }
  });

  it("fails an arm64 entry that holds x86-64 binaries, naming the file, arm64 and x86-64", async () => {
    await putIndex(repo, "liar", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(arm64.liar, "linux", "arm64"),
    ]);
    const error = await verifyError(at("liar"), { platforms: "linux/amd64,linux/arm64" });
    console.log(error.message);
    expect(kinds(error.report)).toEqual([["wrong-architecture", "linux/arm64"]]);
    expect(error.message).toContain(
      "linux/arm64: /bin/busybox is x86-64, expected aarch64 (linux/arm64).",
    );
    const scan = error.report.platforms.find((p) => p.platform === "linux/arm64")?.scan;
    expect(scan?.mismatches).toEqual([
      { path: "/bin/busybox", found: "x86-64", expected: "aarch64 (linux/arm64)" },
    ]);
    // The config agrees with the index: only the binaries tell.
    expect(error.report.platforms.map((p) => p.config)).toEqual(["linux/amd64", "linux/arm64"]);
  });

  it("applies whiteouts: a binary a later layer deletes is not reported, one it keeps is", async () => {
    await putIndex(repo, "x86-added", [as(arm64.x86Added, "linux", "arm64")]);
    await putIndex(repo, "x86-deleted", [as(arm64.x86Deleted, "linux", "arm64")]);
    const added = await verifyReport(at("x86-added"));
    expect(added.problems.map((p) => p.message)).toEqual([
      "/opt/x86/busybox is x86-64, expected aarch64 (linux/arm64).",
    ]);
    const deleted = await verifyReport(at("x86-deleted"));
    expect(deleted.problems).toEqual([]);
    expect(deleted.platforms[0]?.scan?.layers).toBe(3);
  });

  it("reads a buildx attestation entry as its platform's attestation; fails one about no platform", async () => {
    const statement = await pushBlob(
      repo,
      json({
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType: "https://slsa.dev/provenance/v0.2",
      }),
    );
    const attestation = await putImage(
      repo,
      {
        architecture: "unknown",
        os: "unknown",
        rootfs: { type: "layers", diff_ids: [statement.digest] },
      },
      [
        {
          mediaType: "application/vnd.in-toto+json",
          ...statement,
          annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
        },
      ],
    );
    const amd64 = entry("linux/amd64");
    const about = (digest: string) => ({
      ...as(attestation, "unknown", "unknown"),
      annotations: {
        "vnd.docker.reference.digest": digest,
        "vnd.docker.reference.type": "attestation-manifest",
      },
    });
    const platforms = [as(amd64, "linux", "amd64"), as(entry("linux/arm64"), "linux", "arm64")];
    await putIndex(repo, "attested", [...platforms, about(amd64.digest)]);
    const report = await verifyReport(at("attested"), {
      platforms: ["linux/amd64", "linux/arm64"],
      scanBinaries: false,
    });
    expect(report.problems).toEqual([]);
    expect(report.platforms.map((p) => [p.platform, p.attestations])).toEqual([
      [
        "linux/amd64",
        [
          {
            kind: "provenance",
            digest: attestation.digest,
            artifactType: "application/vnd.in-toto+json",
            location: "index",
            format: "https://slsa.dev/provenance/v0.2",
          },
        ],
      ],
      ["linux/arm64", undefined],
    ]);

    // About a manifest the index does not list: an unknown/unknown entry, named.
    await putIndex(repo, "dangling", [...platforms, about(`sha256:${"0".repeat(64)}`)]);
    const error = await verifyError(at("dangling"), { platforms: ["linux/amd64", "linux/arm64"] });
    expect(kinds(error.report)).toEqual([["unknown-platform", "unknown/unknown"]]);
    expect(error.message).toContain("attestation manifest (for sha256:000000000000)");
    expect(error.message).toContain(attestation.digest.slice(0, 19));
  });

  it("fails an index that lacks a requested platform, naming it; names an extra one", async () => {
    await putIndex(repo, "two", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(entry("linux/arm64"), "linux", "arm64"),
    ]);
    const missing = await verifyError(at("two"), { platforms: "amd64,arm64,s390x" });
    expect(kinds(missing.report)).toEqual([["missing-platform", "linux/s390x"]]);
    expect(missing.message).toContain("linux/s390x: The index has no entry for linux/s390x.");
    const extra = await verifyReport(at("two"), { platforms: "amd64" });
    expect(kinds(extra)).toEqual([["extra-platform", "linux/arm64"]]);
  });

  it("reports a config that contradicts its index entry, and a reference with nothing there", async () => {
    await putIndex(repo, "mislabelled", [as(entry("linux/arm/v5"), "linux", "arm", "v7")]);
    const report = await verifyReport(at("mislabelled"), { scanBinaries: false });
    expect(kinds(report)).toEqual([["config-mismatch", "linux/arm/v7"]]);
    expect(report.problems[0]?.message).toContain("linux/arm/v5");
    expect(report.platforms[0]?.scan).toBeUndefined();

    const nothing = await verifyError(at("no-such-tag"));
    expect(kinds(nothing.report)).toEqual([["not-found", undefined]]);
  });

  it("reads zstd layers: our publish with compression zstd verifies", async () => {
    const zstdRepo = uniqueRepo("verify-zstd");
    const address = `${REGISTRY}/${zstdRepo}:v1`;
    await connection(async () => {
      await publish({
        source: dag.host().directory(fixture("cross")),
        address,
        platforms: ["linux/amd64", "linux/arm64"],
        compression: "zstd",
      });
    });
    const index = await getManifest(zstdRepo, "v1");
    const first = index.json.manifests[0]?.digest ?? "";
    const layers = (await getManifest(zstdRepo, first)).json.layers;
    expect(layers.every((l) => l.mediaType?.endsWith("+zstd"))).toBe(true);
    const report = await verify(address, { platforms: ["linux/amd64", "linux/arm64"] });
    expect(report.ok).toBe(true);
    for (const p of report.platforms) expect(p.scan?.elfFiles).toBeGreaterThanOrEqual(1);
  });
});

describe("verify smoke runs (on the engine, emulated where needed)", () => {
  it("passes `uname -m` on five platforms, each printing its own machine", async () => {
    await putIndex(repo, "five", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(entry("linux/arm64"), "linux", "arm64"),
      as(entry("linux/arm/v7"), "linux", "arm", "v7"),
      as(entry("linux/ppc64le"), "linux", "ppc64le"),
      as(entry("linux/s390x"), "linux", "s390x"),
    ]);
    let report: VerifyReport | undefined;
    await connection(async () => {
      report = await verify(at("five"), { platforms: FIVE, smoke: "uname -m" });
    });
    console.log(formatReport(report as VerifyReport));
    expect(report?.ok).toBe(true);
    for (const p of report?.platforms ?? []) {
      expect(p.smoke?.passed, p.platform).toBe(true);
      expect(p.smoke?.command).toEqual(["sh", "-c", "uname -m"]);
      expect(p.smoke?.stdout.trim(), p.platform).toBe(MACHINE[p.platform]);
    }
  });

  it("fails, naming the platform, when the command is missing on one platform", async () => {
    // linux/arm64 here is busybox with /bin/uname deleted by a whiteout.
    await putIndex(repo, "five-one-broken", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(arm64.x86Deleted, "linux", "arm64"),
      as(entry("linux/arm/v7"), "linux", "arm", "v7"),
      as(entry("linux/ppc64le"), "linux", "ppc64le"),
      as(entry("linux/s390x"), "linux", "s390x"),
    ]);
    let error: unknown;
    await connection(async () => {
      error = await verify(at("five-one-broken"), {
        platforms: FIVE,
        smoke: ["uname", "-m"],
      }).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(VerifyError);
    const report = (error as VerifyError).report;
    console.log(formatReport(report));
    expect(kinds(report)).toEqual([["smoke-failed", "linux/arm64"]]);
    expect((error as Error).message).toContain("linux/arm64: The smoke command `uname -m`");
    const byPlatform = new Map(report.platforms.map((p) => [p.platform, p.smoke]));
    expect(byPlatform.get("linux/arm64")?.passed).toBe(false);
    for (const p of FIVE.filter((x) => x !== "linux/arm64")) {
      expect(byPlatform.get(p)?.stdout.trim(), p).toBe(MACHINE[p]);
    }
  });
});

describe("multiarch verify (the CLI)", () => {
  const BIN = fileURLToPath(new URL("../../../bin/multiarch.js", import.meta.url));
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, "verify", ...args], { encoding: "utf8" });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it("exits 0 on a good index, 1 naming every problem on a bad one", async () => {
    await putIndex(repo, "cli-good", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(entry("linux/arm64"), "linux", "arm64"),
    ]);
    await putIndex(repo, "cli-bad", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(arm64.liar, "linux", "arm64"),
    ]);
    const good = cli(at("cli-good"), "--platforms", "amd64,arm64");
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain(": OK");

    const bad = cli(at("cli-bad"), "--platforms", "amd64,arm64,s390x");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(": FAILED");
    expect(bad.stderr).toContain("multiarch: VERIFY_FAILED: ");
    expect(bad.stderr).toContain(
      "linux/arm64: /bin/busybox is x86-64, expected aarch64 (linux/arm64).",
    );
    expect(bad.stderr).toContain("linux/s390x: The index has no entry for linux/s390x.");

    const json = cli(at("cli-bad"), "--json", "--no-scan");
    expect(json.code).toBe(0); // without the scan and platforms, nothing is wrong
    expect((JSON.parse(json.stdout) as VerifyReport).ok).toBe(true);
  });

  it("--smoke runs the command on the engine and names the platform where it fails", async () => {
    await putIndex(repo, "cli-smoke", [
      as(entry("linux/amd64"), "linux", "amd64"),
      as(arm64.x86Deleted, "linux", "arm64"),
      as(entry("linux/s390x"), "linux", "s390x"),
    ]);
    const result = cli(at("cli-smoke"), "--smoke", "test -e /bin/uname");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "linux/arm64: The smoke command `sh -c test -e /bin/uname` exited 1",
    );
    expect(result.stderr).not.toContain("linux/amd64:");
    expect(result.stdout).toMatch(/linux\/s390x .*smoke: ok/);
  });
});

describe("QEMU_CRASH", () => {
  it("an emulated step that dies by SIGSEGV names the platform and the step; nothing is pushed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "multiarch-segv-"));
    writeFileSync(
      join(dir, "Dockerfile"),
      // Natively (x86_64) the step passes; under qemu-aarch64 the shell kills itself by SIGSEGV,
      // which QEMU turns into its own death by that signal: exit 139, as a real emulator crash.
      'FROM busybox\nRUN [ "$(uname -m)" = x86_64 ] || kill -SEGV $$\n',
    );
    const address = `${REGISTRY}/${uniqueRepo("segv")}:v1`;
    let error: MultiarchError | undefined;
    try {
      await connection(async () => {
        error = await expectMultiarchError(
          publish({
            source: dag.host().directory(dir),
            address,
            platforms: ["linux/amd64", "linux/arm64"],
          }),
          ErrorCode.QEMU_CRASH,
          { platform: "linux/arm64", exitCode: 139 },
        );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (error === undefined) throw new Error("the connection ended before publish failed");
    console.log(String(error));
    expect(error.message).toContain("linux/arm64");
    expect(error.message).toContain("kill -SEGV $$");
    expect(error.details.stderr).toContain("uncaught target signal 11");
    expect(exists(address)).toBe(false);
  });
});

describe("index annotations", () => {
  const annotations = {
    "org.opencontainers.image.version": "1.2.3",
    "org.opencontainers.image.source": "https://example.invalid/multiarch",
  };

  it("setIndexAnnotations rewrites the index under every tag, which skopeo then shows", async () => {
    const target = uniqueRepo("verify-annotate");
    for (const tag of ["a", "b"]) {
      execFileSync("skopeo", [
        "copy",
        "--all",
        "--quiet",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        `docker://${REGISTRY}/${SEED}:latest`,
        `docker://${REGISTRY}/${target}:${tag}`,
      ]);
    }
    const before = inspectRaw(`${REGISTRY}/${target}:a`);
    const client = new RegistryClient({ registry: REGISTRY });
    const digest = await setIndexAnnotations(client, target, ["a", "b"], annotations);
    expect(digest).not.toBe(before.digest);
    for (const tag of ["a", "b"]) {
      const raw = inspectRaw(`${REGISTRY}/${target}:${tag}`);
      expect(raw.digest).toBe(digest);
      expect(raw.json.annotations).toEqual(annotations);
      expect(raw.json.manifests).toEqual(before.json.manifests);
    }
    // Again with the same annotations: nothing changes.
    expect(await setIndexAnnotations(client, target, ["a", "b"], annotations)).toBe(digest);
    expect((await verify(`${REGISTRY}/${target}:b`)).ok).toBe(true);
  });

  it("setIndexAnnotations refuses a Docker manifest list (its schema has no annotations)", async () => {
    const list = json({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [as(entry("linux/amd64"), "linux", "amd64")],
    });
    await putManifest(repo, "docker-list", list, DOCKER_LIST);
    const client = new RegistryClient({ registry: REGISTRY });
    const error = await expectMultiarchError(
      setIndexAnnotations(client, repo, ["docker-list"], annotations),
      ErrorCode.INVALID_INPUT,
      { expected: OCI_INDEX },
    );
    expect(error.message).toContain(DOCKER_LIST);
    expect(inspectRaw(at("docker-list")).digest).toBe(digestOf(list));
  });

  it("publish with annotations puts them on the index under every tag; the result verifies", async () => {
    const address = `${REGISTRY}/${uniqueRepo("verify-publish")}`;
    const platforms = ["linux/amd64", "linux/arm64", "linux/s390x"];
    let report: PublishReport | undefined;
    await connection(async () => {
      report = await publish({
        source: dag.host().directory(fixture("cross")),
        address,
        platforms,
        tags: ["1.2.3", "latest"],
        annotations,
      });
    });
    for (const tag of ["1.2.3", "latest"]) {
      const raw = inspectRaw(`${address}:${tag}`);
      expect(raw.digest).toBe(report?.digest);
      expect(raw.json.annotations).toMatchObject(annotations);
    }
    expect(report?.refs).toEqual([
      `${address}:1.2.3@${report?.digest}`,
      `${address}:latest@${report?.digest}`,
    ]);
    const verified = await verify(`${address}:1.2.3`, { platforms });
    expect(verified.ok).toBe(true);
    expect(verified.digest).toBe(report?.digest);
  });
});

describe("verify against the registry with basic auth", () => {
  const auth = authRegistry();
  const target = `${auth.address}/${uniqueRepo("verify-auth")}:v1`;

  beforeAll(() => {
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--quiet",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--dest-creds",
      `${auth.username}:${auth.password}`,
      `docker://${REGISTRY}/${SEED}:latest`,
      `docker://${target}`,
    ]);
  });

  it("verifies and smoke-runs with credentials", async () => {
    let report: VerifyReport | undefined;
    await connection(async () => {
      report = await verify(target, {
        username: auth.username,
        password: auth.password,
        platforms: [...seed.keys()],
        smoke: ["true"],
      });
    });
    expect(report?.ok).toBe(true);
    expect(report?.platforms.every((p) => p.smoke?.passed === true)).toBe(true);
    expect(JSON.stringify(report)).not.toContain(auth.password);
  });

  it("fails with AUTH_FAILED without them", async () => {
    await expectMultiarchError(verify(target), ErrorCode.AUTH_FAILED, { status: 401 });
  });
});
