/**
 * What a publish leaves for the tools around it, as buildx does: the `--metadata-file` JSON
 * (buildx's keys), the `--iidfile` digest, and step outputs in $GITHUB_OUTPUT. Pure.
 */
import type { PublishResult } from "../publish/result.js";

/** buildx's metadata keys for a pushed image index. Never holds build args or secrets. */
export function buildMetadata(
  result: Pick<PublishResult, "digest" | "size" | "mediaType" | "refs">,
) {
  return {
    "containerimage.descriptor": {
      mediaType: result.mediaType,
      digest: result.digest,
      size: result.size,
    },
    "containerimage.digest": result.digest,
    // buildx joins every name it pushed with commas: `registry/repo:tag`, no digest.
    "image.name": result.refs.map((ref) => ref.slice(0, ref.lastIndexOf("@"))).join(","),
  };
}

/**
 * Lines to append to $GITHUB_OUTPUT: the outputs docker/build-push-action sets (`digest`,
 * `imageid`: for an index both are its digest; `metadata`, one line of JSON).
 */
export function githubOutputLines(metadata: ReturnType<typeof buildMetadata>): string {
  const digest = metadata["containerimage.digest"];
  return `digest=${digest}\nimageid=${digest}\nmetadata=${JSON.stringify(metadata)}\n`;
}
