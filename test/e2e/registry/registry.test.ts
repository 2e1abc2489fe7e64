// RegistryClient and readIndex against the test bed's real registries (no engine needed), with
// skopeo as the independent witness: it makes the content and checks what we read and write.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { RegistryClient } from "../../../src/registry/client.js";
import { sha256Digest } from "../../../src/registry/digest.js";
import {
  describePlatform,
  imageIndexSchema,
  imageManifestSchema,
  readIndex,
  rawPlatform,
  type ImageSummary,
  type IndexSummary,
} from "../../../src/registry/image-index.js";
import { MediaType } from "../../../src/registry/media-types.js";
import { expectMultiarchError } from "../../support/expect-error.js";
import { authRegistry } from "../support/testbed.js";

const PLAIN = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const SEED = "library/busybox:latest";
/** One namespace per run, so runs never see each other's tags. */
const RUN = `multiarch-test/registry-${Date.now().toString(36)}-${process.pid}`;

let work: string;
let authFile: string;
let auth: { address: string; username: string; password: string };

// --- skopeo, the witness ------------------------------------------------------------------------

function skopeo(args: readonly string[]): Buffer {
  try {
    return execFileSync("skopeo", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`skopeo ${args.join(" ")} failed: ${stderr}`);
  }
}

/** The manifest bytes skopeo reads for `ref` (`registry/repo:tag` or `@digest`). */
function skopeoRaw(ref: string): Buffer {
  const authArgs = ref.startsWith(`${auth.address}/`) ? ["--authfile", authFile] : [];
  return skopeo(["inspect", "--raw", "--tls-verify=false", ...authArgs, `docker://${ref}`]);
}

function skopeoDigest(ref: string): string {
  const file = join(work, `raw-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, skopeoRaw(ref));
  return skopeo(["manifest-digest", file]).toString().trim();
}

function skopeoCopy(from: string, to: string, ...extra: string[]): void {
  const destAuth = to.startsWith(`docker://${auth.address}/`) ? ["--dest-authfile", authFile] : [];
  skopeo([
    "copy",
    "--quiet",
    "--src-tls-verify=false",
    "--dest-tls-verify=false",
    ...destAuth,
    ...extra,
    from,
    to,
  ]);
}

function skopeoTags(registry: string, repository: string): string[] {
  const authArgs = registry === auth.address ? ["--authfile", authFile] : [];
  const out = skopeo([
    "list-tags",
    "--tls-verify=false",
    ...authArgs,
    `docker://${registry}/${repository}`,
  ]);
  return (JSON.parse(out.toString()) as { Tags: string[] }).Tags;
}

/** Platforms as skopeo's raw index lists them, `os/arch[/variant]`. */
function skopeoPlatforms(ref: string): string[] {
  const index = imageIndexSchema.parse(JSON.parse(skopeoRaw(ref).toString()));
  return index.manifests.map((m) => (m.platform === undefined ? "" : rawPlatform(m.platform)));
}

// --- a hand-made OCI layout: what busybox lacks (attestations, variants, annotations) ----------

interface Fixture {
  readonly indexDigest: string;
  /** Expected image size per raw platform. */
  readonly sizes: ReadonlyMap<string, number>;
}

const ATTESTATION = {
  "vnd.docker.reference.type": "attestation-manifest",
};
const INDEX_ANNOTATIONS = {
  "org.opencontainers.image.source": "https://example.invalid/multiarch",
  "org.opencontainers.image.description": "registry.test.ts fixture",
};

/** An OCI image layout holding one index (tag `fixture`) the way BuildKit shapes them. */
function writeFixture(dir: string): Fixture {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const blob = (bytes: Buffer): { digest: string; size: number } => {
    const digest = sha256Digest(bytes);
    writeFileSync(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), bytes);
    return { digest, size: bytes.length };
  };
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const emptyTar = blob(gzipSync(Buffer.alloc(1024))); // two zero blocks: an empty archive
  const sizes = new Map<string, number>();

  const image = (platform: { os: string; architecture: string; variant?: string }) => {
    const config = blob(
      json({ ...platform, rootfs: { type: "layers", diff_ids: [] }, config: {} }),
    );
    const manifest = blob(
      json({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config: { mediaType: MediaType.OCI_CONFIG, ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...emptyTar }],
      }),
    );
    sizes.set(rawPlatform(platform), manifest.size + config.size + emptyTar.size);
    return { mediaType: MediaType.OCI_MANIFEST, ...manifest, platform };
  };

  const amd64 = image({ os: "linux", architecture: "amd64" });
  const arm64 = image({ os: "linux", architecture: "arm64", variant: "v8" });
  const statement = blob(json({ _type: "https://in-toto.io/Statement/v0.1", subject: [] }));
  const attestationConfig = blob(json({ architecture: "unknown", os: "unknown", config: {} }));
  const attestation = blob(
    json({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      config: { mediaType: MediaType.OCI_CONFIG, ...attestationConfig },
      layers: [{ mediaType: "application/vnd.in-toto+json", ...statement }],
    }),
  );
  sizes.set("unknown/unknown", attestation.size + attestationConfig.size + statement.size);

  const index = blob(
    json({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [
        amd64,
        arm64,
        {
          mediaType: MediaType.OCI_MANIFEST,
          ...attestation,
          platform: { os: "unknown", architecture: "unknown" },
          annotations: { ...ATTESTATION, "vnd.docker.reference.digest": amd64.digest },
        },
      ],
      annotations: INDEX_ANNOTATIONS,
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.OCI_INDEX,
          ...index,
          annotations: { "org.opencontainers.image.ref.name": "fixture" },
        },
      ],
    }),
  );
  return { indexDigest: index.digest, sizes };
}

// --- helpers --------------------------------------------------------------------------------------

function asIndex(summary: ImageSummary | undefined): IndexSummary {
  expect(summary?.kind).toBe("index");
  return summary as IndexSummary;
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-registry-test-"));
  auth = authRegistry();
  // skopeo reads credentials from an auth file, keeping the password out of `ps`.
  authFile = join(work, "auth.json");
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
  writeFileSync(authFile, JSON.stringify({ auths: { [auth.address]: { auth: basic } } }), {
    mode: 0o600,
  });
  chmodSync(authFile, 0o600);
  try {
    skopeoRaw(`${PLAIN}/${SEED}`);
  } catch (error) {
    throw new Error(
      `${PLAIN}/${SEED} is missing: the test bed seeds it ('npm run testbed:up').\n${String(error)}`,
    );
  }
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

// --- the plain registry -----------------------------------------------------------------------

describe("plain registry", () => {
  const repo = `${RUN}/busybox`;
  const client = new RegistryClient({ registry: PLAIN });

  beforeAll(() => {
    skopeoCopy(`docker://${PLAIN}/${SEED}`, `docker://${PLAIN}/${repo}:t1`, "--all");
  });

  test("ping answers", async () => {
    expect(client.baseUrl).toBe(`http://${PLAIN}`);
    await client.ping();
  });

  test("readIndex lists the platforms and digests skopeo sees, in order", async () => {
    const summary = asIndex(await readIndex(client, repo, "t1"));
    const raw = imageIndexSchema.parse(JSON.parse(skopeoRaw(`${PLAIN}/${repo}:t1`).toString()));

    expect(summary.digest).toBe(skopeoDigest(`${PLAIN}/${repo}:t1`));
    expect(summary.mediaType).toBe(MediaType.OCI_INDEX);
    expect(summary.entries.map((e) => e.rawPlatform)).toEqual(
      skopeoPlatforms(`${PLAIN}/${repo}:t1`),
    );
    expect(summary.entries.map((e) => e.digest)).toEqual(raw.manifests.map((m) => m.digest));
    expect(summary.entries.map((e) => e.platform)).toEqual(
      raw.manifests.map((m) =>
        m.platform === undefined ? undefined : describePlatform(m.platform),
      ),
    );
    // The seed's own platforms, canonical.
    expect(summary.entries.map((e) => e.platform)).toEqual(
      expect.arrayContaining(["linux/amd64", "linux/arm64", "linux/arm/v7"]),
    );
  });

  test("entry sizes are manifest + config + layers, as skopeo reads them", async () => {
    const summary = asIndex(await readIndex(client, repo, "t1"));
    for (const entry of summary.entries) {
      const bytes = skopeoRaw(`${PLAIN}/${repo}@${entry.digest}`);
      const manifest = imageManifestSchema.parse(JSON.parse(bytes.toString()));
      const layers = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
      expect(entry.manifestSize).toBe(bytes.length);
      expect(entry.size).toBe(bytes.length + manifest.config.size + layers);
    }
  });

  test("getManifest returns the exact bytes skopeo reads, for the index and an entry", async () => {
    const index = await client.getManifest(repo, "t1");
    expect(index?.bytes.equals(skopeoRaw(`${PLAIN}/${repo}:t1`))).toBe(true);
    expect(index?.mediaType).toBe(MediaType.OCI_INDEX);
    const first = imageIndexSchema.parse(index?.json).manifests[0];
    if (first === undefined) throw new Error("empty index");
    const entry = await client.getManifest(repo, first.digest);
    expect(entry?.digest).toBe(first.digest);
    expect(entry?.mediaType).toBe(first.mediaType);
    expect(entry?.bytes.equals(skopeoRaw(`${PLAIN}/${repo}@${first.digest}`))).toBe(true);
  });

  test("headManifest resolves a tag to the digest skopeo computes", async () => {
    expect(await client.headManifest(repo, "t1")).toBe(skopeoDigest(`${PLAIN}/${repo}:t1`));
  });

  test("putManifest of the index bytes under a new tag keeps the digest; skopeo agrees", async () => {
    const index = await client.getManifest(repo, "t1");
    if (index === undefined) throw new Error("t1 vanished");
    const digest = await client.putManifest(repo, "t2", index.bytes, index.mediaType);
    expect(digest).toBe(index.digest);
    expect(skopeoTags(PLAIN, repo)).toEqual(expect.arrayContaining(["t1", "t2"]));
    expect(skopeoDigest(`${PLAIN}/${repo}:t2`)).toBe(index.digest);
    expect(skopeoRaw(`${PLAIN}/${repo}:t2`).equals(index.bytes)).toBe(true);
    // Putting under its own digest is accepted too (and changes nothing).
    expect(await client.putManifest(repo, index.digest, index.bytes, index.mediaType)).toBe(
      index.digest,
    );
  });

  test("an index rewritten with annotations gets a new digest that readIndex and skopeo report", async () => {
    const index = await client.getManifest(repo, "t1");
    if (index === undefined) throw new Error("t1 vanished");
    // Edit the JSON as JSON: we add annotations, everything else stays as the registry had it.
    const doc = JSON.parse(index.bytes.toString()) as {
      annotations?: Record<string, string>;
      manifests: { annotations?: Record<string, string> }[];
    };
    doc.annotations = { "org.opencontainers.image.version": "1.2.3" };
    doc.manifests.forEach((m, i) => (m.annotations = { "com.example.entry": String(i) }));
    const bytes = Buffer.from(JSON.stringify(doc));

    const digest = await client.putManifest(repo, "annotated", bytes, index.mediaType);
    expect(digest).toBe(sha256Digest(bytes));
    expect(digest).not.toBe(index.digest);
    expect(skopeoDigest(`${PLAIN}/${repo}:annotated`)).toBe(digest);

    const summary = asIndex(await readIndex(client, repo, "annotated"));
    expect(summary.digest).toBe(digest);
    expect(summary.annotations).toEqual({ "org.opencontainers.image.version": "1.2.3" });
    expect(summary.entries.map((e) => e.annotations["com.example.entry"])).toEqual(
      doc.manifests.map((_, i) => String(i)),
    );

    // Deleting goes by digest and takes the tag with it; a second delete finds nothing.
    expect(await client.deleteManifest(repo, digest)).toBe(true);
    expect(await client.headManifest(repo, "annotated")).toBeUndefined();
    expect(await client.deleteManifest(repo, digest)).toBe(false);
    // The original index is untouched.
    expect(await client.headManifest(repo, "t1")).toBe(index.digest);
  });

  test("a missing tag, digest or repository → undefined, not an error", async () => {
    const nowhere = `sha256:${"0".repeat(64)}`;
    expect(await client.getManifest(repo, "no-such-tag")).toBeUndefined();
    expect(await client.getManifest(repo, nowhere)).toBeUndefined();
    expect(await client.getManifest(`${RUN}/no-such-repo`, "t1")).toBeUndefined();
    expect(await client.headManifest(repo, "no-such-tag")).toBeUndefined();
    expect(await readIndex(client, repo, "no-such-tag")).toBeUndefined();
  });

  test("blobs: getBlob returns verified content, blobExists checks presence", async () => {
    const summary = asIndex(await readIndex(client, repo, "t1"));
    const entry = summary.entries.find((e) => e.platform === "linux/arm64");
    if (entry === undefined) throw new Error("seed has no linux/arm64");
    const manifest = imageManifestSchema.parse(
      (await client.getManifest(repo, entry.digest))?.json,
    );

    const config = await client.getBlob(repo, manifest.config.digest);
    expect(sha256Digest(config)).toBe(manifest.config.digest);
    expect(JSON.parse(config.toString())).toMatchObject({ os: "linux", architecture: "arm64" });
    expect(await client.blobExists(repo, manifest.config.digest)).toBe(true);
    expect(await client.blobExists(repo, sha256Digest(Buffer.from("not uploaded")))).toBe(false);

    const layer = manifest.layers[0];
    if (layer === undefined) throw new Error("no layers");
    expect((await client.getBlob(repo, layer.digest)).length).toBe(layer.size);
  });

  test("getBlob rejects content that does not match its digest", async () => {
    const summary = asIndex(await readIndex(client, repo, "t1"));
    const entry = summary.entries[0];
    if (entry === undefined) throw new Error("empty index");
    const manifest = imageManifestSchema.parse(
      (await client.getManifest(repo, entry.digest))?.json,
    );
    // A proxy in the middle that flips one byte of every blob.
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : input.toString();
      if (!url.includes("/blobs/")) return response;
      const bytes = Buffer.from(await response.arrayBuffer());
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      return new Response(bytes, { status: response.status, headers: response.headers });
    };
    const tampered = new RegistryClient({ registry: PLAIN, fetch: tampering });
    // The registry answered; what arrived is wrong. Whether that fails a verification is verify's call.
    const e = await expectMultiarchError(
      tampered.getBlob(repo, manifest.config.digest),
      ErrorCode.REGISTRY_ERROR,
      { status: 200, operation: "GET blob" },
    );
    expect(e.message).toContain(manifest.config.digest);
  });

  test("a single-platform manifest reads as kind 'manifest' with its config's platform", async () => {
    skopeoCopy(
      `docker://${PLAIN}/${SEED}`,
      `docker://${PLAIN}/${repo}:armv7-only`,
      "--override-arch=arm",
      "--override-variant=v7",
    );
    const summary = await readIndex(client, repo, "armv7-only");
    expect(summary).toMatchObject({
      kind: "manifest",
      platform: "linux/arm/v7",
      rawPlatform: "linux/arm/v7",
      digest: skopeoDigest(`${PLAIN}/${repo}:armv7-only`),
    });
    const bytes = skopeoRaw(`${PLAIN}/${repo}:armv7-only`);
    const manifest = imageManifestSchema.parse(JSON.parse(bytes.toString()));
    expect(summary?.kind === "manifest" && summary.size).toBe(
      bytes.length + manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0),
    );
  });

  test("a Docker manifest list reads like an OCI index", async () => {
    skopeoCopy(
      `docker://${PLAIN}/${SEED}`,
      `docker://${PLAIN}/${repo}:v2s2`,
      "--all",
      "--format=v2s2",
    );
    const summary = asIndex(await readIndex(client, repo, "v2s2"));
    expect(summary.mediaType).toBe(MediaType.DOCKER_MANIFEST_LIST);
    expect(summary.digest).toBe(skopeoDigest(`${PLAIN}/${repo}:v2s2`));
    expect(summary.entries.map((e) => e.rawPlatform)).toEqual(
      skopeoPlatforms(`${PLAIN}/${repo}:v2s2`),
    );
    expect(new Set(summary.entries.map((e) => e.mediaType))).toEqual(
      new Set([MediaType.DOCKER_MANIFEST]),
    );
    // Tagging a manifest list byte for byte works as for an OCI index.
    const list = await client.getManifest(repo, "v2s2");
    if (list === undefined) throw new Error("v2s2 vanished");
    expect(await client.putManifest(repo, "v2s2-again", list.bytes, list.mediaType)).toBe(
      list.digest,
    );
    expect(skopeoDigest(`${PLAIN}/${repo}:v2s2-again`)).toBe(list.digest);
  });

  test("a registry on a closed port → REGISTRY_ERROR naming the URL and what to check", async () => {
    const port = await closedPort();
    const e = await expectMultiarchError(
      new RegistryClient({ registry: `127.0.0.1:${port}` }).ping(),
      ErrorCode.REGISTRY_ERROR,
      { operation: "ping" },
    );
    expect(e.message).toContain(`http://127.0.0.1:${port}`);
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.details.hint).toContain("check that a registry is running");
  });

  test("HTTPS against a plain-HTTP registry → REGISTRY_ERROR suggesting plainHttp", async () => {
    const e = await expectMultiarchError(
      new RegistryClient({ registry: PLAIN, plainHttp: false }).ping(),
      ErrorCode.REGISTRY_ERROR,
    );
    expect(e.message).toContain(`https://${PLAIN}`);
    expect(e.details.hint).toContain("plainHttp: true");
  });
});

describe("hand-made index: attestation entry, arm64/v8, annotations", () => {
  const repo = `${RUN}/fixture`;
  const client = new RegistryClient({ registry: PLAIN });
  let fixture: Fixture;

  beforeAll(() => {
    const layout = join(work, "layout");
    fixture = writeFixture(layout);
    skopeoCopy(`oci:${layout}:fixture`, `docker://${PLAIN}/${repo}:fixture`, "--all");
  });

  test("skopeo pushed it byte for byte", () => {
    expect(skopeoDigest(`${PLAIN}/${repo}:fixture`)).toBe(fixture.indexDigest);
  });

  test("readIndex canonicalises supported platforms and keeps the rest as written", async () => {
    const summary = asIndex(await readIndex(client, repo, "fixture"));
    expect(summary.digest).toBe(fixture.indexDigest);
    expect(summary.entries.map((e) => e.rawPlatform)).toEqual(
      skopeoPlatforms(`${PLAIN}/${repo}:fixture`),
    );
    expect(summary.entries.map((e) => [e.platform, e.rawPlatform])).toEqual([
      ["linux/amd64", "linux/amd64"],
      ["linux/arm64", "linux/arm64/v8"],
      ["unknown/unknown", "unknown/unknown"],
    ]);
  });

  test("annotations of the index and of each entry come through; sizes add up", async () => {
    const summary = asIndex(await readIndex(client, repo, "fixture"));
    expect(summary.annotations).toEqual(INDEX_ANNOTATIONS);
    const [amd64, arm64, attestation] = summary.entries;
    expect(amd64?.annotations).toEqual({});
    expect(arm64?.annotations).toEqual({});
    expect(attestation?.annotations).toEqual({
      ...ATTESTATION,
      "vnd.docker.reference.digest": amd64?.digest,
    });
    for (const entry of summary.entries) {
      expect(entry.size).toBe(fixture.sizes.get(entry.rawPlatform ?? ""));
    }
  });

  test("an attestation manifest read on its own has no image platform to report", async () => {
    const summary = asIndex(await readIndex(client, repo, "fixture"));
    const attestation = summary.entries[2];
    if (attestation === undefined) throw new Error("no attestation entry");
    // Its config claims unknown/unknown, which is what it reports.
    expect(await readIndex(client, repo, attestation.digest)).toMatchObject({
      kind: "manifest",
      platform: "unknown/unknown",
      size: attestation.size,
    });
  });
});

// --- the registry with basic auth ---------------------------------------------------------------

describe("auth registry", () => {
  const repo = `${RUN}/busybox`;
  let client: RegistryClient;

  beforeAll(() => {
    client = new RegistryClient({
      registry: auth.address,
      username: auth.username,
      password: auth.password,
    });
    skopeoCopy(`docker://${PLAIN}/${SEED}`, `docker://${auth.address}/${repo}:t1`, "--all");
  });

  test("ping with the right credentials", async () => {
    await client.ping();
  });

  test("readIndex and putManifest work through basic auth; skopeo agrees", async () => {
    const summary = asIndex(await readIndex(client, repo, "t1"));
    expect(summary.digest).toBe(skopeoDigest(`${auth.address}/${repo}:t1`));
    expect(summary.entries.map((e) => e.rawPlatform)).toEqual(
      skopeoPlatforms(`${auth.address}/${repo}:t1`),
    );

    const index = await client.getManifest(repo, "t1");
    if (index === undefined) throw new Error("t1 vanished");
    expect(await client.putManifest(repo, "t2", index.bytes, index.mediaType)).toBe(index.digest);
    expect(skopeoTags(auth.address, repo)).toEqual(expect.arrayContaining(["t1", "t2"]));
    expect(skopeoDigest(`${auth.address}/${repo}:t2`)).toBe(index.digest);
  });

  test("a wrong password → AUTH_FAILED naming registry and user; no password anywhere", async () => {
    const wrong = `wrong-${auth.password.split("").reverse().join("")}`;
    const bad = new RegistryClient({
      registry: auth.address,
      username: auth.username,
      password: wrong,
    });
    // One at a time: a rejected promise nobody awaits yet would be reported as unhandled.
    const attempts = [
      () => bad.ping(),
      () => bad.getManifest(repo, "t1"),
      () => bad.headManifest(repo, "t1"),
    ];
    for (const attempt of attempts) {
      const e = await expectMultiarchError(attempt, ErrorCode.AUTH_FAILED, { status: 401 });
      expect(e.message).toContain(auth.address);
      expect(e.message).toContain(`"${auth.username}"`);
      const everything = [e.message, e.stack, JSON.stringify(e), inspect(e, { depth: 10 })].join(
        "\n",
      );
      for (const secret of [
        wrong,
        auth.password,
        Buffer.from(`${auth.username}:${wrong}`).toString("base64"),
      ]) {
        expect(everything).not.toContain(secret);
      }
    }
  });

  test("no credentials → AUTH_FAILED saying none were given (not 'tag absent')", async () => {
    const anonymous = new RegistryClient({ registry: auth.address });
    for (const attempt of [() => anonymous.ping(), () => anonymous.getManifest(repo, "t1")]) {
      const e = await expectMultiarchError(attempt, ErrorCode.AUTH_FAILED, { status: 401 });
      expect(e.message).toContain("requires credentials, but none were given");
    }
  });
});
