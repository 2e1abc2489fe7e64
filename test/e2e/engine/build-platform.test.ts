// buildPlatform on the real engine: the BUILDPLATFORM work-around, and both ways to build.
import { connection, dag, type Platform as DaggerPlatform } from "@dagger.io/dagger";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildPlatform, ErrorCode, formatPlatform, isMultiarchError } from "../../../src/index.js";

const cross = fileURLToPath(new URL("../../fixtures/cross", import.meta.url));

describe("buildPlatform", () => {
  it("needs its work-around: plain dockerBuild runs the BUILDPLATFORM stage as the target", async () => {
    let plain = "";
    let ours = "";
    await connection(async () => {
      const source = dag.host().directory(cross);
      plain = await source
        .dockerBuild({ platform: "linux/arm64" as DaggerPlatform })
        .file("/info/build-machine")
        .contents();
      ours = await (
        await buildPlatform(source, "linux/arm64")
      )
        .file("/info/build-machine")
        .contents();
    });
    expect(plain.trim()).toBe("aarch64"); // dagger PR 13571: emulated, uncached across targets
    expect(ours.trim()).toBe("x86_64");
  });

  it("builds from the caller's own pipeline, one container per platform", async () => {
    let machine = "";
    await connection(async () => {
      const ctr = await buildPlatform(
        (platform, client) =>
          client
            .container({ platform: formatPlatform(platform) as DaggerPlatform })
            .from("busybox")
            .withExec(["sh", "-c", "uname -m > /machine"]),
        "linux/s390x",
      );
      machine = await ctr.file("/machine").contents();
    });
    expect(machine.trim()).toBe("s390x");
  });

  it("rejects a missing Dockerfile before building, naming the path", async () => {
    let error: unknown;
    await connection(async () => {
      error = await buildPlatform(dag.host().directory(cross), "linux/arm64", {
        dockerfile: "nope/Dockerfile",
      }).catch((e: unknown) => e);
    });
    expect(isMultiarchError(error, ErrorCode.INVALID_INPUT)).toBe(true);
    expect((error as Error).message).toContain("nope/Dockerfile");
  });
});
