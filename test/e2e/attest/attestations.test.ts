// Attestations on the real bed: `multiarch publish --provenance --sbom` (the built CLI, syft from
// the bed) leaves an index of real platforms only, and attaches a provenance and an SBOM to
// every platform manifest as OCI 1.1 referrers. They are read back with clients we did not
// write (skopeo, plain HTTP requests), then by `multiarch verify`; tampered ones make verify
// fail. A buildx-laid index (unknown/unknown attestation entries) is named for what it holds.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { RegistryClient } from "../../../src/registry/client.js";
import { inspectRaw, uniqueRepo, type RawManifest } from "../support/oci.js";
import { REPO_ROOT, runCli } from "../../support/run-cli.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const FIXTURE = join(REPO_ROOT, "test", "fixtures", "cli-hello");
const PLATFORMS = ["linux/amd64", "linux/arm64"];
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const IN_TOTO = "application/vnd.in-toto+json";
const SPDX = "application/spdx+json";

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const tagOf = (digest: string) => digest.replace(":", "-");

interface Referrer {
  readonly digest: string;
  readonly artifactType?: string;
  readonly mediaType: string;
}
interface Artifact {
  readonly artifactType?: string;
  readonly subject?: { digest: string };
  readonly layers: { digest: string; mediaType: string }[];
}

/** GET a blob over plain HTTP, as any client would. */
async function blob(repo: string, digest: string): Promise<Buffer> {
  const response = await fetch(`http://${REGISTRY}/v2/${repo}/blobs/${digest}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function skopeoRaw(ref: string): Buffer {
  return execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
}

interface Published {
  digest: string;
  platforms: {
    platform: string;
    digest: string;
    attestations?: { referrers: string; provenance?: string; sbom?: string };
  }[];
}

describe("publish --provenance --sbom", () => {
  const repo = uniqueRepo("attest");
  const ref = `${REGISTRY}/${repo}:1`;
  let published: Published;
  let index: RawManifest;

  beforeAll(async () => {
    const run = await runCli([
      "publish",
      "--source",
      FIXTURE,
      "--address",
      `${REGISTRY}/${repo}`,
      "--tag",
      "1",
      "--platforms",
      PLATFORMS.join(","),
      "--build-arg",
      "VERSION=1.0",
      "--build-arg",
      "NPM_TOKEN=s3cr3t-value",
      "--provenance=mode=max",
      "--sbom",
      "--json",
    ]);
    console.info(run.stderr);
    expect(run.code).toBe(0);
    published = JSON.parse(run.stdout) as Published;
    index = inspectRaw(ref);
  });

  test("skopeo lists only the real platforms in the index", () => {
    expect(index.digest).toBe(published.digest);
    expect(index.json.mediaType).toBe(OCI_INDEX);
    const entries = index.json.manifests ?? [];
    expect(entries.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual(PLATFORMS);
    expect(JSON.stringify(index.json)).not.toContain("unknown");
  });

  test("the bed's registry has no referrers API: the fallback tag lists a provenance and an SBOM per platform, about it", async () => {
    for (const entry of index.json.manifests ?? []) {
      // What the registry answers to the API is measured, not assumed: 404 means no API.
      const api = await fetch(`http://${REGISTRY}/v2/${repo}/referrers/${entry.digest}`);
      await api.arrayBuffer();
      expect(api.status).toBe(404);

      const referrers = JSON.parse(
        skopeoRaw(`${REGISTRY}/${repo}:${tagOf(entry.digest)}`).toString(),
      ) as {
        mediaType: string;
        manifests: Referrer[];
      };
      expect(referrers.mediaType).toBe(OCI_INDEX);
      expect(referrers.manifests.map((m) => m.artifactType).sort()).toEqual([SPDX, IN_TOTO]);
      const platform = `${entry.platform?.os}/${entry.platform?.architecture}`;
      const mine = published.platforms.find((p) => p.platform === platform);
      expect(mine?.attestations?.referrers).toBe("tag");

      for (const referrer of referrers.manifests) {
        expect(referrer.mediaType).toBe(OCI_MANIFEST);
        const bytes = skopeoRaw(`${REGISTRY}/${repo}@${referrer.digest}`);
        const artifact = JSON.parse(bytes.toString()) as Artifact;
        expect(artifact.subject?.digest).toBe(entry.digest);
        expect(artifact.artifactType).toBe(referrer.artifactType);
        const content = await blob(repo, artifact.layers[0]?.digest ?? "");
        const doc = JSON.parse(content.toString()) as Record<string, unknown>;
        if (referrer.artifactType === IN_TOTO) {
          expect(referrer.digest).toBe(mine?.attestations?.provenance);
          expect(doc["_type"]).toBe("https://in-toto.io/Statement/v1");
          expect(doc["predicateType"]).toBe("https://slsa.dev/provenance/v1");
          expect(doc["subject"]).toEqual([
            { name: `${REGISTRY}/${repo}`, digest: { sha256: entry.digest.slice(7) } },
          ]);
          const text = content.toString();
          expect(text).toContain(`"platform":"${platform}"`);
          expect(text).toContain('"VERSION":"1.0"');
          expect(text).not.toContain("s3cr3t-value");
          // The base image, with the digest the registry serves for it.
          const busybox = inspectRaw(`${REGISTRY}/library/busybox:latest`).digest;
          expect(text).toContain(busybox.slice(7));
          // This work tree is a git checkout: its commit is the source revision.
          const head = execFileSync("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"])
            .toString()
            .trim();
          expect(text).toContain(`"gitCommit":"${head}"`);
        } else {
          expect(referrer.digest).toBe(mine?.attestations?.sbom);
          expect(doc["spdxVersion"]).toMatch(/^SPDX-2\./);
          // syft found busybox in the image (the fixture is FROM busybox).
          const packages = (doc["packages"] as { name: string }[]).map((p) => p.name);
          expect(packages).toContain("busybox");
        }
      }
    }
  });

  test("multiarch verify reads them back and reports them", async () => {
    const run = await runCli(["verify", ref, "--no-scan", "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      platforms: {
        platform: string;
        digest: string;
        attestations?: { kind: string; location: string; format?: string }[];
      }[];
    };
    expect(report.ok).toBe(true);
    for (const p of report.platforms) {
      expect(p.attestations?.map((a) => [a.kind, a.location])).toEqual([
        ["provenance", "tag"],
        ["sbom", "tag"],
      ]);
    }
    const text = await runCli(["verify", ref, "--no-scan"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /linux\/arm64 .*attestations: provenance SLSA provenance v1, sbom SPDX-2\.\d \(referrers tag\)/,
    );
  });

  test("a tampered attestation (another platform's subject) makes verify fail, coded", async () => {
    const client = new RegistryClient({ registry: REGISTRY });
    const [amd64, arm64] = index.json.manifests ?? [];
    if (amd64 === undefined || arm64 === undefined) throw new Error("two platforms expected");
    const tag = tagOf(amd64.digest);
    const original = await client.getManifest(repo, tag);
    if (original === undefined) throw new Error("no referrers tag");
    const referrers = original.json as { manifests: Referrer[] };
    const provenance = referrers.manifests.find((m) => m.artifactType === IN_TOTO);
    const statement = await client.getManifest(repo, provenance?.digest ?? "");
    const body = statement?.json as Artifact & Record<string, unknown>;

    // 1. An artifact listed for amd64 whose manifest names arm64 as its subject.
    const forged = Buffer.from(
      JSON.stringify({ ...body, subject: { ...arm64, platform: undefined } }),
    );
    await client.putManifest(repo, sha256(forged), forged, OCI_MANIFEST);
    const swapped = {
      ...referrers,
      manifests: referrers.manifests.map((m) =>
        m.digest === provenance?.digest ? { ...m, digest: sha256(forged), size: forged.length } : m,
      ),
    };
    await client.putManifest(repo, tag, Buffer.from(JSON.stringify(swapped)), OCI_INDEX);
    let run = await runCli(["verify", ref, "--no-scan"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("multiarch: VERIFY_FAILED: ");
    expect(run.stderr).toContain(
      `is about ${arm64.digest}, not this platform's manifest ${amd64.digest}`,
    );

    // 2. The right manifest subject, but a statement about arm64 inside it.
    const lying = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: repo, digest: { sha256: arm64.digest.slice(7) } }],
        predicateType: "https://slsa.dev/provenance/v1",
        predicate: {
          buildDefinition: { buildType: "x", externalParameters: { platform: "linux/amd64" } },
          runDetails: { builder: { id: "x" } },
        },
      }),
    );
    await client.putBlob(repo, lying);
    const wrapped = Buffer.from(
      JSON.stringify({
        ...body,
        layers: [{ mediaType: IN_TOTO, digest: sha256(lying), size: lying.length }],
      }),
    );
    await client.putManifest(repo, sha256(wrapped), wrapped, OCI_MANIFEST);
    const relisted = {
      ...referrers,
      manifests: referrers.manifests.map((m) =>
        m.digest === provenance?.digest
          ? { ...m, digest: sha256(wrapped), size: wrapped.length }
          : m,
      ),
    };
    await client.putManifest(repo, tag, Buffer.from(JSON.stringify(relisted)), OCI_INDEX);
    run = await runCli(["verify", ref, "--no-scan"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("multiarch: VERIFY_FAILED: ");
    expect(run.stderr).toContain(
      `the provenance's subject is ${arm64.digest}, not the platform's manifest ${amd64.digest}`,
    );

    // Put back as published: verify passes again (the failures came from the tampering).
    await client.putManifest(repo, tag, original.bytes, OCI_INDEX);
    expect((await runCli(["verify", ref, "--no-scan"])).code).toBe(0);
  });

  test("--sbom without syft fails ATTESTATION_FAILED, and no tag moves", async () => {
    const run = await runCli(
      [
        "publish",
        "--source",
        FIXTURE,
        "--address",
        `${REGISTRY}/${repo}`,
        "--tag",
        "nosyft",
        "--platforms",
        PLATFORMS.join(","),
        "--sbom",
      ],
      { env: { ...process.env, MULTIARCH_SYFT: "/nonexistent/syft" } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "multiarch: ATTESTATION_FAILED: --sbom needs syft, the SBOM generator, and /nonexistent/syft was not found.",
    );
    const tag = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/nosyft`, { method: "HEAD" });
    expect(tag.status).toBe(404);
  });
});

describe("verify of a buildx-laid index (attestation manifests as unknown/unknown entries)", () => {
  test("lists them as the attestations of the platform they reference, instead of failing", async () => {
    const client = new RegistryClient({ registry: REGISTRY });
    const repo = uniqueRepo("attest-buildx");
    // The platforms: the seeded busybox images, copied with skopeo.
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${REGISTRY}/library/busybox:latest`,
      `docker://${REGISTRY}/${repo}:base`,
    ]);
    const seed = inspectRaw(`${REGISTRY}/${repo}:base`);
    const platforms = (seed.json.manifests ?? []).filter((m) =>
      PLATFORMS.includes(`${m.platform?.os}/${m.platform?.architecture}`),
    );
    expect(platforms).toHaveLength(2);

    // As BuildKit lays them out: per platform, an image manifest (config os/arch unknown) whose
    // layers are in-toto statements, listed in the index as unknown/unknown with annotations.
    const attestations = [];
    for (const p of platforms) {
      const statement = Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          subject: [{ name: "_", digest: { sha256: p.digest.slice(7) } }],
          predicateType: "https://slsa.dev/provenance/v0.2",
          predicate: {},
        }),
      );
      const spdx = Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v0.1",
          subject: [{ name: "_", digest: { sha256: p.digest.slice(7) } }],
          predicateType: "https://spdx.dev/Document",
          predicate: { spdxVersion: "SPDX-2.3" },
        }),
      );
      const config = Buffer.from(
        JSON.stringify({
          architecture: "unknown",
          os: "unknown",
          config: {},
          rootfs: { type: "layers", diff_ids: [sha256(statement), sha256(spdx)] },
        }),
      );
      for (const b of [statement, spdx, config]) await client.putBlob(repo, b);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: sha256(config),
            size: config.length,
          },
          layers: [
            {
              mediaType: IN_TOTO,
              digest: sha256(statement),
              size: statement.length,
              annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
            },
            {
              mediaType: IN_TOTO,
              digest: sha256(spdx),
              size: spdx.length,
              annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" },
            },
          ],
        }),
      );
      await client.putManifest(repo, sha256(manifest), manifest, OCI_MANIFEST);
      attestations.push({
        mediaType: OCI_MANIFEST,
        digest: sha256(manifest),
        size: manifest.length,
        annotations: {
          "vnd.docker.reference.digest": p.digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
        platform: { architecture: "unknown", os: "unknown" },
      });
    }
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [...platforms, ...attestations],
      }),
    );
    await client.putManifest(repo, "buildx", index, OCI_INDEX);
    // skopeo sees the unknown/unknown entries buildx leaves in the index.
    const raw = inspectRaw(`${REGISTRY}/${repo}:buildx`);
    expect(raw.json.manifests?.filter((m) => m.platform?.os === "unknown")).toHaveLength(2);

    const run = await runCli([
      "verify",
      `${REGISTRY}/${repo}:buildx`,
      "--platforms",
      PLATFORMS.join(","),
      "--no-scan",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    for (const platform of PLATFORMS) {
      const line = lines.find((l) => l.trimStart().startsWith(platform));
      expect(line).toContain(
        "attestations: provenance https://slsa.dev/provenance/v0.2, sbom https://spdx.dev/Document (in the index, buildx)",
      );
    }
    expect(run.stdout).not.toContain("unknown/unknown");
  });
});
