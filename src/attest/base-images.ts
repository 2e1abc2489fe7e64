/**
 * The base images a Dockerfile builds from, for provenance: the FROM references (stage names
 * and `scratch` left out, build args substituted), and their digests as the engine resolves them
 * from the registry (through the same mirrors and credentials the build used).
 */
import type { Client } from "@dagger.io/dagger";
import type { ResolvedImage } from "./provenance.js";

/**
 * Each FROM's image, in order, once; `scratch` and earlier stages are not images. Read by
 * dockerfile-ast, as the stage scan reads it (heredocs, `# escape=`, continuations).
 */
export async function baseImageReferences(
  dockerfile: string,
  buildArgs: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const { DockerfileParser } = await import("dockerfile-ast");
  const parsed = DockerfileParser.parse(dockerfile);
  // Only the ARGs before the first FROM may appear in a FROM line.
  const args = new Map<string, string>();
  for (const arg of parsed.getInitialARGs()) {
    const property = arg.getProperty();
    if (property === null) continue;
    const name = property.getName();
    args.set(name, buildArgs[name] ?? property.getValue() ?? "");
  }
  const stages = new Set<string>();
  const images: string[] = [];
  for (const from of parsed.getFROMs()) {
    const image = substitute(from.getImage() ?? "", args);
    const isImage =
      image !== "" && image.toLowerCase() !== "scratch" && !stages.has(image.toLowerCase());
    if (isImage && !images.includes(image)) images.push(image);
    const stage = from.getBuildStage();
    if (stage !== null) stages.add(stage.toLowerCase());
  }
  return images;
}

function substitute(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = args.get(braced ?? bare ?? "");
      return value !== undefined && value !== "" ? value : (fallback ?? "");
    },
  );
}

/**
 * Each reference with the digest the engine resolves it to (the registry's index or manifest
 * digest); a reference the engine cannot resolve is left out.
 */
export async function resolveBaseImages(
  client: Client,
  references: readonly string[],
): Promise<ResolvedImage[]> {
  const resolved = await Promise.all(
    references.map(async (reference) => {
      try {
        const ref = await client.container().from(reference).imageRef();
        const at = ref.lastIndexOf("@");
        return at < 0 ? undefined : { reference: ref.slice(0, at), digest: ref.slice(at + 1) };
      } catch {
        return undefined;
      }
    }),
  );
  return resolved.filter((r): r is ResolvedImage => r !== undefined);
}
