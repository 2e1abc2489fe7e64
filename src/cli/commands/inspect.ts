/**
 * `multiarch inspect REF`: what a tag or digest names in its registry, per platform. Talks to the
 * registry directly (RegistryClient + readIndex); no engine.
 */
import { RegistryClient } from "../../registry/client.js";
import { readIndex } from "../../registry/image-index.js";
import type { InspectCommand } from "../args.js";
import type { Io } from "../io.js";
import { inspectJson, inspectTable, toJson } from "../../present/render.js";

/** The reference names nothing in the registry: exit 1, with this message. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export async function runInspect(command: InspectCommand, io: Io): Promise<void> {
  const login = command.credentials;
  const client = new RegistryClient({
    registry: command.registry,
    ...(login === undefined ? {} : { username: login.username, password: login.password }),
    ...(command.plainHttp === undefined ? {} : { plainHttp: command.plainHttp }),
    ...(command.retries === undefined ? {} : { retries: command.retries }),
  });
  const summary = await readIndex(client, command.repository, command.reference);
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
