// Reading where a Dockerfile's steps run, and what that makes of each platform's build.
import { describe, expect, it } from "vitest";
import { buildMode, dockerfileExecution } from "../../../src/plan/dockerfile-stages.js";

describe("dockerfileExecution", () => {
  it.each([
    ["FROM busybox\nCOPY a /a\n", false, false],
    ["FROM busybox\nRUN uname -m > /m\n", true, false],
    [
      "FROM --platform=$BUILDPLATFORM debian AS b\nRUN make\nFROM busybox\nCOPY --from=b /x /x\n",
      false,
      true,
    ],
    [
      "FROM --platform=${BUILDPLATFORM} debian AS b\nRUN make\nFROM busybox\nRUN true\n",
      true,
      true,
    ],
    ["# syntax comment\nfrom --platform=$BUILDPLATFORM debian\nrun \\\n  make\n", false, true],
    ["FROM --platform=$TARGETPLATFORM debian\nRUN make\n", true, false],
    ["FROM debian\n# RUN not really\nCOPY . .\n", false, false],
    [
      "FROM --platform=$BUILDPLATFORM debian AS tools\nRUN apt-get install gcc\nFROM tools AS build\nRUN make\nFROM busybox\nCOPY --from=build /app /app\n",
      false,
      true,
    ],
    ["FROM debian AS base\nFROM base\nRUN make\n", true, false],
    // A heredoc's body is data: a FROM or RUN line inside it starts no stage and runs nothing.
    [
      "FROM --platform=$BUILDPLATFORM debian AS b\nRUN <<EOF\nmake\nFROM busybox\nRUN true\nEOF\nFROM busybox\nCOPY --from=b /x /x\n",
      false,
      true,
    ],
    [
      "FROM --platform=$BUILDPLATFORM debian AS b\nCOPY <<-EOT /Containerfile\n\tFROM busybox\n\tRUN make\n\tEOT\nRUN <<A cat && <<B cat\na\nA\nFROM x\nRUN y\nB\nFROM busybox\nCOPY --from=b /x /x\n",
      false,
      true,
    ],
    // A heredoc in a target stage still runs there.
    ["FROM busybox\nRUN <<EOF\nuname -m > /m\nEOF\n", true, false],
    // `# escape=`: the backtick continues lines, and a backslash is an ordinary character.
    [
      "# escape=`\nFROM --platform=$BUILDPLATFORM debian AS b\nRUN echo `\n  make\nFROM busybox\nCOPY --from=b C:\\out\\ /x\n",
      false,
      true,
    ],
    // Without the directive the same backtick continues nothing: `FROM busybox` stays its own line.
    ["FROM debian\nRUN echo `\nFROM --platform=$BUILDPLATFORM busybox\nCOPY . .\n", true, false],
  ])("%j → target runs %s, build platform runs %s", async (text, targetRuns, buildPlatformRuns) => {
    expect(await dockerfileExecution(text)).toEqual({ targetRuns, buildPlatformRuns });
  });

  it("reads the repository's own fixtures", async () => {
    const cross =
      "FROM --platform=$BUILDPLATFORM busybox AS tools\nRUN mkdir /out\nFROM busybox\nCOPY --from=tools /out/ /info/\nRUN uname -m > /info/target-machine\n";
    expect(await dockerfileExecution(cross)).toEqual({ targetRuns: true, buildPlatformRuns: true });
  });
});

describe("buildMode", () => {
  it.each([
    [true, { targetRuns: true, buildPlatformRuns: false }, "native"],
    [false, { targetRuns: true, buildPlatformRuns: true }, "emulated"],
    [false, { targetRuns: false, buildPlatformRuns: true }, "cross"],
    [false, { targetRuns: false, buildPlatformRuns: false }, "cross"],
    [false, undefined, "emulated"],
  ] as const)("natively %s, %j → %s", (native, execution, mode) => {
    expect(buildMode(native, execution)).toBe(mode);
  });
});
