/**
 * withEmulation: which target platforms the connected engine can run, natively or under QEMU.
 */
import type { Client, Platform as DaggerPlatform } from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import {
  formatPlatform,
  parsePlatform,
  parsePlatforms,
  platformInfo,
  type Platform,
} from "../platform/platform.js";
import {
  cacheDir,
  hostEmulationState,
  localRunnerHost,
  probeKey,
  type ProbeKeyParts,
  recall,
  remember,
} from "./probe-cache.js";
import { defaultClient } from "./sdk.js";

/** How the engine runs a platform. */
export type RunMode = "native" | "emulated" | "unavailable";

export interface PlatformSupport {
  /** Canonical platform, `os/arch[/variant]`. */
  readonly platform: string;
  readonly mode: RunMode;
  /** What `uname -m` printed in the probe, when it ran. */
  readonly machine?: string;
  /** Why the platform cannot run, when it cannot. */
  readonly reason?: string;
}

export interface EmulationReport {
  /** The engine's own platform. */
  readonly native: string;
  readonly platforms: readonly PlatformSupport[];
  /** Inputs dropped because they named a platform already listed. */
  readonly duplicates: readonly { readonly input: string; readonly canonical: string }[];
  /** True when an installer ran before the final probe. */
  readonly installed: boolean;
  /**
   * Platforms answered from an earlier probe of this engine with the same QEMU handlers (see
   * engine/probe-cache.ts), not by running the probe again; absent when every one was probed.
   */
  readonly known?: readonly string[];
}

/** Default probe image: any multi-platform image with `uname` works. */
export const DEFAULT_PROBE_IMAGE = "busybox:latest";
/**
 * Default binfmt installer, run privileged when `install` is set: the tonistiigi/binfmt the Dagger
 * v0.21.8 sources pin (toolchains/engine-dev/consts, QemuBinImage). Its entrypoint must accept
 * `--install all`.
 */
export const DEFAULT_BINFMT_IMAGE =
  "tonistiigi/binfmt@sha256:e06789462ac7e2e096b53bfd9e607412426850227afeb1d0f5dfa48a731e0ba5";

const optionsSchema = z.object({
  probeImage: z.string().min(1).default(DEFAULT_PROBE_IMAGE),
  install: z.boolean().default(false),
  installerImage: z.string().min(1).default(DEFAULT_BINFMT_IMAGE),
  /** Throw EMULATION_UNAVAILABLE when a platform cannot run (default); else only report it. */
  require: z.boolean().default(true),
  /**
   * Reuse what an earlier probe found for this engine and these QEMU handlers, when the engine
   * runs on this machine (default true; engine/probe-cache.ts says when an answer still holds).
   */
  reuseProbes: z.boolean().default(true),
});

export type WithEmulationOptions = z.input<typeof optionsSchema> & { client?: Client };

// 32-bit code these 64-bit CPUs run without an emulator, and what `uname -m` then says: the
// kernel's own machine. Under QEMU (a kernel that refuses i386 code, with qemu-i386 registered)
// the probe says i686 instead, so the platform counts as emulated: native only when no emulator
// ran it.
const COMPAT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "linux/amd64": { "linux/386": "x86_64" },
};

// What `uname -m` also says besides the platform's own machine name: QEMU's default 32-bit arm
// CPU is an ARMv7 core, so v5/v6 binaries see armv7l; a 64-bit x86 kernel reports x86_64 to
// 32-bit processes unless they ask for the linux32 personality, which the engine does not.
const OTHER_MACHINES: Readonly<Record<string, readonly string[]>> = {
  "linux/arm/v6": ["armv7l"],
  "linux/arm/v5": ["armv7l", "armv5tel"],
  "linux/386": ["x86_64"],
};

/** `uname -m` values that prove a container ran as `platform`. */
export function acceptedMachines(platform: Platform): readonly string[] {
  const canonical = formatPlatform(platform);
  return [platformInfo(platform).unameMachine, ...(OTHER_MACHINES[canonical] ?? [])];
}

/** Classify one probe outcome. Pure: the engine work happens in probe(). */
export function classify(
  native: Platform,
  platform: Platform,
  outcome: { machine: string } | { error: string },
): PlatformSupport {
  const canonical = formatPlatform(platform);
  if ("error" in outcome)
    return { platform: canonical, mode: "unavailable", reason: outcome.error };
  const { machine } = outcome;
  if (!acceptedMachines(platform).includes(machine)) {
    return {
      platform: canonical,
      mode: "unavailable",
      machine,
      reason: `the probe ran as ${machine}, expected ${acceptedMachines(platform).join(" or ")}`,
    };
  }
  const nativeName = formatPlatform(native);
  const runsNatively = canonical === nativeName || COMPAT[nativeName]?.[canonical] === machine;
  return { platform: canonical, mode: runsNatively ? "native" : "emulated", machine };
}

async function probe(
  client: Client,
  image: string,
  platform: Platform,
): Promise<{ machine: string } | { error: string }> {
  try {
    const out = await client
      .container({ platform: formatPlatform(platform) as DaggerPlatform })
      .from(image)
      // A fresh value per probe: the engine must run it again, not answer from its cache.
      .withEnvVariable("MULTIARCH_PROBE", `${Date.now()}-${Math.random()}`)
      .withExec(["uname", "-m"])
      .stdout();
    return { machine: out.trim() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { error: message.split("\n")[0] ?? message };
  }
}

/** Where this engine's probe answers are kept, and under which key; undefined: not cached. */
interface ProbeCache {
  readonly dir: string;
  readonly key: string;
}

function probeCache(parts: Omit<ProbeKeyParts, "hostState">): ProbeCache | undefined {
  const hostState = hostEmulationState();
  if (hostState === undefined) return undefined;
  return { dir: cacheDir(process.env), key: probeKey({ ...parts, hostState }) };
}

async function probeAll(
  client: Client,
  image: string,
  platforms: readonly Platform[],
  native: Platform,
  cache?: ProbeCache,
): Promise<{ results: PlatformSupport[]; known: string[] }> {
  const names = platforms.map(formatPlatform);
  const known = cache === undefined ? [] : recall(cache.dir, cache.key, names);
  const toProbe = platforms.filter((p) => !known.some((k) => k.platform === formatPlatform(p)));
  const outcomes = await Promise.all(toProbe.map((p) => probe(client, image, p)));
  const probed = toProbe.map((p, i) => classify(native, p, outcomes[i] ?? { error: "not probed" }));
  if (cache !== undefined) remember(cache.dir, cache.key, probed);
  const results = names.map(
    (name) =>
      known.find((k) => k.platform === name) ??
      probed.find((p) => p.platform === name) ?? { platform: name, mode: "unavailable" as const },
  );
  return { results, known: known.map((k) => k.platform) };
}

/** Register QEMU handlers on the engine's host: the binfmt installer, run privileged. */
async function installEmulators(client: Client, image: string): Promise<void> {
  await client
    .container()
    .from(image)
    // It changes the host, not a file system: a cached result would skip it.
    .withEnvVariable("MULTIARCH_INSTALL", `${Date.now()}-${Math.random()}`)
    .withExec(["--install", "all"], { useEntrypoint: true, insecureRootCapabilities: true })
    .sync();
}

/**
 * Find out how the connected engine runs each platform: native, emulated, or not at all. Probes
 * run in parallel, one tiny container per platform. With `install`, a privileged binfmt installer
 * registers QEMU first (as `docker run --privileged tonistiigi/binfmt --install all` does).
 * @throws MultiarchError EMULATION_UNAVAILABLE when a platform cannot run and `require` is set
 */
export async function withEmulation(
  platforms: readonly string[] | string,
  options: WithEmulationOptions = {},
): Promise<EmulationReport> {
  const { client: given, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "emulation options");
  const parsed = parsePlatforms(platforms);
  const client = given ?? (await defaultClient());
  const runnerHost = opts.reuseProbes ? localRunnerHost(process.env) : undefined;
  const [nativeName, engineVersion] = await Promise.all([
    client.defaultPlatform(),
    runnerHost === undefined ? undefined : client.version(),
  ]);
  const native = parsePlatform(nativeName);
  const cache =
    runnerHost === undefined || engineVersion === undefined
      ? undefined
      : probeCache({ runnerHost, engineVersion, native: nativeName, probeImage: opts.probeImage });
  let { results, known } = await probeAll(client, opts.probeImage, parsed.platforms, native, cache);
  let installed = false;
  if (opts.install && results.some((r) => r.mode === "unavailable")) {
    await installEmulators(client, opts.installerImage);
    installed = true;
    ({ results, known } = await probeAll(client, opts.probeImage, parsed.platforms, native));
  }
  const report: EmulationReport = {
    native: formatPlatform(native),
    platforms: results,
    duplicates: parsed.duplicates,
    installed,
    ...(known.length === 0 ? {} : { known }),
  };
  const missing = results.filter((r) => r.mode === "unavailable");
  if (opts.require && missing.length > 0) {
    const runnable = results.filter((r) => r.mode !== "unavailable").map((r) => r.platform);
    throw new MultiarchError(
      ErrorCode.EMULATION_UNAVAILABLE,
      `The engine cannot run ${missing.map((m) => m.platform).join(", ")}.`,
      {
        given: missing.map((m) => `${m.platform}: ${m.reason ?? "unknown"}`).join("; "),
        expected: `platforms the engine runs; it runs: ${runnable.join(", ") || "none"}`,
        hint:
          "register QEMU binfmt handlers with the F flag on the engine's host (Debian: apt-get install " +
          "qemu-user-static; or run withEmulation with install: true), then restart the engine; " +
          "or cross-compile those platforms in a FROM --platform=$BUILDPLATFORM stage",
      },
    );
  }
  return report;
}
