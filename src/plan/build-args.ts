/**
 * What one platform's Dockerfile build is given: pure, so it can be tested without an engine.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseKeyValues } from "../common/key-value.js";
import { formatPlatform, type Platform } from "../platform/platform.js";

/** The BUILD* args BuildKit predefines, for the platform the build itself runs on. */
export function buildPlatformArgs(native: Platform): Record<string, string> {
  return {
    BUILDPLATFORM: formatPlatform(native),
    BUILDOS: native.os,
    BUILDARCH: native.arch,
    BUILDVARIANT: native.variant ?? "",
  };
}

/**
 * Build args for one target. Dagger v0.21's dockerBuild resolves the predefined BUILD* args to
 * the TARGET platform (dagger PR 13571), which runs `FROM --platform=$BUILDPLATFORM` stages
 * under QEMU and defeats cross-compilation. Passing them explicitly, set to the engine's own
 * platform, restores BuildKit's meaning. The caller's own values win.
 */
export function planBuildArgs(
  native: Platform,
  userArgs: Readonly<Record<string, string>>,
): { name: string; value: string }[] {
  const args = { ...buildPlatformArgs(native), ...userArgs };
  return Object.entries(args).map(([name, value]) => ({ name, value }));
}

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `--build-arg` values as buildx takes them: `KEY=VALUE`, or a bare `KEY` whose value comes from
 * the environment (skipped when the variable is unset, passed empty when it is set empty).
 * @throws MultiarchError INVALID_INPUT
 */
export function parseBuildArgs(
  items: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    if (item.includes("=")) {
      Object.assign(out, parseKeyValues("build arg", [item]));
      continue;
    }
    if (!ARG_NAME.test(item)) {
      throw new MultiarchError(ErrorCode.INVALID_INPUT, "Malformed build arg.", {
        given: item,
        expected:
          "KEY=VALUE, or a bare KEY (letters, digits, _) to take its value from the environment",
      });
    }
    const value = env[item];
    if (value !== undefined) out[item] = value;
  }
  return out;
}
