// Splitting platforms over engines (planShares) and how a routed publish reads (table, JSON,
// progress lines): pure, no engine.
import { describe, expect, test } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { planShares, runnerHostSchema } from "../../../src/engine/routing.js";
import { progressLine, publishJson, publishTable } from "../../../src/present/render.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const FIVE = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x", "linux/ppc64le"];

describe("planShares", () => {
  test("routed platforms go to their engine, canonical; the rest stay on the default engine", () => {
    expect(
      planShares(FIVE, [
        { platforms: ["arm64", "armhf"], runnerHost: "tcp://10.0.0.2:1234" },
        { platforms: ["linux/s390x", "ppc64le"], runnerHost: "tcp://10.0.0.3:1234" },
      ]),
    ).toEqual([
      { runnerHost: "tcp://10.0.0.2:1234", platforms: ["linux/arm64", "linux/arm/v7"] },
      { runnerHost: "tcp://10.0.0.3:1234", platforms: ["linux/s390x", "linux/ppc64le"] },
      { runnerHost: undefined, platforms: ["linux/amd64"] },
    ]);
  });

  test("every platform routed: no default share", () => {
    expect(
      planShares(
        ["linux/arm64"],
        [{ platforms: ["linux/arm64"], runnerHost: "unix:///run/e.sock" }],
      ),
    ).toEqual([{ runnerHost: "unix:///run/e.sock", platforms: ["linux/arm64"] }]);
  });

  test.each([
    [[{ platforms: ["linux/riscv64"], runnerHost: "tcp://a:1" }], /not one of the platforms/],
    [
      [
        { platforms: ["arm64"], runnerHost: "tcp://a:1" },
        { platforms: ["linux/arm64"], runnerHost: "tcp://b:1" },
      ],
      /linux\/arm64 is routed to two engines/,
    ],
    [
      [
        { platforms: ["arm64"], runnerHost: "tcp://a:1" },
        { platforms: ["s390x"], runnerHost: "tcp://a:1" },
      ],
      /given twice/,
    ],
    [[{ platforms: [], runnerHost: "tcp://a:1" }], /a route needs at least one platform/],
    [[{ platforms: ["arm64"], runnerHost: "10.0.0.2:1234" }], /is not a runner host/],
  ])("refused: %j", async (routes, message) => {
    const error = await expectMultiarchError(
      () => planShares(FIVE, routes),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toMatch(message);
  });

  test("runner hosts: the schemes Dagger's client takes", () => {
    for (const ok of [
      "unix:///run/dagger/engine.sock",
      "tcp://10.0.0.2:1234",
      "kube-pod://dagger-engine-0?namespace=dagger",
      "docker-container://dagger-engine",
      "podman-container://engine",
      "ssh://user@host",
    ]) {
      expect(runnerHostSchema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["", "tcp://", "http://x:1", "10.0.0.2:1234", "tcp://a b:1"]) {
      expect(runnerHostSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("a routed publish's report", () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;
  const platform = (name: string, engine: string, fallbackFrom?: string) => ({
    platform: name,
    digest: digest("b"),
    size: 1000,
    seconds: 1,
    emulated: false,
    mode: "native" as const,
    engine,
    ...(fallbackFrom === undefined ? {} : { fallbackFrom }),
  });
  const report = {
    digest: digest("a"),
    refs: [`r/x:1@${digest("a")}`],
    size: 500,
    mediaType: "application/vnd.oci.image.index.v1+json",
    platforms: [
      platform("linux/amd64", "unix:///run/dagger/engine.sock"),
      platform("linux/arm64", "unix:///run/dagger/engine.sock", "tcp://10.0.0.2:1234"),
      platform("linux/s390x", "tcp://10.0.0.3:1234"),
    ],
    emulation: { native: "linux/amd64", platforms: [], duplicates: [], installed: false },
  };

  test("the table has an ENGINE column, and says FALLBACK where an engine failed", () => {
    const lines = publishTable(report).split("\n");
    expect(lines[0]).toMatch(/SECONDS\s+ENGINE$/);
    expect(lines[1]).toMatch(/unix:\/\/\/run\/dagger\/engine\.sock$/);
    expect(lines[2]).toMatch(/\(FALLBACK: tcp:\/\/10\.0\.0\.2:1234 failed\)$/);
    expect(lines[3]).toMatch(/tcp:\/\/10\.0\.0\.3:1234$/);
  });

  test("--json names each platform's engine (and the one it fell back from)", () => {
    expect(publishJson(report).platforms.map((p) => p)).toMatchObject([
      { engine: "unix:///run/dagger/engine.sock" },
      { engine: "unix:///run/dagger/engine.sock", fallbackFrom: "tcp://10.0.0.2:1234" },
      { engine: "tcp://10.0.0.3:1234" },
    ]);
  });

  test("progress lines for a route and a fallback", () => {
    const context = { width: 0, modeOf: () => undefined };
    expect(
      progressLine(
        { kind: "engine-route", engine: "tcp://e:1", platforms: ["linux/arm64"] },
        context,
      ),
    ).toBe("engine tcp://e:1 builds linux/arm64");
    expect(
      progressLine(
        {
          kind: "engine-fallback",
          engine: "tcp://e:1",
          platforms: ["linux/arm64"],
          reason: "down",
        },
        context,
      ),
    ).toMatch(
      /^FALLBACK: engine tcp:\/\/e:1 failed \(down\); building linux\/arm64 on the default engine/,
    );
  });
});
