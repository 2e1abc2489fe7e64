import { describe, expect, it } from "vitest";
import {
  checkProvenance,
  IN_TOTO_STATEMENT_TYPE,
  parseProvenanceSetting,
  provenanceStatement,
  publicBuildArgs,
  REDACTED_VALUE,
  SLSA_PROVENANCE_V1,
  type ProvenanceFacts,
} from "../../../src/attest/provenance.js";

const AMD64 = `sha256:${"a".repeat(64)}`;
const ARM64 = `sha256:${"b".repeat(64)}`;
const BASE = `sha256:${"c".repeat(64)}`;

const facts: ProvenanceFacts = {
  mode: "max",
  builderId: "https://ci.example/run/7",
  platform: "linux/amd64",
  repository: "127.0.0.1:5000/app",
  digest: AMD64,
  dockerfile: "build/Containerfile",
  source: {
    uri: "git+https://git.example/app.git",
    revision: "0123456789abcdef0123456789abcdef01234567",
  },
  baseImages: [{ reference: "docker.io/library/busybox:latest", digest: BASE }],
  buildArgs: { VERSION: "1.0" },
  startedOn: new Date("2026-01-01T00:00:00Z"),
  finishedOn: new Date("2026-01-01T00:01:00Z"),
};

describe("provenanceStatement", () => {
  it("is an in-toto v1 statement about the platform manifest, with a SLSA v1 predicate", () => {
    const statement = provenanceStatement(facts);
    expect(statement._type).toBe(IN_TOTO_STATEMENT_TYPE);
    expect(statement.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(statement.subject).toEqual([
      { name: "127.0.0.1:5000/app", digest: { sha256: "a".repeat(64) } },
    ]);
    const { buildDefinition, runDetails } = statement.predicate;
    expect(buildDefinition.externalParameters).toEqual({
      platform: "linux/amd64",
      dockerfile: "build/Containerfile",
      buildArgs: { VERSION: "1.0" },
    });
    expect(buildDefinition.resolvedDependencies).toEqual([
      { uri: "git+https://git.example/app.git", digest: { gitCommit: facts.source?.revision } },
      { uri: "pkg:docker/docker.io/library/busybox:latest", digest: { sha256: "c".repeat(64) } },
    ]);
    expect(runDetails.builder.id).toBe("https://ci.example/run/7");
    expect(runDetails.metadata).toEqual({
      startedOn: "2026-01-01T00:00:00.000Z",
      finishedOn: "2026-01-01T00:01:00.000Z",
    });
  });

  it("passes its own check, and fails it for another manifest or platform", () => {
    const bytes = Buffer.from(JSON.stringify(provenanceStatement(facts)));
    expect(checkProvenance(bytes, AMD64, "linux/amd64").ok).toBe(true);
    const other = checkProvenance(bytes, ARM64, "linux/amd64");
    expect(other).toEqual({
      ok: false,
      reason: `the provenance's subject is sha256:${"a".repeat(64)}, not the platform's manifest ${ARM64}`,
    });
    expect(checkProvenance(bytes, AMD64, "linux/arm64")).toEqual({
      ok: false,
      reason: "the provenance is for linux/amd64, not linux/arm64",
    });
  });

  it("names what is wrong with a statement that is not SLSA v1 or not JSON", () => {
    const v02 = {
      ...provenanceStatement(facts),
      predicateType: "https://slsa.dev/provenance/v0.2",
    };
    const result = checkProvenance(Buffer.from(JSON.stringify(v02)), AMD64, "linux/amd64");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain("predicateType");
    expect(checkProvenance(Buffer.from("{"), AMD64, "linux/amd64")).toEqual({
      ok: false,
      reason: "the provenance is not JSON",
    });
  });
});

describe("publicBuildArgs", () => {
  const args = { VERSION: "1.0", NPM_TOKEN: "t0ken", DB_PASSWORD: "pw", MIRROR: "hunter2" };

  it("max: values kept, except secret-looking names and values equal to a known secret", () => {
    expect(publicBuildArgs(args, "max", ["hunter2"])).toEqual({
      DB_PASSWORD: REDACTED_VALUE,
      MIRROR: REDACTED_VALUE,
      NPM_TOKEN: REDACTED_VALUE,
      VERSION: "1.0",
    });
  });

  it("min: names only", () => {
    expect(Object.values(publicBuildArgs(args, "min"))).toEqual(Array(4).fill(REDACTED_VALUE));
  });
});

describe("parseProvenanceSetting", () => {
  it.each([
    ["true", "min"],
    ["1", "min"],
    ["mode=min", "min"],
    ["mode=max", "max"],
    ["max", "max"],
    ["false", false],
    ["0", false],
    ["mode=full", undefined],
    ["", undefined],
  ] as const)("%j → %j", (given, expected) => {
    expect(parseProvenanceSetting(given)).toBe(expected);
  });
});
