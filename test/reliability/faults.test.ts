// Publishing through a registry that fails some requests (issue 12's Done-when): ten publishes
// of three platforms through the fault proxy at 10% 503s, then ten at 10% dropped connections.
// The engine's own push goes through the proxy too (the publish address is the proxy's). At
// least nine of ten must succeed, and no user tag may ever name an index that is incomplete or
// fails verification (watched straight on the registry behind the proxy).
import { connection, dag } from "@dagger.io/dagger";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { isMultiarchError, publish } from "../../src/index.js";
import type { ProgressEvent } from "../../src/common/progress.js";
import { RegistryClient } from "../../src/registry/client.js";
import { startFaultProxy, type FaultRates } from "../support/fault-proxy.js";
import { recordSection } from "./support/results.js";
import {
  PLATFORMS,
  uniqueContext,
  uniqueRepository,
  UPSTREAM,
  watchTags,
} from "./support/workload.js";

const RUNS = 10;
const TAGS = ["1", "latest"];

interface Case {
  readonly key: string;
  readonly title: string;
  readonly faults: FaultRates;
  readonly seed: number;
}

describe.each<Case>([
  {
    key: "faults-503",
    title: "10% of registry requests answered 503",
    faults: { unavailable: 0.1 },
    seed: 503,
  },
  {
    key: "faults-reset",
    title: "10% of registry connections dropped before the registry or mid-body",
    faults: { reset: 0.1 },
    seed: 104,
  },
  {
    // Harsher than a reset: the registry did the work and the client cannot tell.
    key: "faults-lost-answer",
    title: "10% of registry answers lost after the registry handled the request",
    faults: { lostAnswer: 0.1 },
    seed: 77,
  },
])("$title", ({ key, title, faults, seed }) => {
  it(`${RUNS} publishes of three platforms: at least ${RUNS - 1} succeed, no tag ever broken`, async () => {
    const proxy = await startFaultProxy({
      upstream: UPSTREAM,
      faults,
      seed,
      maxRequests: 50_000,
      lifetimeMs: 15 * 60_000,
    });
    const repository = uniqueRepository(key);
    const watch = watchTags(repository, TAGS);
    const upstream = new RegistryClient({ registry: UPSTREAM, retries: 0 });
    const retries: Extract<ProgressEvent, { kind: "retry" }>[] = [];
    const failures: string[] = [];
    let succeeded = 0;
    try {
      await connection(async () => {
        for (let run = 0; run < RUNS; run++) {
          const context = uniqueContext(`${key} ${run}`);
          try {
            const report = await publish({
              source: dag.host().directory(context.dir),
              address: `${proxy.address}/${repository}`,
              platforms: PLATFORMS,
              tags: TAGS,
              onProgress: (event) => {
                if (event.kind === "retry") retries.push(event);
              },
            });
            succeeded += 1;
            for (const tag of TAGS) {
              expect(await upstream.headManifest(repository, tag)).toBe(report.digest);
            }
          } catch (error) {
            // The message, and the end of the engine's own words for a failed push.
            const stderr = isMultiarchError(error) ? (error.details.stderr ?? "") : "";
            failures.push(
              isMultiarchError(error)
                ? `${error.code}: ${error.message} ${stderr.split("\n").slice(-3).join(" ")}`
                : `not a MultiarchError: ${inspect(error, { depth: 4 }).replaceAll(/\s+/g, " ")}`,
            );
          } finally {
            context.dispose();
          }
        }
      });
    } finally {
      await watch.stop();
      await proxy.close();
    }
    const byReason = new Map<string, number>();
    for (const r of retries) {
      const name = `${r.operation === "push" ? "push" : "request"} ${r.reason}`;
      byReason.set(name, (byReason.get(name) ?? 0) + 1);
    }
    await recordSection(key, {
      title: `Flaky registry: ${title}`,
      setup:
        `${RUNS} publishes of ${PLATFORMS.join(", ")} under tags ${TAGS.join(", ")}, engine push and ` +
        "our client both through the fault proxy (seeded), default retries; tags watched on the registry behind it",
      figures: {
        "registry requests through the proxy": proxy.counts.requests,
        "faults injected": proxy.faults(),
        "answered 503": proxy.counts.unavailable,
        "connections dropped before answering": proxy.counts.resetBeforeAnswer,
        "connections dropped mid-body": proxy.counts.resetMidBody,
        "requests handled by the registry, answer lost (connection dropped)":
          proxy.counts.lostAnswer,
        "retries seen (progress events)": retries.length,
        "retries by cause": [...byReason].map(([k, v]) => `${k}: ${v}`).join(", ") || "none",
        "publishes survived": `${succeeded} / ${RUNS}`,
        "indexes seen under a user tag, all verified": watch.digests.size,
        "tags broken (a user tag naming an index that fails verification)": watch.broken.length,
      },
      notes: failures.map((f) => `failed publish: ${f.replaceAll("\n", " ").slice(0, 400)}`),
    });
    expect(proxy.faults()).toBeGreaterThan(0);
    expect(watch.broken).toEqual([]);
    expect(succeeded, failures.join("\n")).toBeGreaterThanOrEqual(RUNS - 1);
  });
});
