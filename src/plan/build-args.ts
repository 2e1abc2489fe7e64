/**
 * What one platform's Dockerfile build is given: pure, so it can be tested without an engine.
 */
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
