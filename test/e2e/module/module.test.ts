// The Dagger module's object (src/module), driven as a library on the real engine and registry
// (`dagger call` itself cannot run offline: the TypeScript module runtime pulls its images), read
// back with skopeo.
import { connection, dag } from "@dagger.io/dagger";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode, isMultiarchError } from "../../../src/index.js";
import { MultiarchRunMode } from "../../../src/module/emulation-report.js";
import { MultiarchCompression, MultiarchMediaTypes } from "../../../src/module/formats.js";
import { Multiarch } from "../../../src/module/multiarch.js";
import { MultiarchBuildMode, type MultiarchPublished } from "../../../src/module/published.js";
import { indexPlatforms, inspectRaw, uniqueRepo } from "../support/oci.js";
import { authRegistry } from "../support/testbed.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const REGISTRY = "127.0.0.1:5000";
const TWO = ["linux/amd64", "linux/arm64"];
const REF_WITH_DIGEST = /^(?<repo>.+):(?<tag>[\w][\w.-]*)@(?<digest>sha256:[0-9a-f]{64})$/;

/** `repo:tag@digest` → its parts; fails the test when it is not one. */
function splitRef(ref: string): { repo: string; tag: string; digest: string } {
  const groups = REF_WITH_DIGEST.exec(ref)?.groups;
  expect(groups, `${ref} is not repo:tag@sha256:...`).toBeDefined();
  return {
    repo: groups?.["repo"] ?? "",
    tag: groups?.["tag"] ?? "",
    digest: groups?.["digest"] ?? "",
  };
}

describe("Multiarch (the Dagger module's main object)", () => {
  const dir = mkdtempSync(join(tmpdir(), "multiarch-module-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe("buildPlatform() per platform → publishIndex(), verify(); build() → an OCI archive", () => {
    const repo = `${REGISTRY}/${uniqueRepo("module")}`;
    const archive = join(dir, "image.tar");
    let ref = "";
    let verified = "";
    let variantPlatforms: string[] = [];
    let modes: string[][] = [];

    it("builds one container per platform and publishes them as one index", async () => {
      await connection(async () => {
        const multiarch = await new Multiarch().withEmulation(TWO);
        const source = dag.host().directory(fixture("cross"));
        const variants = await Promise.all(TWO.map((p) => multiarch.buildPlatform(source, p)));
        variantPlatforms = await Promise.all(variants.map((c) => c.platform()));
        const published = await multiarch.publishIndex(variants, repo, ["v1", "latest"]);
        ref = published.refs[0] ?? "";
        modes = published.platforms.map((p) => [p.platform, p.mode]);
        verified = await multiarch.verify(`${repo}:latest`, TWO);
        await (await multiarch.build(source, TWO)).export(archive);
      });
      expect(variantPlatforms).toEqual(TWO);
      // What withEmulation found: arm64 under QEMU. A container of the caller's own is taken
      // as emulated wherever it is foreign: the module cannot see which of its steps ran.
      expect(modes).toEqual([
        ["linux/amd64", MultiarchBuildMode.NATIVE],
        ["linux/arm64", MultiarchBuildMode.EMULATED],
      ]);
      expect(splitRef(ref)).toMatchObject({ repo, tag: "v1" });
    });

    it("serves that digest under both tags, with exactly the two platforms", () => {
      const { digest } = splitRef(ref);
      const v1 = inspectRaw(`${repo}:v1`);
      expect(v1.digest).toBe(digest);
      expect(inspectRaw(`${repo}:latest`).digest).toBe(digest);
      expect(v1.json.mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect([...indexPlatforms(v1)].sort()).toEqual(TWO);
    });

    it("verify() reports the served index as OK, one line per platform", () => {
      const { digest } = splitRef(ref);
      const lines = verified.trimEnd().split("\n");
      expect(lines[0]).toBe(`${repo}:latest@${digest}: OK`);
      expect(lines.slice(1, 1 + TWO.length).map((l) => l.trim().split(/\s+/)[0])).toEqual(TWO);
    });

    it("build() returns an OCI archive that skopeo reads with both platforms", () => {
      const raw = JSON.parse(
        execFileSync("skopeo", ["inspect", "--raw", `oci-archive:${archive}`], {
          encoding: "utf8",
        }),
      ) as { manifests: { platform: { os: string; architecture: string } }[] };
      expect(raw.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(TWO);
    });
  });

  it("verify() fails with VERIFY_FAILED when the registry holds other platforms", async () => {
    const repo = `${REGISTRY}/${uniqueRepo("module-verify")}`;
    let error: unknown;
    await connection(async () => {
      const multiarch = new Multiarch();
      const source = dag.host().directory(fixture("cross"));
      const one = await multiarch.buildPlatform(source, "linux/amd64");
      await multiarch.publishIndex([one], `${repo}:v1`);
      error = await multiarch.verify(`${repo}:v1`, TWO).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    // What dagger call shows: the code, then the message; the library's error is the cause.
    const shown = error as Error;
    expect(shown.message).toMatch(/^VERIFY_FAILED: /);
    expect(isMultiarchError(shown.cause, ErrorCode.VERIFY_FAILED)).toBe(true);
    expect(shown.message).toContain("not an image index");
    expect(shown.message).toContain("linux/arm64");
  });

  it("publish() in one call: build args, annotations, Docker media types, credentials", async () => {
    const auth = authRegistry();
    const repo = `${auth.address}/${uniqueRepo("module-publish")}`;
    let ref = "";
    await connection(async () => {
      const published = await new Multiarch().publish(
        dag.host().directory(fixture("cross")),
        `${repo}:1.0.0`,
        ["amd64", "arm64"],
        [],
        "Dockerfile",
        undefined,
        ["UNUSED=1"],
        ["org.opencontainers.image.version=1.0.0"],
        auth.username,
        dag.setSecret("module-registry-password", auth.password),
        false,
        true,
        MultiarchMediaTypes.DOCKER,
        MultiarchCompression.ZSTD,
      );
      ref = published.refs[0] ?? "";
    });
    const { digest, tag } = splitRef(ref);
    expect(tag).toBe("1.0.0");
    const raw = inspectRaw(`${repo}:1.0.0`, auth);
    expect(raw.digest).toBe(digest);
    expect(raw.json.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    expect([...indexPlatforms(raw)].sort()).toEqual(TWO);
    const entries = raw.json.manifests ?? [];
    for (const entry of entries) {
      const annotated = entry as { annotations?: Record<string, string> };
      expect(annotated.annotations?.["org.opencontainers.image.version"]).toBe("1.0.0");
      const manifest = inspectRaw(`${repo}@${entry.digest}`, auth).json as {
        layers: { mediaType: string }[];
      };
      for (const layer of manifest.layers)
        expect(layer.mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.zstd");
    }
  });

  it("withEmulation() remembers how the engine runs each platform, for what is chained after", async () => {
    let checked: { platform: string; mode: string; machine: string }[] = [];
    await connection(async () => {
      const multiarch = await new Multiarch().withEmulation(["amd64", "arm64", "s390x"]);
      // A second check adds to the first; a platform checked again takes the new answer.
      const again = await multiarch.withEmulation(["ppc64le", "s390x"]);
      checked = again.checked.map((p) => ({
        platform: p.platform,
        mode: p.mode,
        machine: p.machine,
      }));
    });
    expect(checked).toEqual([
      { platform: "linux/amd64", mode: MultiarchRunMode.NATIVE, machine: "x86_64" },
      { platform: "linux/arm64", mode: MultiarchRunMode.EMULATED, machine: "aarch64" },
      { platform: "linux/ppc64le", mode: MultiarchRunMode.EMULATED, machine: "ppc64le" },
      { platform: "linux/s390x", mode: MultiarchRunMode.EMULATED, machine: "s390x" },
    ]);
  });

  it("withEmulation() fails naming a platform the engine cannot run", async () => {
    let error: unknown;
    await connection(async () => {
      error = await new Multiarch().withEmulation(["amd64", "riscv64"]).then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect((error as Error).message).toMatch(/^EMULATION_UNAVAILABLE: /);
    expect(isMultiarchError((error as Error).cause, ErrorCode.EMULATION_UNAVAILABLE)).toBe(true);
    expect((error as Error).message).toContain("linux/riscv64");
  });

  it("publishIndex() takes the caller's own containers, reads their platforms, uses chained credentials", async () => {
    const auth = authRegistry();
    const repo = `${auth.address}/${uniqueRepo("module-index")}`;
    let published: MultiarchPublished | undefined;
    await connection(async () => {
      const multiarch = (await new Multiarch().withEmulation(TWO)).withRegistryAuth(
        auth.address,
        auth.username,
        dag.setSecret("module-index-password", auth.password),
      );
      // Another team's pipeline: no Dockerfile, one container per platform.
      const variants = TWO.map((platform) =>
        dag
          .container({ platform: platform as never })
          .from("busybox:latest")
          .withNewFile("/etc/built-for", platform),
      );
      published = await multiarch.publishIndex(variants, repo, ["a", "b"]);
    });
    expect(published?.refs.map((r) => splitRef(r).tag)).toEqual(["a", "b"]);
    expect(published?.platforms.map((p) => [p.platform, p.mode])).toEqual([
      ["linux/amd64", MultiarchBuildMode.NATIVE],
      ["linux/arm64", MultiarchBuildMode.EMULATED],
    ]);
    const raw = inspectRaw(`${repo}:b`, auth);
    expect(raw.digest).toBe(published?.digest);
    expect([...indexPlatforms(raw)].sort()).toEqual(TWO);
    expect(published?.summary()).toContain(`index  ${published?.digest ?? ""}`);
  });
});
