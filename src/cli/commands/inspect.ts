/**
 * `multiarch inspect REF`: what a tag or digest names in its registry, per platform. Talks to the
 * registry directly (openRegistry + readIndex); no engine.
 */
import { openRegistry } from "../../registry/open-registry.js";
import { readIndex } from "../../registry/image-index.js";
import type { InspectCommand } from "../args.js";
import type { Io } from "../io.js";
import { inspectJson, inspectTable, toJson } from "../../present/render.js";

/** The reference names nothing in the registry: exit 1, with this message. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export async function runInspect(command: InspectCommand, io: Io): Promise<void> {
  const { registry } = await openRegistry(
    { registry: command.registry, repository: command.repository },
    { ...command.credentials, plainHttp: command.plainHttp, retries: command.retries },
    { ping: false },
  );
  const summary = await readIndex(registry, command.repository, command.reference);
  if (summary === undefined) {
    throw new NotFoundError(
      `${command.display} not found: the registry has no such ${command.reference.startsWith("sha256:") ? "digest" : "tag"} (or no such repository)`,
    );
  }
  io.out(
    command.json
      ? toJson(inspectJson(command.display, summary))
      : inspectTable(command.display, summary),
  );
}
