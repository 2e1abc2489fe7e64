// What `dagger call` shows of a failure: the module runtime passes on only the message.
import { describe, expect, it } from "vitest";
import { ErrorCode, MultiarchError } from "../../../src/common/errors.js";
import { reportsErrorCodes, withCode } from "../../../src/module/error-codes.js";

describe("module failures carry their code in the message", () => {
  it("prefixes a MultiarchError's message with its code, keeping it as the cause", () => {
    const error = new MultiarchError(ErrorCode.AUTH_FAILED, "Registry r refused the credentials.", {
      secrets: ["hunter2"],
      hint: "check hunter2",
    });
    const shown = withCode(error) as Error;
    expect(shown.message.split("\n")[0]).toBe("AUTH_FAILED: Registry r refused the credentials.");
    expect(shown.message).not.toContain("hunter2");
    expect(shown.cause).toBe(error);
  });

  it("passes any other error unchanged", () => {
    const error = new TypeError("x is undefined");
    expect(withCode(error)).toBe(error);
  });

  it("applies to a decorated method's rejections, not to its results", async () => {
    class Fns {
      @reportsErrorCodes()
      fail(code: ErrorCode): Promise<string> {
        return Promise.reject(new MultiarchError(code, "The build for linux/s390x failed."));
      }

      @reportsErrorCodes()
      succeed(): Promise<string> {
        return Promise.resolve("ok");
      }
    }
    await expect(new Fns().fail(ErrorCode.BUILD_FAILED)).rejects.toThrow(
      "BUILD_FAILED: The build for linux/s390x failed.",
    );
    await expect(new Fns().succeed()).resolves.toBe("ok");
  });
});
