// Concurrent publishes (issue 12): four publishes of different content to the same two tags at
// once, twice over. While they run, every index either tag is seen naming must verify; when they
// are done, each tag names the index of one of them. Who wins a tag: the publish whose PUT of
// that tag reaches the registry last (README "Reliability").
import { connection, dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { publish, type PublishReport } from "../../src/index.js";
import { RegistryClient } from "../../src/registry/client.js";
import { recordSection } from "./support/results.js";
import {
  PLATFORMS,
  uniqueContext,
  uniqueRepository,
  UPSTREAM,
  watchTags,
} from "./support/workload.js";

const WRITERS = 4;
const ROUNDS = 2;
const TAGS = ["stable", "latest"];

describe("concurrent publishes to the same tags", () => {
  it(`${WRITERS} at once, ${ROUNDS} rounds: every tag always names a complete, verified index`, async () => {
    const repository = uniqueRepository("concurrent");
    const upstream = new RegistryClient({ registry: UPSTREAM, retries: 0 });
    const watch = watchTags(repository, TAGS, 50);
    const rows: string[] = [];
    let published = 0;
    let split = 0;
    try {
      await connection(async () => {
        for (let round = 1; round <= ROUNDS; round++) {
          const contexts = Array.from({ length: WRITERS }, (_, i) =>
            uniqueContext(`concurrent ${round}.${i}`),
          );
          const reports = await Promise.all(
            contexts.map((context): Promise<PublishReport> =>
              publish({
                source: dag.host().directory(context.dir),
                address: `${UPSTREAM}/${repository}`,
                platforms: PLATFORMS,
                tags: TAGS,
              }),
            ),
          ).finally(() => contexts.forEach((c) => c.dispose()));
          published += reports.length;
          const digests = reports.map((r) => r.digest);
          const final = await Promise.all(
            TAGS.map((tag) => upstream.headManifest(repository, tag)),
          );
          const winners = final.map((d) => digests.indexOf(d ?? ""));
          for (const winner of winners) expect(winner).toBeGreaterThanOrEqual(0);
          if (new Set(final).size > 1) split += 1;
          rows.push(
            `round ${round}: ${TAGS.map((t, i) => `${t} → publish ${winners[i] ?? "?"}`).join(", ")}`,
          );
        }
      });
    } finally {
      await watch.stop();
    }
    await recordSection("concurrency", {
      title: "Concurrent publishes to the same tags",
      setup:
        `${WRITERS} publishes of different content (${PLATFORMS.join(", ")}) under ${TAGS.join(", ")} ` +
        `at once, ${ROUNDS} rounds; tags polled every 50 ms on the registry`,
      figures: {
        "publishes succeeded": `${published} / ${WRITERS * ROUNDS}`,
        "distinct indexes seen under a user tag": watch.digests.size,
        "tag changes seen": watch.seen.length,
        "tags broken (naming an index that fails verification)": watch.broken.length,
        "rounds that ended with the two tags on different publishes' indexes": `${split} / ${ROUNDS}`,
      },
      notes: rows,
    });
    expect(watch.broken).toEqual([]);
    expect(published).toBe(WRITERS * ROUNDS);
  });
});
