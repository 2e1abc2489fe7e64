import { describe, expect, test } from "vitest";
import { ErrorCode, isMultiarchError } from "../../../src/common/errors.js";
import {
  assertDigest,
  assertRegistryHost,
  assertRepository,
  assertTagOrDigest,
  formatReference,
  parseReference,
  type ImageReference,
} from "../../../src/registry/reference.js";

const D = `sha256:${"a".repeat(64)}`;
const E = `sha256:${"0123456789abcdef".repeat(4)}`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("parseReference", () => {
  test.each<{ input: string; want: ImageReference }>([
    // Local registries: host:port is a registry because of the ':'.
    {
      input: "127.0.0.1:5000/hello:1.2",
      want: { registry: "127.0.0.1:5000", repository: "hello", tag: "1.2" },
    },
    {
      input: "127.0.0.1:5000/hello",
      want: { registry: "127.0.0.1:5000", repository: "hello", tag: "latest" },
    },
    {
      input: `localhost:5000/a/b@${D}`,
      want: { registry: "localhost:5000", repository: "a/b", digest: D },
    },
    // 'localhost' is a registry even without a port or a dot.
    { input: "localhost/app", want: { registry: "localhost", repository: "app", tag: "latest" } },
    {
      input: `ghcr.io/o/r:t@${E}`,
      want: { registry: "ghcr.io", repository: "o/r", tag: "t", digest: E },
    },
    {
      input: "registry.example.com/team/sub/app:v1.0.0-rc.1",
      want: { registry: "registry.example.com", repository: "team/sub/app", tag: "v1.0.0-rc.1" },
    },
    { input: "[::1]:5000/app:x", want: { registry: "[::1]:5000", repository: "app", tag: "x" } },
    // Docker Hub: no host-like first component; one-component names get library/.
    {
      input: "busybox",
      want: { registry: "docker.io", repository: "library/busybox", tag: "latest" },
    },
    {
      input: "busybox:1.36",
      want: { registry: "docker.io", repository: "library/busybox", tag: "1.36" },
    },
    {
      input: `busybox@${D}`,
      want: { registry: "docker.io", repository: "library/busybox", digest: D },
    },
    { input: "user/app", want: { registry: "docker.io", repository: "user/app", tag: "latest" } },
    {
      input: "docker.io/busybox",
      want: { registry: "docker.io", repository: "library/busybox", tag: "latest" },
    },
    {
      input: "index.docker.io/library/busybox:1",
      want: { registry: "docker.io", repository: "library/busybox", tag: "1" },
    },
    // Repository separators: '.', '_', '__' and runs of '-'.
    {
      input: "r.io/a.b_c__d---e/f",
      want: { registry: "r.io", repository: "a.b_c__d---e/f", tag: "latest" },
    },
    // Tags may use upper case and '_' (only repositories must be lower case).
    { input: "r.io/app:_Build_7", want: { registry: "r.io", repository: "app", tag: "_Build_7" } },
    {
      input: `r.io/app:${"t".repeat(128)}`,
      want: { registry: "r.io", repository: "app", tag: "t".repeat(128) },
    },
    // Surrounding whitespace is ignored.
    { input: "  r.io/app:1 \n", want: { registry: "r.io", repository: "app", tag: "1" } },
    // As with docker, a bare host:port is a Docker Hub image whose tag is the port.
    {
      input: "localhost:5000",
      want: { registry: "docker.io", repository: "library/localhost", tag: "5000" },
    },
  ])("$input", ({ input, want }) => {
    expect(parseReference(input)).toEqual(want);
  });

  test.each([
    { input: "", reason: "it is empty" },
    { input: "   ", reason: "it is empty" },
    { input: "http://127.0.0.1:5000/app", reason: "URL scheme" },
    { input: "r.io/App", reason: "must be lower case" },
    { input: "Busybox", reason: "must be lower case" },
    { input: "r.io/a//b", reason: "bad repository name" },
    { input: "r.io/-app", reason: "bad repository name" },
    { input: "r.io/app-", reason: "bad repository name" },
    { input: "r.io/a..b", reason: "bad repository name" },
    { input: "r.io/a___b", reason: "bad repository name" },
    { input: "r.io/", reason: "no repository name" },
    { input: ":tag", reason: "no repository name" },
    { input: "r.io/app:", reason: "bad tag" },
    { input: "r.io/app:.hidden", reason: "bad tag" },
    { input: "r.io/app:-x", reason: "bad tag" },
    { input: `r.io/app:${"t".repeat(129)}`, reason: "bad tag" },
    { input: "r.io/app:a+b", reason: "bad tag" },
    { input: "r.io/app@sha256:abc", reason: "bad digest" },
    { input: `r.io/app@sha256:${"A".repeat(64)}`, reason: "bad digest" },
    { input: `r.io/app@sha512:${"a".repeat(128)}`, reason: "bad digest" },
    { input: `r.io/app@${D}@${D}`, reason: "more than one '@'" },
    { input: "bad_host.io:5000/app", reason: "bad registry host" },
    { input: "-r.io/app", reason: "bad registry host" },
    { input: `r.io/${"a".repeat(251)}`, reason: "longer than 255" },
  ])("rejects $input ($reason)", ({ input, reason }) => {
    const e = thrown(() => parseReference(input));
    expect(isMultiarchError(e, ErrorCode.INVALID_INPUT)).toBe(true);
    const error = e as Error & { details: { given?: string; expected?: string } };
    expect(error.message).toContain(reason);
    // The message names the input and says what would be accepted.
    expect(error.message).toContain(JSON.stringify(input));
    expect(error.details.given).toBe(input);
    expect(error.details.expected).toBeTruthy();
  });
});

describe("formatReference", () => {
  test.each<{ ref: ImageReference; want: string }>([
    {
      ref: { registry: "127.0.0.1:5000", repository: "hello", tag: "1.2" },
      want: "127.0.0.1:5000/hello:1.2",
    },
    { ref: { registry: "r.io", repository: "a/b", digest: D }, want: `r.io/a/b@${D}` },
    { ref: { registry: "r.io", repository: "a", tag: "t", digest: D }, want: `r.io/a:t@${D}` },
    {
      ref: { registry: "docker.io", repository: "library/busybox" },
      want: "docker.io/library/busybox",
    },
  ])("$want", ({ ref, want }) => {
    expect(formatReference(ref)).toBe(want);
  });

  test.each([
    "127.0.0.1:5000/hello:1.2",
    `localhost:5000/a/b@${D}`,
    `ghcr.io/o/r:t@${E}`,
    "docker.io/library/busybox:latest",
  ])("round-trips %s", (input) => {
    expect(formatReference(parseReference(input))).toBe(input);
  });
});

describe("assertions used by the registry client", () => {
  test.each(["app", "a/b/c", "multiarch-test/registry-1"])("repository %s is valid", (repo) => {
    expect(() => assertRepository(repo)).not.toThrow();
  });

  test.each(["", "App", "a/", "/a", "a b"])("repository %j is invalid", (repo) => {
    expect(
      isMultiarchError(
        thrown(() => assertRepository(repo)),
        ErrorCode.INVALID_INPUT,
      ),
    ).toBe(true);
  });

  test.each(["latest", "1.2", D])("reference %s is a tag or digest", (ref) => {
    expect(() => assertTagOrDigest(ref)).not.toThrow();
  });

  test.each(["", "a/b", "sha256:abc", ".x"])("reference %j is neither", (ref) => {
    expect(
      isMultiarchError(
        thrown(() => assertTagOrDigest(ref)),
        ErrorCode.INVALID_INPUT,
      ),
    ).toBe(true);
  });

  test.each(["latest", "sha256:abc", `sha256:${"A".repeat(64)}`])("digest %j is invalid", (d) => {
    expect(
      isMultiarchError(
        thrown(() => assertDigest(d)),
        ErrorCode.INVALID_INPUT,
      ),
    ).toBe(true);
  });

  test.each(["127.0.0.1:5000", "localhost", "ghcr.io", "[::1]:5000", "Registry.Example.COM"])(
    "registry %s is valid",
    (host) => {
      expect(() => assertRegistryHost(host)).not.toThrow();
    },
  );

  test.each(["", "http://r.io", "r.io/path", "user:pw@r.io", "r.io:port"])(
    "registry %j is invalid",
    (host) => {
      expect(
        isMultiarchError(
          thrown(() => assertRegistryHost(host)),
          ErrorCode.INVALID_INPUT,
        ),
      ).toBe(true);
    },
  );
});
