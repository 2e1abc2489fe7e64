// verify() against a scripted registry: which registry failures are findings about the image
// (VERIFY_FAILED, named in the report) and which mean the registry could not be read at all.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { sha256Digest } from "../../../src/registry/digest.js";
import { MediaType } from "../../../src/registry/media-types.js";
import { verify, VerifyError } from "../../../src/verify/verify.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const REPO = "127.0.0.1:5000/app";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const CONFIG = json({ os: "linux", architecture: "amd64", rootfs: { type: "layers" } });
const LAYER = Buffer.from("not scanned in these tests");
const MANIFEST = json({
  schemaVersion: 2,
  mediaType: MediaType.OCI_MANIFEST,
  config: { mediaType: MediaType.OCI_CONFIG, digest: sha256Digest(CONFIG), size: CONFIG.length },
  layers: [
    {
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: sha256Digest(LAYER),
      size: LAYER.length,
    },
  ],
});
const INDEX = json({
  schemaVersion: 2,
  mediaType: MediaType.OCI_INDEX,
  manifests: [
    {
      mediaType: MediaType.OCI_MANIFEST,
      digest: sha256Digest(MANIFEST),
      size: MANIFEST.length,
      platform: { os: "linux", architecture: "amd64" },
    },
  ],
});

/** What the registry serves by path; a test overrides one path to break it. */
let overrides: Map<string, (method: string) => Response>;

function serve(bytes: Buffer, mediaType = "application/octet-stream"): Response {
  return new Response(bytes, { headers: { "Content-Type": mediaType } });
}

const registry = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const path = new URL(input instanceof Request ? input.url : input).pathname;
  const override = overrides.get(path);
  if (override !== undefined) return Promise.resolve(override(init?.method ?? "GET"));
  const answers: Record<string, () => Response> = {
    "/v2/app/manifests/v1": () => serve(INDEX, MediaType.OCI_INDEX),
    [`/v2/app/manifests/${sha256Digest(MANIFEST)}`]: () => serve(MANIFEST, MediaType.OCI_MANIFEST),
    [`/v2/app/blobs/${sha256Digest(CONFIG)}`]: () => serve(CONFIG),
    [`/v2/app/blobs/${sha256Digest(LAYER)}`]: () => serve(LAYER),
  };
  return Promise.resolve(answers[path]?.() ?? new Response(null, { status: 404 }));
};

const options = { platforms: "linux/amd64", scanBinaries: false, layerCache: false } as const;

beforeEach(() => {
  overrides = new Map();
  vi.stubGlobal("fetch", registry);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("verify on a scripted registry", () => {
  it("passes the image as served", async () => {
    const report = await verify(`${REPO}:v1`, options);
    expect(report.problems).toEqual([]);
    expect(report.platforms.map((p) => p.config)).toEqual(["linux/amd64"]);
  });

  it("names a config whose bytes are not its digest as a problem of that platform", async () => {
    overrides.set(`/v2/app/blobs/${sha256Digest(CONFIG)}`, () => serve(json({ os: "tampered" })));
    const error = await expectMultiarchError(
      verify(`${REPO}:v1`, options),
      ErrorCode.VERIFY_FAILED,
    );
    const report = (error as VerifyError).report;
    expect(report.problems.map((p) => [p.kind, p.platform])).toEqual([
      ["malformed", "linux/amd64"],
    ]);
    expect(error.message).toContain(`linux/amd64: For blob ${sha256Digest(CONFIG)}`);
    expect(error.message).toContain("the registry served bytes whose digest is");
  });

  it("names an index entry whose manifest bytes are not its digest", async () => {
    overrides.set(`/v2/app/manifests/${sha256Digest(MANIFEST)}`, () =>
      serve(json({ schemaVersion: 2 }), MediaType.OCI_MANIFEST),
    );
    const report = await verify(`${REPO}:v1`, { ...options, throwOnProblem: false });
    expect(report.problems.map((p) => [p.kind, p.platform])).toEqual([
      ["malformed", "linux/amd64"],
    ]);
  });

  it("names a config that is not JSON", async () => {
    const garbage = Buffer.from("\u0000\u0001");
    const manifest = json({
      ...(JSON.parse(MANIFEST.toString()) as object),
      config: { mediaType: MediaType.OCI_CONFIG, digest: sha256Digest(garbage), size: 2 },
    });
    const index = json({
      ...(JSON.parse(INDEX.toString()) as object),
      manifests: [
        {
          mediaType: MediaType.OCI_MANIFEST,
          digest: sha256Digest(manifest),
          size: manifest.length,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    });
    overrides.set("/v2/app/manifests/v1", () => serve(index, MediaType.OCI_INDEX));
    overrides.set(`/v2/app/manifests/${sha256Digest(manifest)}`, () =>
      serve(manifest, MediaType.OCI_MANIFEST),
    );
    overrides.set(`/v2/app/blobs/${sha256Digest(garbage)}`, () => serve(garbage));
    const report = await verify(`${REPO}:v1`, { ...options, throwOnProblem: false });
    expect(report.problems).toEqual([
      {
        platform: "linux/amd64",
        kind: "malformed",
        message: expect.stringContaining("is not JSON") as string,
      },
    ]);
  });

  it("checks a lone image manifest's config platform against the platforms asked for", async () => {
    const report = await verify(`${REPO}@${sha256Digest(MANIFEST)}`, {
      ...options,
      platforms: "linux/amd64,linux/arm64",
      throwOnProblem: false,
    });
    expect(report.platforms.map((p) => [p.platform, p.config])).toEqual([
      ["linux/amd64", "linux/amd64"],
    ]);
    expect(report.problems.map((p) => [p.kind, p.platform])).toEqual([
      ["not-an-index", undefined],
      ["missing-platform", "linux/arm64"],
    ]);
  });

  it.each([
    { username: "alice", password: undefined },
    { username: undefined, password: "s3cret-pw" },
  ])(
    "half credentials ($username / $password) are INVALID_INPUT before any request",
    async (login) => {
      const requests = vi.fn(registry);
      vi.stubGlobal("fetch", requests);
      const error = await expectMultiarchError(
        verify(`${REPO}:v1`, {
          ...options,
          ...(login.username === undefined ? {} : { username: login.username }),
          ...(login.password === undefined ? {} : { password: login.password }),
        }),
        ErrorCode.INVALID_INPUT,
      );
      expect(error.message).not.toContain("s3cret-pw");
      expect(requests).not.toHaveBeenCalled();
    },
  );

  it("a registry that fails to answer is REGISTRY_ERROR, not a verification verdict", async () => {
    // The blob is there (HEAD), but downloading it fails.
    overrides.set(`/v2/app/blobs/${sha256Digest(CONFIG)}`, (method) =>
      method === "HEAD" ? serve(CONFIG) : new Response("storage unavailable", { status: 503 }),
    );
    const error = await expectMultiarchError(
      verify(`${REPO}:v1`, { ...options, retries: 0 }),
      ErrorCode.REGISTRY_ERROR,
      {
        status: 503,
        operation: "GET blob",
      },
    );
    expect(error).not.toBeInstanceOf(VerifyError);
  });
});
