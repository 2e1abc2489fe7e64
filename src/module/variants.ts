/**
 * The library's variants from the containers a caller hands the module: each container says its
 * own platform; how it ran comes from the module's emulation check when there was one.
 */
import type { Container } from "@dagger.io/dagger";
import type { Variant } from "../engine/variants.js";
import { formatPlatform, parsePlatform } from "../platform/platform.js";
import { MultiarchRunMode, type MultiarchPlatformSupport } from "./emulation-report.js";

/**
 * @param checked what withEmulation found
 * @param engine the engine's own platform. A foreign platform withEmulation did not check counts
 *   as emulated, so a crash by signal there is still reported as a possible QEMU crash.
 */
export async function variantsOf(
  containers: readonly Container[],
  checked: readonly MultiarchPlatformSupport[],
  engine: string,
): Promise<Variant[]> {
  const enginePlatform = formatPlatform(parsePlatform(engine));
  return Promise.all(
    containers.map(async (container) => {
      const platform = formatPlatform(parsePlatform(await container.platform()));
      const mode = checked.find((c) => c.platform === platform)?.mode;
      const native =
        mode === undefined ? platform === enginePlatform : mode === MultiarchRunMode.NATIVE;
      return { platform, container, emulated: !native, mode: native ? "native" : "emulated" };
    }),
  );
}
