// A registry restarted mid-publish (issue 12): the fault proxy stops listening and drops every
// connection for three seconds, once, at a chosen request, as a restarting registry would. The
// publish rides through on retries, or fails with nothing tagged; no tag is ever broken.
import { connection, dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { isMultiarchError, publish } from "../../src/index.js";
import { RegistryClient } from "../../src/registry/client.js";
import { startFaultProxy, type RequestMatch } from "../support/fault-proxy.js";
import { recordSection } from "./support/results.js";
import {
  PLATFORMS,
  uniqueContext,
  uniqueRepository,
  UPSTREAM,
  watchTags,
} from "./support/workload.js";

const OUTAGE_MS = 3000;
const TAGS = ["stable", "latest"];

const POINTS: readonly { readonly name: string; readonly request: RequestMatch }[] = [
  {
    name: "the engine uploading a blob",
    request: (method, path) =>
      ["POST", "PATCH", "PUT"].includes(method) && /\/blobs\/uploads\//.test(path),
  },
  {
    name: "the engine putting the staging index",
    request: (method, path) => method === "PUT" && path.endsWith("/manifests/multiarch-staging"),
  },
  {
    name: "verification reading a layer",
    request: (method, path) => method === "GET" && /\/blobs\/sha256:/.test(path),
  },
  {
    name: "the first tag's PUT",
    request: (method, path) => method === "PUT" && path.endsWith("/manifests/stable"),
  },
];

describe("a registry restart mid-publish", () => {
  it(`${OUTAGE_MS / 1000} s without the registry at ${POINTS.length} points: ridden through, no tag broken`, async () => {
    const proxy = await startFaultProxy({
      upstream: UPSTREAM,
      faults: {},
      lifetimeMs: 10 * 60_000,
    });
    const repository = uniqueRepository("outage");
    const upstream = new RegistryClient({ registry: UPSTREAM, retries: 0 });
    const watch = watchTags(repository, TAGS);
    const rows: string[] = [];
    let survived = 0;
    try {
      await connection(async () => {
        for (const point of POINTS) {
          // The held request is dropped: the outage closes its connection.
          proxy.holdNext(point.request, () => proxy.outage(OUTAGE_MS));
          const outagesBefore = proxy.counts.outages;
          const context = uniqueContext(`outage ${point.name}`);
          try {
            const report = await publish({
              source: dag.host().directory(context.dir),
              address: `${proxy.address}/${repository}`,
              platforms: PLATFORMS,
              tags: TAGS,
            });
            const tags = await Promise.all(TAGS.map((t) => upstream.headManifest(repository, t)));
            expect(tags).toEqual(TAGS.map(() => report.digest));
            survived += 1;
            rows.push(
              `${point.name}: ${proxy.counts.outages > outagesBefore ? "outage" : "NO OUTAGE"}, publish succeeded`,
            );
          } catch (error) {
            rows.push(
              `${point.name}: publish failed, ${isMultiarchError(error) ? error.code : String(error)}`,
            );
          } finally {
            proxy.disarm();
            context.dispose();
          }
        }
      });
    } finally {
      await watch.stop();
      await proxy.close();
    }
    await recordSection("outage", {
      title: "A registry restart mid-publish",
      setup:
        `Publishes of ${PLATFORMS.join(", ")} under ${TAGS.join(", ")} through the fault proxy, ` +
        `which stops listening and drops every connection for ${OUTAGE_MS / 1000} s at one point each`,
      figures: {
        "outage points": POINTS.length,
        outages: proxy.counts.outages,
        "publishes survived": `${survived} / ${POINTS.length}`,
        "tags broken": watch.broken.length,
      },
      notes: rows,
    });
    expect(watch.broken).toEqual([]);
    expect(proxy.counts.outages).toBe(POINTS.length);
    expect(survived, rows.join("\n")).toBe(POINTS.length);
  });
});
