// An engine failure while building a platform, as the user is told of it.
import { ExecError } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { buildFailure } from "../../../src/engine/build-failure.js";
import { execFailure } from "../../../src/engine/exec-failure.js";

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

describe("a lost engine", () => {
  it.each(["UnknownDaggerError", "NotAwaitedRequestError", "EngineSessionError"])(
    "%s (no GraphQL answer at all) is ENGINE_UNAVAILABLE, not BUILD_FAILED",
    (name) => {
      const lost = Object.assign(
        new Error("Encountered an unknown error while requesting data via graphql"),
        { name },
      );
      const e = buildFailure(lost, "linux/arm64", true);
      expect(e.code).toBe(ErrorCode.ENGINE_UNAVAILABLE);
      expect(e.details.platform).toBe("linux/arm64");
      expect(e.message).toContain("Lost the Dagger engine while building linux/arm64");
    },
  );

  it("keeps a GraphQL error from the engine (a bad request, a failed solve) a BUILD_FAILED", () => {
    const answered = Object.assign(new Error("failed to solve: exit code: 3"), {
      name: "GraphQLRequestError",
    });
    expect(buildFailure(answered, "linux/s390x", true).code).toBe(ErrorCode.BUILD_FAILED);
  });
});

describe("execFailure", () => {
  it("reads the SDK's ExecError by its shape", () => {
    const error = new ExecError("failed", {
      cmd: ["false"],
      exitCode: 1,
      stdout: "o",
      stderr: "e",
    });
    expect(execFailure(error)).toEqual({ cmd: ["false"], exitCode: 1, stdout: "o", stderr: "e" });
  });

  it("reads an ExecError made by another copy of the SDK (a module's generated sdk/)", () => {
    const foreign = Object.assign(new Error("failed"), {
      name: "ExecError",
      cmd: ["sh", "-c", "exit 3"],
      exitCode: 3,
      stdout: "",
      stderr: "boom",
    });
    expect(execFailure(foreign)?.exitCode).toBe(3);
    expect(buildFailure(foreign, "linux/arm64", false).details).toMatchObject({
      exitCode: 3,
      stderr: "boom",
    });
  });

  it("is undefined for any other error", () => {
    expect(execFailure(new Error("exit code: 3"))).toBeUndefined();
    expect(execFailure("ExecError")).toBeUndefined();
  });
});
