// Docker's config.json read as the docker CLI reads it: which entry or helper serves a registry,
// how hosts match (schemes, paths, Docker Hub's names), and malformed files refused unprinted.
import { describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import {
  credentialSource,
  DOCKER_HUB_SERVER,
  parseDockerConfig,
  registryHost,
} from "../../../src/registry/docker-config.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const FILE = "/home/u/.docker/config.json";
const b64 = (text: string) => Buffer.from(text).toString("base64");
const source = (config: object, registry: string) =>
  credentialSource(parseDockerConfig(JSON.stringify(config), FILE), registry, FILE);

describe("registryHost", () => {
  test.each([
    ["ghcr.io", "ghcr.io"],
    ["https://ghcr.io", "ghcr.io"],
    ["http://127.0.0.1:5001/", "127.0.0.1:5001"],
    ["https://registry.example.com/v2/", "registry.example.com"],
    ["GHCR.IO", "ghcr.io"],
    [DOCKER_HUB_SERVER, "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
  ])("%s → %s", (key, host) => {
    expect(registryHost(key)).toBe(host);
  });
});

describe("credentialSource", () => {
  test("an auths entry's auth field is base64 of user:password (the password may hold ':')", () => {
    expect(
      source({ auths: { "127.0.0.1:5001": { auth: b64("ci:p:a:ss") } } }, "127.0.0.1:5001"),
    ).toEqual({
      kind: "entry",
      key: "127.0.0.1:5001",
      credentials: { kind: "password", username: "ci", password: "p:a:ss" },
    });
  });

  test("username and password fields serve when there is no auth field", () => {
    expect(
      source({ auths: { "https://ghcr.io": { username: "u", password: "p" } } }, "ghcr.io"),
    ).toMatchObject({ key: "https://ghcr.io", credentials: { username: "u", password: "p" } });
  });

  test("Docker Hub's credentials, stored under its v1 URL, serve docker.io images", () => {
    const config = { auths: { [DOCKER_HUB_SERVER]: { auth: b64("hub:pw") } } };
    expect(source(config, "docker.io")).toMatchObject({
      credentials: { username: "hub", password: "pw" },
    });
  });

  test("an exact key wins over another spelling of the same host", () => {
    const config = {
      auths: {
        "https://127.0.0.1:5001": { auth: b64("old:1") },
        "127.0.0.1:5001": { auth: b64("new:2") },
      },
    };
    expect(source(config, "127.0.0.1:5001")).toMatchObject({ key: "127.0.0.1:5001" });
  });

  test("another registry's entry, or another port, serves nothing", () => {
    const config = { auths: { "127.0.0.1:5000": { auth: b64("a:b") }, "ghcr.io": {} } };
    expect(source(config, "127.0.0.1:5001")).toBeUndefined();
    expect(source(config, "quay.io")).toBeUndefined();
  });

  test("an empty entry (a helper's marker) serves nothing", () => {
    expect(source({ auths: { "ghcr.io": {} } }, "ghcr.io")).toBeUndefined();
  });

  test("an identity token is kept as one", () => {
    expect(
      source({ auths: { "acr.example.io": { identitytoken: "rt" } } }, "acr.example.io"),
    ).toMatchObject({ credentials: { kind: "identity-token", token: "rt" } });
  });

  test("credHelpers for the host wins over credsStore, and both over auths", () => {
    const config = {
      auths: { "ghcr.io": { auth: b64("a:b") }, "quay.io": { auth: b64("c:d") } },
      credsStore: "desktop",
      credHelpers: { "https://ghcr.io": "gh" },
    };
    expect(source(config, "ghcr.io")).toEqual({
      kind: "helper",
      helper: "gh",
      serverUrl: "ghcr.io",
      configuredBy: "credHelpers",
    });
    expect(source(config, "quay.io")).toMatchObject({
      helper: "desktop",
      configuredBy: "credsStore",
    });
  });

  test("a helper is asked for Docker Hub by its v1 URL", () => {
    expect(source({ credHelpers: { "docker.io": "pass" } }, "docker.io")).toMatchObject({
      helper: "pass",
      serverUrl: DOCKER_HUB_SERVER,
    });
  });

  test("an empty credsStore is no store", () => {
    expect(
      source({ credsStore: "", auths: { "ghcr.io": { auth: b64("a:b") } } }, "ghcr.io"),
    ).toMatchObject({ kind: "entry" });
  });

  test("an auth field that is not user:password is INVALID_INPUT, the value unprinted", async () => {
    const auth = b64("no-colon-secret");
    const error = await expectMultiarchError(
      () => source({ auths: { "ghcr.io": { auth } } }, "ghcr.io"),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain(FILE);
    expect(error.message).not.toContain("no-colon-secret");
    expect(error.message).not.toContain(auth);
  });
});

describe("parseDockerConfig", () => {
  test("fields it does not use are ignored", () => {
    const config = parseDockerConfig(
      JSON.stringify({ auths: {}, psFormat: "table", proxies: { default: {} } }),
      FILE,
    );
    expect(config).toEqual({ auths: {} });
  });

  test("text that is not JSON is INVALID_INPUT naming the file", async () => {
    const error = await expectMultiarchError(
      () => parseDockerConfig("{auths:", FILE),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain(FILE);
  });

  test("a malformed field is INVALID_INPUT naming where, not its value", async () => {
    const error = await expectMultiarchError(
      () => parseDockerConfig(JSON.stringify({ auths: { "ghcr.io": { auth: 42 } } }), FILE),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain("auths.ghcr.io.auth");
    const helper = await expectMultiarchError(
      () => parseDockerConfig(JSON.stringify({ credHelpers: { "ghcr.io": "../evil" } }), FILE),
      ErrorCode.INVALID_INPUT,
    );
    expect(helper.message).toContain("credHelpers.ghcr.io");
  });
});
