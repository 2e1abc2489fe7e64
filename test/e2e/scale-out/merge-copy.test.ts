// merge's fallback for a registry that will not mount a blob from another repository: a small
// proxy in front of the bed's registry drops the `mount` and `from` of every upload request, so
// the registry answers as one without cross-repository mounts (202, an upload session) and the
// blobs must be copied. skopeo then reads the merged index and every blob through the registry.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { indexPlatforms, inspectRaw, uniqueRepo } from "../support/oci.js";

const UPSTREAM = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const [UPSTREAM_HOST = "127.0.0.1", UPSTREAM_PORT = "5000"] = UPSTREAM.split(":");
const ROOT = uniqueRepo("merge-copy");
let mountsAsked = 0;

const proxy = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://proxy");
  if (url.searchParams.has("mount")) mountsAsked += 1;
  url.searchParams.delete("mount");
  url.searchParams.delete("from");
  const upstream = request(
    {
      host: UPSTREAM_HOST,
      port: Number(UPSTREAM_PORT),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: req.headers, // Host stays the proxy's: the registry's Location points back here
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  req.pipe(upstream);
});
let address = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

test("blobs from another repository are copied when the registry will not mount them", async () => {
  const sources = ["amd64", "arm64"].map((arch) => {
    const to = `${UPSTREAM}/${ROOT}/src-${arch}:job`;
    execFileSync("skopeo", [
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--override-arch",
      arch,
      `docker://${UPSTREAM}/library/busybox:latest`,
      `docker://${to}`,
    ]);
    return `${address}/${ROOT}/src-${arch}@${inspectRaw(to).digest}`;
  });
  const run = await runCli([
    "merge",
    "--address",
    `${address}/${ROOT}/app`,
    "--tag",
    "1",
    "--json",
    ...sources,
  ]);
  expect(run.stderr).toContain("verified");
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout) as { blobs: { mounted: number; copied: number } };
  expect(mountsAsked).toBeGreaterThan(0);
  expect(result.blobs).toEqual({ mounted: 0, copied: mountsAsked });
  // Read straight from the registry, not through the proxy.
  const served = inspectRaw(`${UPSTREAM}/${ROOT}/app:1`);
  expect(indexPlatforms(served)).toEqual(["linux/amd64", "linux/arm64"]);
  // Every blob the index names can be downloaded: skopeo copies the whole image out.
  const out = mkdtempSync(join(tmpdir(), "merge-copy-"));
  try {
    execFileSync("skopeo", [
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      "--all",
      `docker://${UPSTREAM}/${ROOT}/app:1`,
      `dir:${out}`,
    ]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
