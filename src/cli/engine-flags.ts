/**
 * `--engine PLATFORMS=RUNNER_HOST` (repeatable) and `--fallback fail|emulate` of `publish`:
 * which platforms another Dagger engine builds, and what happens when it fails.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import {
  fallbackSchema,
  runnerHostSchema,
  type EngineRoute,
  type Fallback,
} from "../engine/routing.js";
import { parsePlatforms } from "../platform/platform.js";

const EXPECTED = "PLATFORMS=RUNNER_HOST, e.g. linux/arm64,linux/arm/v7=tcp://10.0.0.2:1234";

/**
 * One --engine value → a route. Platforms are checked here; whether they are among the ones to
 * build, and given once, is checked with the whole plan (planShares).
 * @throws MultiarchError INVALID_INPUT, INVALID_PLATFORM
 */
export function parseEngineFlag(value: string): EngineRoute {
  const at = value.indexOf("=");
  const platforms = at < 0 ? "" : value.slice(0, at).trim();
  const host = at < 0 ? "" : value.slice(at + 1).trim();
  if (platforms === "" || host === "") {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, "An engine route is PLATFORMS=RUNNER_HOST.", {
      given: value,
      expected: EXPECTED,
    });
  }
  const runnerHost = parseRunnerHost(host, value, EXPECTED);
  parsePlatforms(platforms.split(","));
  return { platforms: platforms.split(",").map((p) => p.trim()), runnerHost };
}

/** --fallback's value. @throws MultiarchError INVALID_INPUT */
export function parseFallbackFlag(value: string | undefined): Fallback {
  const parsed = fallbackSchema.safeParse(value ?? "fail");
  if (parsed.success) return parsed.data;
  throw new MultiarchError(ErrorCode.INVALID_INPUT, "--fallback is fail or emulate.", {
    given: value ?? "",
    expected:
      "fail (an engine that fails fails the publish) or emulate (its platforms are built on the default engine)",
  });
}

/**
 * A runner host as Dagger's client accepts it (unix://, tcp://, kube-pod://, …).
 * @param given the whole flag value, and `expected` its form, for the error
 * @throws MultiarchError INVALID_INPUT
 */
export function parseRunnerHost(
  host: string,
  given: string = host,
  expected = "RUNNER_HOST, e.g. tcp://10.0.0.2:1234 (or PLATFORMS=RUNNER_HOST)",
): string {
  const parsed = runnerHostSchema.safeParse(host.trim());
  if (!parsed.success) {
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      parsed.error.issues[0]?.message ?? "Not a runner host.",
      { given, expected },
    );
  }
  return parsed.data;
}
