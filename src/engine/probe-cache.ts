/**
 * Emulation probe answers, remembered per engine and per set of QEMU handlers. How an engine runs
 * a platform (natively, under QEMU) depends on the engine and on the kernel's binfmt_misc
 * handlers, nothing else: while both are the same, the answer is too, and the probe (one
 * container per platform, emulated ones under QEMU: about a second per publish) can be skipped.
 *
 * Only for an engine on this machine (a unix:// runner host): its kernel is ours, so its handlers
 * are the ones /proc/sys/fs/binfmt_misc lists here. The key holds the engine's address and version,
 * its native platform, the probe image, this boot (a reboot may change what the kernel runs
 * natively) and every handler's full registration (enabled, interpreter, flags, magic): a handler
 * added, removed, disabled or pointed at another interpreter is a new key, so a new probe. Only
 * "native" and "emulated" are kept: a platform that could not run is probed again every time.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { PlatformSupport } from "./emulation.js";

type Env = Readonly<Record<string, string | undefined>>;

const BINFMT = "/proc/sys/fs/binfmt_misc";
const BOOT_ID = "/proc/sys/kernel/random/boot_id";

/** What the key is made of; all strings, so equal inputs give equal keys. */
export interface ProbeKeyParts {
  readonly runnerHost: string;
  readonly engineVersion: string;
  readonly native: string;
  readonly probeImage: string;
  /** This machine's boot and binfmt_misc state (hostEmulationState). */
  readonly hostState: string;
}

/** The cache key: a digest of every part. */
export function probeKey(parts: ProbeKeyParts): string {
  const text = JSON.stringify([
    parts.runnerHost,
    parts.engineVersion,
    parts.native,
    parts.probeImage,
    parts.hostState,
  ]);
  return createHash("sha256").update(text).digest("hex");
}

/** Is the engine on this machine, so that our binfmt_misc is its? Only a unix socket says so. */
export function localRunnerHost(env: Env): string | undefined {
  const host = env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"];
  return host?.startsWith("unix://") === true && env["DAGGER_SESSION_PORT"] === undefined
    ? host
    : undefined;
}

/**
 * This boot and every binfmt_misc registration, as text; undefined when they cannot be read (no
 * binfmt_misc mounted, another OS): then nothing is cached.
 */
export function hostEmulationState(root = BINFMT, bootIdFile = BOOT_ID): string | undefined {
  try {
    const names = readdirSync(root)
      .filter((n) => n !== "register")
      .sort();
    const handlers = names.map((n) => `${n}\n${readFileSync(join(root, n), "utf8")}`);
    return [readFileSync(bootIdFile, "utf8").trim(), ...handlers].join("\n--\n");
  } catch {
    return undefined;
  }
}

/** Where answers are kept: $MULTIARCH_CACHE_DIR, else $XDG_CACHE_HOME/multiarch, else ~/.cache/multiarch. */
export function cacheDir(env: Env): string {
  return (
    env["MULTIARCH_CACHE_DIR"] ||
    join(env["XDG_CACHE_HOME"] || join(env["HOME"] || homedir(), ".cache"), "multiarch")
  );
}

const fileOf = (dir: string, key: string): string =>
  join(dir, `emulation-${key.slice(0, 32)}.json`);

type Remembered = Record<string, { mode: "native" | "emulated"; machine?: string }>;

function read(dir: string, key: string): Remembered {
  try {
    const parsed = JSON.parse(readFileSync(fileOf(dir, key), "utf8")) as {
      key?: unknown;
      platforms?: unknown;
    };
    if (parsed.key !== key || typeof parsed.platforms !== "object" || parsed.platforms === null)
      return {};
    return parsed.platforms as Remembered;
  } catch {
    return {};
  }
}

/** The remembered answer for each platform that has one. */
export function recall(dir: string, key: string, platforms: readonly string[]): PlatformSupport[] {
  const known = read(dir, key);
  return platforms.flatMap((platform) => {
    const k = known[platform];
    if (k === undefined || (k.mode !== "native" && k.mode !== "emulated")) return [];
    return [
      {
        platform,
        mode: k.mode,
        ...(typeof k.machine === "string" ? { machine: k.machine } : {}),
      },
    ];
  });
}

/**
 * Keep the native and emulated answers of a probe that ran (best effort: a cache that cannot be
 * written is skipped).
 */
export function remember(dir: string, key: string, probed: readonly PlatformSupport[]): void {
  const known = read(dir, key);
  let changed = false;
  for (const r of probed) {
    if (r.mode === "unavailable") continue;
    known[r.platform] = {
      mode: r.mode,
      ...(r.machine === undefined ? {} : { machine: r.machine }),
    };
    changed = true;
  }
  if (!changed) return;
  try {
    mkdirSync(dir, { recursive: true });
    const file = fileOf(dir, key);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ key, platforms: known }) + "\n");
    renameSync(temp, file);
  } catch {
    // Read-only home, full disk: the next publish probes again, nothing else changes.
  }
}
