// Pure pieces of the SDK core: build args, K=V lists, probe classification, failure mapping.
import { ExecError } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ociAnnotations } from "../../src/plan/annotations.js";
import { buildFailure } from "../../src/engine/build-platform.js";
import { planBuildArgs } from "../../src/plan/build-args.js";
import { acceptedMachines, classify } from "../../src/engine/emulation.js";
import { ErrorCode, isMultiarchError, type MultiarchError } from "../../src/common/errors.js";
import { parseKeyValues } from "../../src/common/key-value.js";
import { parseOptions } from "../../src/common/parse-options.js";
import { parsePlatform } from "../../src/platform/platform.js";

const amd64 = parsePlatform("linux/amd64");

describe("planBuildArgs", () => {
  it("pins BUILD* to the engine's platform and keeps the caller's args", () => {
    expect(planBuildArgs(amd64, { VERSION: "1.2" })).toEqual([
      { name: "BUILDPLATFORM", value: "linux/amd64" },
      { name: "BUILDOS", value: "linux" },
      { name: "BUILDARCH", value: "amd64" },
      { name: "BUILDVARIANT", value: "" },
      { name: "VERSION", value: "1.2" },
    ]);
  });

  it("lets the caller override BUILDPLATFORM", () => {
    const args = planBuildArgs(amd64, { BUILDPLATFORM: "linux/arm64" });
    expect(args.find((a) => a.name === "BUILDPLATFORM")?.value).toBe("linux/arm64");
  });

  it("names an arm build machine with its variant", () => {
    const args = planBuildArgs(parsePlatform("armv7"), {});
    expect(args.find((a) => a.name === "BUILDVARIANT")?.value).toBe("v7");
  });
});

describe("parseKeyValues", () => {
  it.each([
    [["A=1"], { A: "1" }],
    [["A="], { A: "" }],
    [["URL=http://x/?a=b"], { URL: "http://x/?a=b" }],
    [["A=1", "A=2"], { A: "2" }],
    [[], {}],
  ])("%j → %j", (items, expected) => {
    expect(parseKeyValues("build arg", items)).toEqual(expected);
  });

  it.each(["A", "=1", "A B=1", " =x"])("rejects %j with INVALID_INPUT naming it", (item) => {
    let error: unknown;
    try {
      parseKeyValues("build arg", [item]);
    } catch (e) {
      error = e;
    }
    expect(isMultiarchError(error, ErrorCode.INVALID_INPUT)).toBe(true);
    expect((error as Error).message).toContain("Malformed build arg");
    expect((error as Error).message).toContain(JSON.stringify(item));
  });
});

describe("classify", () => {
  it.each([
    ["linux/amd64", "x86_64", "native"],
    ["linux/386", "x86_64", "native"],
    ["linux/386", "i686", "native"],
    ["linux/arm64", "aarch64", "emulated"],
    ["linux/arm/v7", "armv7l", "emulated"],
    ["linux/arm/v5", "armv7l", "emulated"],
    ["linux/s390x", "s390x", "emulated"],
  ])("%s running as %s is %s", (platform, machine, mode) => {
    expect(classify(amd64, parsePlatform(platform), { machine })).toEqual({
      platform,
      mode,
      machine,
    });
  });

  it("calls a probe that ran as the wrong machine unavailable, saying what it saw", () => {
    const result = classify(amd64, parsePlatform("linux/arm64"), { machine: "x86_64" });
    expect(result.mode).toBe("unavailable");
    expect(result.reason).toContain("ran as x86_64, expected aarch64");
  });

  it("calls a probe that failed unavailable, keeping the error", () => {
    const result = classify(amd64, parsePlatform("linux/s390x"), { error: "exec format error" });
    expect(result).toEqual({
      platform: "linux/s390x",
      mode: "unavailable",
      reason: "exec format error",
    });
  });

  it("knows what QEMU's arm CPU reports for the older variants", () => {
    expect(acceptedMachines(parsePlatform("arm/v6"))).toEqual(["armv6l", "armv7l"]);
  });
});

describe("buildFailure", () => {
  const exec = (exitCode: number, stderr: string) =>
    new ExecError("process did not complete successfully", {
      cmd: ["sh", "-c", "make"],
      exitCode,
      stdout: "",
      stderr,
    });

  it("keeps platform, exit code and stderr in BUILD_FAILED", () => {
    const e = buildFailure(exec(2, "make: *** Error 2"), "linux/arm64", true);
    expect(e.code).toBe(ErrorCode.BUILD_FAILED);
    expect(e.details).toMatchObject({
      platform: "linux/arm64",
      exitCode: 2,
      stderr: "make: *** Error 2",
    });
    expect(e.message).toContain("linux/arm64");
  });

  it.each([139, 132])("reports exit %i of an emulated step as QEMU_CRASH", (code) => {
    const e = buildFailure(exec(code, "qemu: uncaught target signal 11"), "linux/s390x", true);
    expect(e.code).toBe(ErrorCode.QEMU_CRASH);
    expect(e.message).toContain("linux/s390x");
    expect(e.details.hint).toContain("cross-compile");
  });

  it("keeps a native step's segfault a BUILD_FAILED", () => {
    expect(buildFailure(exec(139, ""), "linux/amd64", false).code).toBe(ErrorCode.BUILD_FAILED);
  });

  it("reads the exit code out of an engine message when there is no ExecError", () => {
    const e = buildFailure(new Error("failed to solve: exit code: 3"), "linux/ppc64le", true);
    expect(e.details.exitCode).toBe(3);
  });

  it("scrubs secrets out of stderr and message", () => {
    const e = buildFailure(exec(1, "login with hunter2 failed"), "linux/amd64", false, ["hunter2"]);
    expect(JSON.stringify(e.details) + e.message).not.toContain("hunter2");
  });
});

describe("ociAnnotations", () => {
  it("maps friendly names to org.opencontainers.image.* keys", () => {
    expect(ociAnnotations({ version: "1.2.3", revision: "abc", created: 1_700_000_000 })).toEqual({
      "org.opencontainers.image.version": "1.2.3",
      "org.opencontainers.image.revision": "abc",
      "org.opencontainers.image.created": "2023-11-14T22:13:20.000Z",
    });
  });
});

describe("parseOptions", () => {
  const schema = z.object({ tags: z.array(z.string()).default(["latest"]) });

  it("returns the typed, defaulted value", () => {
    expect(parseOptions(schema, {}, "publish options")).toEqual({ tags: ["latest"] });
  });

  it("turns what does not parse into INVALID_INPUT saying what was given and expected", () => {
    let error: unknown;
    try {
      parseOptions(schema, { tags: "v1" }, "publish options", "tags is a list");
    } catch (e) {
      error = e;
    }
    expect(isMultiarchError(error, ErrorCode.INVALID_INPUT)).toBe(true);
    expect((error as Error).message).toContain("Invalid publish options.");
    expect((error as MultiarchError).details.given).toBe('{"tags":"v1"}');
    expect((error as Error).message).toContain("tags");
    expect((error as Error).message).toContain("tags is a list");
  });
});
