/**
 * What the Dagger module's `emulation` function returns: how the engine runs each platform.
 */
import { func, object } from "@dagger.io/dagger";
import { table } from "../common/text.js";
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

/** How the connected engine runs each requested platform: natively, under QEMU, or not at all. */
@object()
export class MultiarchEmulationReport {
  /** The engine's own platform, os/arch[/variant]. */
  @func()
  native: string;

  /** One entry per requested platform (duplicates dropped), in the order given. */
  @func()
  platforms: MultiarchPlatformSupport[];

  constructor(native: string, platforms: MultiarchPlatformSupport[]) {
    this.native = native;
    this.platforms = platforms;
  }

  /** The SDK's report as the module's object. */
  static of(report: EmulationReport): MultiarchEmulationReport {
    return new MultiarchEmulationReport(
      report.native,
      report.platforms.map(
        (p) =>
          new MultiarchPlatformSupport(p.platform, MODES[p.mode], p.machine ?? "", p.reason ?? ""),
      ),
    );
  }

  /** A table, one line per platform: platform, mode, machine, reason. */
  @func()
  summary(): string {
    const rows = this.platforms.map((p) => [p.platform, p.mode, p.machine || "-", p.reason]);
    return `engine: ${this.native}\n${table(["PLATFORM", "MODE", "MACHINE", "REASON"], rows)}\n`;
  }
}
