/**
 * How the engine runs each platform, as the module's withEmulation records it.
 */
import { func, object } from "@dagger.io/dagger";
import type { EmulationReport, PlatformSupport } from "../engine/emulation.js";

/** How the engine runs a platform. */
export enum MultiarchRunMode {
  /** On the engine's own CPU (or one it runs without an emulator, like 386 on amd64). */
  NATIVE = "native",
  /** Under QEMU user emulation, through the kernel's binfmt_misc handlers. */
  EMULATED = "emulated",
  /** Not at all: no emulator is registered for it, or the probe ran as the wrong machine. */
  UNAVAILABLE = "unavailable",
}

const MODES: Readonly<Record<PlatformSupport["mode"], MultiarchRunMode>> = {
  native: MultiarchRunMode.NATIVE,
  emulated: MultiarchRunMode.EMULATED,
  unavailable: MultiarchRunMode.UNAVAILABLE,
};

/** One platform of an emulation check. */
@object()
export class MultiarchPlatformSupport {
  /** Canonical platform, os/arch[/variant]. */
  @func()
  platform: string;

  /** How the engine runs it. */
  @func()
  mode: MultiarchRunMode;

  /** What `uname -m` printed in the probe container; empty when the probe did not run. */
  @func()
  machine: string;

  /** Why the platform cannot run; empty when it can. */
  @func()
  reason: string;

  constructor(platform: string, mode: MultiarchRunMode, machine: string, reason: string) {
    this.platform = platform;
    this.mode = mode;
    this.machine = machine;
    this.reason = reason;
  }
}

/** The SDK's emulation report as the module's objects, one per platform. */
export function platformSupports(report: EmulationReport): MultiarchPlatformSupport[] {
  return report.platforms.map(
    (p) => new MultiarchPlatformSupport(p.platform, MODES[p.mode], p.machine ?? "", p.reason ?? ""),
  );
}
