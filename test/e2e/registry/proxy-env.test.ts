// Our registry client goes through the proxy HTTP_PROXY / HTTPS_PROXY name, except for hosts
// NO_PROXY lists: `multiarch inspect` against the bed's registry, with a forwarding proxy of our
// own (the fault proxy, no faults) counting the tunnels opened through it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { runCli, type CliRun } from "../../support/run-cli.js";

const REF = "127.0.0.1:5000/library/busybox:latest";

function inspect(env: Record<string, string>): Promise<CliRun> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(https?|no)_proxy$/i.test(name)),
  );
  return runCli(["inspect", REF], { env: { ...clean, ...env } });
}

describe("proxy variables", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ upstream: "127.0.0.1:5000", faults: {}, lifetimeMs: 600_000 });
  });
  afterAll(() => proxy.close());

  it("HTTP_PROXY: every request goes through the proxy, and the answer is the same", async () => {
    const direct = await inspect({});
    expect(direct.code).toBe(0);
    expect(proxy.counts.tunnels).toBe(0);
    const proxied = await inspect({ HTTP_PROXY: `http://${proxy.address}` });
    expect(proxied.code).toBe(0);
    expect(proxied.stdout).toBe(direct.stdout);
    expect(proxy.counts.tunnels).toBeGreaterThan(0);
  });

  it("NO_PROXY: a listed host is reached directly", async () => {
    const before = proxy.counts.tunnels;
    const run = await inspect({ HTTP_PROXY: `http://${proxy.address}`, NO_PROXY: "127.0.0.1" });
    expect(run.code).toBe(0);
    expect(proxy.counts.tunnels).toBe(before);
  });
});
