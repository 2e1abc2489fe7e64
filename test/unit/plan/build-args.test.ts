// What one platform's Dockerfile build is given.
import { describe, expect, it } from "vitest";
import { planBuildArgs } from "../../../src/plan/build-args.js";
import { parsePlatform } from "../../../src/platform/platform.js";

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
