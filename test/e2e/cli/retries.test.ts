// --retries as a user sees it: a registry that answers 503 to everything (the fault proxy at
// 100% in front of the bed's registry) is asked 1 + N times, each retry a line on stderr, then
// the publish fails with REGISTRY_ERROR before any engine starts.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { runCli, type CliRun } from "../../support/run-cli.js";

const FIXTURE = fileURLToPath(new URL("../../fixtures/cli-hello", import.meta.url));

function publish(address: string, retries: number): Promise<CliRun> {
  return runCli([
    "publish",
    "--source",
    FIXTURE,
    "--address",
    address,
    "--retries",
    String(retries),
  ]);
}

describe("publish --retries against a registry answering 503", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({
      upstream: "127.0.0.1:5000",
      faults: { unavailable: 1 },
      lifetimeMs: 600_000,
    });
  });
  afterAll(() => proxy.close());

  it("--retries 2: three requests, two retry lines, then REGISTRY_ERROR", async () => {
    const before = proxy.counts.requests;
    const run = await publish(`${proxy.address}/retries/app`, 2);
    expect(run.code).toBe(1);
    expect(proxy.counts.requests - before).toBe(3);
    const retries = run.stderr.split("\n").filter((line) => line.startsWith("retrying "));
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/^retrying ping in [\d.]+ s \(attempt 2\/3: 503\)$/);
    expect(retries[1]).toMatch(/\(attempt 3\/3: 503\)$/);
    expect(run.stderr).toContain("multiarch: REGISTRY_ERROR:");
    expect(run.stderr).toContain("HTTP 503");
  });

  it("--retries 0: one request, no retry line", async () => {
    const before = proxy.counts.requests;
    const run = await publish(`${proxy.address}/retries/app`, 0);
    expect(run.code).toBe(1);
    expect(proxy.counts.requests - before).toBe(1);
    expect(run.stderr).not.toContain("retrying");
  });
});
