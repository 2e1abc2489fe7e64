/**
 * A publish over several Dagger engines: each platform is built on the engine it is routed to
 * (say, a native arm64 host for linux/arm64), all engines at once, one session each. Each engine
 * pushes its platforms under a staging tag of its own (no user tag moves); their manifests are
 * joined into one index, which is then made final, verified and tagged exactly as a one-engine
 * publish (publishStaged). An engine that is down or dies while building fails the publish with
 * ENGINE_FAILED, or, with fallback "emulate", has its platforms built on the default engine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client, Directory } from "@dagger.io/dagger";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { silent, type ProgressListener } from "../common/progress.js";
import type { EmulationReport } from "../engine/emulation.js";
import { assertEngineAnswers, withEngineAt } from "../engine/engine-session.js";
import {
  fallbackSchema,
  planShares,
  type EngineRoute,
  type EngineShare,
  type Fallback,
} from "../engine/routing.js";
import type { PlatformPipeline } from "../engine/build-platform.js";
import { formatPlatform, parsePlatforms } from "../platform/platform.js";
import { DEFAULT_PLATFORMS } from "../platform/defaults.js";
import type { OpenRegistry } from "../registry/open-registry.js";
import { defineImage, type DefineImageOptions } from "./define-image.js";
import { joinPushed } from "./join-pushed.js";
import {
  PUBLISH_INDEX_OPTION_NAMES,
  publishStaged,
  stageOnOneEngine,
  type PublishIndexOptions,
  type Stage,
  type Staged,
  type StageContext,
} from "./publish-index.js";
import { STAGING_TAG } from "./push-variants.js";
import type { PublishedPlatform, PublishResult } from "./result.js";

/** What the default engine is called in reports when its runner host is unknown. */
export const DEFAULT_ENGINE_NAME = "default";

export type RoutedPublishOptions = Omit<DefineImageOptions, "source" | "client"> &
  Omit<PublishIndexOptions, "onProgress"> & {
    /** The default engine's client: it builds every platform no route names. */
    client: Client;
    /**
     * The build context: a host path (each engine loads it), a Directory of the default
     * engine (copied to a temporary host directory for the others), or a pipeline (called
     * with each engine's client).
     */
    source: string | Directory | PlatformPipeline;
    /** Which platforms go to which engine. */
    engines: readonly EngineRoute[];
    /** When a routed engine fails: "fail" (ENGINE_FAILED; default) or "emulate". */
    fallback?: Fallback;
    /** The default engine's name in the report (its runner host, when known). */
    defaultEngine?: string;
    onProgress?: ProgressListener;
  };

export interface RoutedPlatform extends PublishedPlatform {
  /** The engine that built it: its runner host, or the default engine's name. */
  readonly engine: string;
  /** The routed engine that failed, when this platform fell back to the default engine. */
  readonly fallbackFrom?: string;
}

export interface RoutedReport extends PublishResult {
  readonly platforms: readonly RoutedPlatform[];
  /** Every engine's probe, joined: the default engine's native platform, every platform's mode. */
  readonly emulation: EmulationReport;
  /** Routed engines that failed and whose platforms the default engine built. */
  readonly fallbacks: readonly { readonly engine: string; readonly platforms: readonly string[] }[];
}

/** What one engine did for the publish. */
interface ShareOutcome extends Staged {
  readonly engine: string;
  readonly fallbackFrom?: string;
  readonly emulation: EmulationReport;
  readonly platforms: readonly string[];
}

/**
 * Build every platform on its engine, join them into one index, verify it, tag it.
 * @throws MultiarchError ENGINE_FAILED (a routed engine is down or died; nothing tagged), and
 * whatever defineImage and publishIndex throw
 */
export async function publishRouted(
  address: string | OpenRegistry,
  options: RoutedPublishOptions,
): Promise<RoutedReport> {
  const {
    client,
    source,
    engines,
    fallback: fallbackInput,
    defaultEngine = DEFAULT_ENGINE_NAME,
    onProgress = silent,
    secrets = [],
    password,
    ...rest
  } = options;
  const fallback = fallbackSchema.parse(fallbackInput ?? "fail");
  if ((rest.alsoTo ?? []).length > 0) {
    // Every engine pushes to the one repository; its sessions are gone when alsoTo would push.
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      "Routing to engines publishes to one repository.",
      {
        given: "alsoTo with engines",
        expected: "one address (publish again for another repository, or copy the index)",
      },
    );
  }
  const { platforms: parsed } = parsePlatforms(rest.platforms ?? [...DEFAULT_PLATFORMS]);
  const platforms = parsed.map(formatPlatform);
  const shares = planShares(platforms, engines);
  const { publishOptions, defineOptions } = splitOptions(rest);

  const copied = await hostCopy(source);
  try {
    const sourceFor = (engine: Client): Directory | PlatformPipeline =>
      typeof source === "function"
        ? source
        : engine === client && typeof source !== "string"
          ? source
          : engine.host().directory(copied ?? (source as string));
    const secretValues = await Promise.all(
      secrets.map(async (s) => ({ name: await s.name(), value: await s.plaintext() })),
    );
    const passwordValue = password === undefined ? undefined : await password.plaintext();
    let done: ShareOutcome[] = [];

    // One engine's part: define its platforms on its client, build them, push them.
    const runShare = async (
      engine: Client,
      share: EngineShare,
      index: number,
      context: StageContext,
    ): Promise<Staged & { emulation: EmulationReport }> => {
      const own = engine === client;
      const image = await defineImage({
        ...defineOptions,
        client: engine,
        source: sourceFor(engine),
        platforms: [...share.platforms],
        secrets: own ? secrets : secretValues.map((s) => engine.setSecret(s.name, s.value)),
        onProgress,
      });
      const enginePassword =
        own || passwordValue === undefined
          ? context.password
          : engine.setSecret("registry-password", passwordValue);
      const staged = await stageOnOneEngine(
        image.variants,
        `${STAGING_TAG}-${index + 1}`,
      )({
        ...context,
        password: enginePassword,
      });
      return { ...staged, emulation: image.emulation };
    };

    const stage: Stage = async (context) => {
      // Every routed engine must answer before any build starts (or fall back, if allowed).
      const down = await Promise.all(
        shares.map((share) =>
          share.runnerHost === undefined
            ? Promise.resolve(undefined)
            : assertEngineAnswers(share.runnerHost, share.platforms).then(
                () => undefined,
                (error: unknown) => {
                  if (fallback !== "emulate") throw error;
                  return error as MultiarchError;
                },
              ),
        ),
      );
      const outcomes = await Promise.allSettled(
        shares.map(async (share, i): Promise<ShareOutcome> => {
          const host = share.runnerHost;
          if (host === undefined) {
            const staged = await runShare(client, share, i, context);
            return { ...staged, engine: defaultEngine, platforms: share.platforms };
          }
          onProgress({ kind: "engine-route", engine: host, platforms: share.platforms });
          try {
            const early = down[i];
            if (early !== undefined) throw early;
            const staged = await withEngineAt(host, (c) => runShare(c, share, i, context), {
              platforms: share.platforms,
            });
            return { ...staged, engine: host, platforms: share.platforms };
          } catch (error) {
            const failed =
              error instanceof MultiarchError && error.code === ErrorCode.ENGINE_FAILED;
            if (!failed || fallback !== "emulate") throw error;
            onProgress({
              kind: "engine-fallback",
              engine: host,
              platforms: share.platforms,
              reason: error.message,
            });
            const staged = await runShare(client, share, i, context);
            return {
              ...staged,
              engine: defaultEngine,
              fallbackFrom: host,
              platforms: share.platforms,
            };
          }
        }),
      );
      const failures = outcomes.flatMap((o) =>
        o.status === "rejected" ? [o.reason as unknown] : [],
      );
      // An engine's failure says more than the builds it cut short elsewhere.
      const first =
        failures.find((f) => f instanceof MultiarchError && f.code === ErrorCode.ENGINE_FAILED) ??
        failures[0];
      if (failures.length > 0) throw first;
      done = outcomes.map((o) => (o as PromiseFulfilledResult<ShareOutcome>).value);
      const pushed = await joinPushed(
        context.target,
        done.map((o) => ({ digest: o.pushed, platforms: o.platforms })),
        platforms,
      );
      const builtBy = new Map(done.flatMap((o) => o.built.map((b) => [b.platform, b] as const)));
      return {
        built: platforms.flatMap((p) => builtBy.get(p) ?? []),
        pushed,
        pushStart: Math.min(...done.map((o) => o.pushStart)),
      };
    };

    const result = await publishStaged(stage, platforms.length, address, {
      ...publishOptions,
      ...(password === undefined ? {} : { password }),
      onProgress,
    });
    return routedReport(result, done);
  } finally {
    if (copied !== undefined) await rm(copied, { recursive: true, force: true });
  }
}

/** The result, each platform with its engine; the engines' probes joined. */
function routedReport(result: PublishResult, outcomes: readonly ShareOutcome[]): RoutedReport {
  const of = (platform: string) => outcomes.find((o) => o.platforms.includes(platform));
  const first = outcomes.find((o) => o.fallbackFrom === undefined) ?? outcomes[0];
  const supports = outcomes.flatMap((o) => o.emulation.platforms);
  return {
    ...result,
    platforms: result.platforms.map((p) => {
      const outcome = of(p.platform);
      return {
        ...p,
        engine: outcome?.engine ?? DEFAULT_ENGINE_NAME,
        ...(outcome?.fallbackFrom === undefined ? {} : { fallbackFrom: outcome.fallbackFrom }),
      };
    }),
    emulation: {
      native: first?.emulation.native ?? "",
      platforms: result.platforms.flatMap(
        (p) => supports.find((s) => s.platform === p.platform) ?? [],
      ),
      duplicates: [],
      installed: outcomes.some((o) => o.emulation.installed),
    },
    fallbacks: outcomes.flatMap((o) =>
      o.fallbackFrom === undefined ? [] : [{ engine: o.fallbackFrom, platforms: o.platforms }],
    ),
  };
}

/** A Directory of the default engine, exported to a temporary host directory; else undefined. */
async function hostCopy(
  source: string | Directory | PlatformPipeline,
): Promise<string | undefined> {
  if (typeof source === "string" || typeof source === "function") return undefined;
  const dir = await mkdtemp(join(tmpdir(), "multiarch-context-"));
  await source.export(dir);
  return dir;
}

/** The options publishStaged takes (by its schema's names), and the rest, for defineImage. */
function splitOptions(options: Record<string, unknown>): {
  defineOptions: Omit<DefineImageOptions, "source" | "client" | "platforms">;
  publishOptions: Omit<PublishIndexOptions, "password" | "onProgress">;
} {
  const entries = Object.entries(options).filter(([k, v]) => v !== undefined && k !== "platforms");
  return {
    defineOptions: Object.fromEntries(entries.filter(([k]) => !PUBLISH_INDEX_OPTION_NAMES.has(k))),
    publishOptions: Object.fromEntries(entries.filter(([k]) => PUBLISH_INDEX_OPTION_NAMES.has(k))),
  };
}
