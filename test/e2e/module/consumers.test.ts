// Two other teams' modules (examples/consumer-ts, examples/consumer-go) depend on this module by
// path and compose withEmulation → their own per-platform pipeline → publishIndex; `dagger call`
// on each publishes to the bed, and skopeo and umoci read back what every platform holds.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { indexPlatforms, inspectRaw, readImageFiles, uniqueRepo } from "../support/oci.js";
import { MACHINE } from "../support/platforms.js";
import { run } from "../../support/run.js";
import { testbedEnv } from "../support/testbed.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const env = testbedEnv();
const REGISTRY = env["TESTBED_REGISTRY"] ?? "";

const CONSUMERS = [
  {
    dir: "examples/consumer-ts",
    name: "consumer-ts",
    platforms: ["linux/amd64", "linux/arm64", "linux/s390x"],
  },
  {
    dir: "examples/consumer-go",
    name: "consumer-go",
    platforms: ["linux/amd64", "linux/arm64", "linux/ppc64le"],
  },
];

describe.each(CONSUMERS)("$name: dagger call publish", ({ dir, name, platforms }) => {
  const repo = `${REGISTRY}/${uniqueRepo(name)}`;

  it("publishes one index of its own containers, every platform built as itself", async () => {
    expect(REGISTRY, "npm run testbed:env sets TESTBED_REGISTRY").not.toBe("");
    const call = await run(
      "dagger",
      [
        "-m",
        dir,
        "call",
        "publish",
        "--address",
        `${repo}:v1`,
        "--platforms",
        platforms.join(","),
        "--plain-http",
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, timeoutMs: 20 * 60 * 1000 },
    );
    expect(call.status, call.stderr.slice(-4000)).toBe(0);
    const raw = inspectRaw(`${repo}:v1`);
    expect(call.stdout.trim()).toBe(raw.digest);
    expect([...indexPlatforms(raw)].sort()).toEqual([...platforms].sort());
    for (const platform of platforms) {
      const [hello, builtOn] = readImageFiles(`${repo}:v1`, platform, ["hello", "built-on"]);
      expect(hello).toBe(`hello from ${platform}, built by ${name}\n`);
      expect(builtOn?.trim()).toBe(MACHINE[platform]);
    }
  });
});
