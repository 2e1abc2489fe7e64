/**
 * The platforms built when the caller names none: the two that cover nearly every server and
 * laptop today (x86-64, and 64-bit ARM: Graviton, Apple Silicon, Ampere, Raspberry Pi 4/5).
 * The Dagger module repeats this list as a literal default, as its introspector requires; a
 * test checks that the two agree.
 */
export const DEFAULT_PLATFORMS: readonly string[] = Object.freeze(["linux/amd64", "linux/arm64"]);
