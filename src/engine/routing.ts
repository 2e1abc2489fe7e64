/**
 * Engine routing: which platforms go to which Dagger engine. Each route names a runner host (an
 * address Dagger's client accepts: unix://, tcp://, kube-pod://, docker-container://, …) and the
 * platforms it builds; the platforms no route names stay on the default engine (the session
 * the caller already has). Pure: options in, a plan out.
 */
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { formatPlatform, parsePlatforms } from "../platform/platform.js";

/** The schemes of Dagger's connection helpers (engine/client/drivers), plus unix and tcp. */
export const RUNNER_HOST_SCHEMES = [
  "unix",
  "tcp",
  "kube-pod",
  "docker-container",
  "docker-image",
  "podman-container",
  "podman-image",
  "container",
  "image",
  "ssh",
] as const;

const EXPECTED_RUNNER_HOST = `SCHEME://ADDRESS with SCHEME one of ${RUNNER_HOST_SCHEMES.join(", ")} (e.g. tcp://10.0.0.2:1234)`;

/** A runner host: SCHEME://something, with a scheme Dagger's client knows. */
export const runnerHostSchema = z
  .string()
  .trim()
  .refine(
    (value) => {
      const match = /^([a-z-]+):\/\/(.+)$/.exec(value);
      return (
        match?.[1] !== undefined &&
        (RUNNER_HOST_SCHEMES as readonly string[]).includes(match[1]) &&
        !/\s/.test(match[2] ?? "")
      );
    },
    {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a runner host: ${EXPECTED_RUNNER_HOST}`,
    },
  );

export const engineRouteSchema = z.object({
  /** Platforms this engine builds (any spelling parsePlatform accepts). */
  platforms: z.array(z.string()).min(1, "a route needs at least one platform"),
  /** Where the engine listens, as Dagger's _EXPERIMENTAL_DAGGER_RUNNER_HOST takes it. */
  runnerHost: runnerHostSchema,
});

export type EngineRoute = z.input<typeof engineRouteSchema>;

/** What to do when a routed engine is down or dies: fail (default), or emulate its platforms. */
export const fallbackSchema = z.enum(["fail", "emulate"]);
export type Fallback = z.infer<typeof fallbackSchema>;

/** One engine's share of the work. `runnerHost` undefined: the default engine. */
export interface EngineShare {
  readonly runnerHost: string | undefined;
  /** Canonical platforms, in the order the caller listed them. */
  readonly platforms: readonly string[];
}

/**
 * Split `platforms` (canonical, unique) over the routes: one share per route that has a platform
 * to build, in route order, then the default engine's share (when any platform is left for it).
 * @throws MultiarchError INVALID_INPUT (a malformed route, a platform routed twice or not asked
 * for, one runner host given twice), INVALID_PLATFORM
 */
export function planShares(
  platforms: readonly string[],
  routes: readonly EngineRoute[],
): EngineShare[] {
  const parsed = parseOptions(z.array(engineRouteSchema), routes, "engine routes");
  const routedBy = new Map<string, string>();
  const hosts = new Set<string>();
  const shares: EngineShare[] = [];
  for (const route of parsed) {
    if (hosts.has(route.runnerHost)) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `The engine ${route.runnerHost} is given twice.`,
        {
          given: route.runnerHost,
          expected: "each engine once, with all its platforms (linux/arm64,linux/arm/v7=HOST)",
        },
      );
    }
    hosts.add(route.runnerHost);
    const names = parsePlatforms(route.platforms).platforms.map(formatPlatform);
    for (const name of names) {
      const other = routedBy.get(name);
      if (other !== undefined) {
        throw new MultiarchError(ErrorCode.INVALID_INPUT, `${name} is routed to two engines.`, {
          given: `${other} and ${route.runnerHost}`,
          expected: "each platform on one engine",
        });
      }
      if (!platforms.includes(name)) {
        throw new MultiarchError(
          ErrorCode.INVALID_INPUT,
          `${name} is routed to ${route.runnerHost} but is not one of the platforms to build.`,
          {
            given: name,
            expected: `one of ${platforms.join(", ")}`,
            hint: "add it to the platforms, or drop it from the route",
          },
        );
      }
      routedBy.set(name, route.runnerHost);
    }
    shares.push({ runnerHost: route.runnerHost, platforms: names });
  }
  const rest = platforms.filter((p) => !routedBy.has(p));
  return rest.length === 0 ? shares : [...shares, { runnerHost: undefined, platforms: rest }];
}
