// What the reliability tests publish, and how they watch the tags while they do: a tiny image
// per run (busybox plus one file that differs per run, so every publish pushes new blobs), and a
// watcher that reads the user tags straight from the registry (not through any fault proxy) and
// verifies every index a tag is ever seen naming.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../../src/registry/client.js";
import { verify } from "../../../src/verify/verify.js";

export const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
/** The bed's plain registry, which every fault proxy fronts. */
export const UPSTREAM = "127.0.0.1:5000";

/** A build context whose image differs from every other run's; removed by `dispose`. */
export function uniqueContext(label: string): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "multiarch-reliability-"));
  writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nCOPY id /id\n");
  writeFileSync(join(dir, "id"), `${label} ${Date.now()} ${Math.random()}\n`);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function uniqueRepository(prefix: string): string {
  return `multiarch-reliability/${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface TagWatch {
  /** Every (tag, digest) seen, in order. */
  readonly seen: { tag: string; digest: string }[];
  /** Digests a user tag named that did not verify, with the first problem. */
  readonly broken: { digest: string; problem: string }[];
  /** Digests seen under a user tag. */
  readonly digests: Set<string>;
  /** Stop polling, wait for every verification, and return. */
  stop(): Promise<void>;
}

/**
 * Poll `tags` of `repository` on the upstream registry every `intervalMs`, and verify (platform
 * set, configs, blobs, every binary's CPU) each digest any of them is seen naming, once.
 */
export function watchTags(repository: string, tags: readonly string[], intervalMs = 150): TagWatch {
  const client = new RegistryClient({ registry: UPSTREAM, retries: 0 });
  const watch: TagWatch & { checks: Promise<void>[] } = {
    seen: [],
    broken: [],
    digests: new Set(),
    checks: [],
    stop: async () => {
      running = false;
      await loop;
      await poll();
      await Promise.all(watch.checks);
    },
  };
  let running = true;
  const last = new Map<string, string>();
  async function poll(): Promise<void> {
    for (const tag of tags) {
      const digest = await client.headManifest(repository, tag).catch(() => undefined);
      if (digest === undefined || last.get(tag) === digest) continue;
      last.set(tag, digest);
      watch.seen.push({ tag, digest });
      if (watch.digests.has(digest)) continue;
      watch.digests.add(digest);
      watch.checks.push(
        verify(`${UPSTREAM}/${repository}@${digest}`, {
          platforms: PLATFORMS,
          retries: 0,
          throwOnProblem: false,
        }).then(
          (report) => {
            if (!report.ok) {
              watch.broken.push({ digest, problem: report.problems[0]?.message ?? "?" });
            }
          },
          (error: unknown) => {
            watch.broken.push({ digest, problem: String(error) });
          },
        ),
      );
    }
  }
  const loop = (async () => {
    while (running) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return watch;
}
