/**
 * `multiarch publish`: check the host side (source directory, Dockerfile, export target) before
 * any engine starts, then build every platform and push one index, or export a tarball.
 */
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { retryEvent } from "../../common/progress.js";
import type { BuildMode } from "../../plan/dockerfile-stages.js";
import { openRegistry } from "../../registry/open-registry.js";
import type { PublishCommand } from "../args.js";
import { UsageError } from "../usage.js";
import { withEngine } from "../../engine/connection.js";
import type { Io } from "../io.js";
import {
  duplicatesNote,
  emulationLine,
  exportJson,
  exportTable,
  progressLine,
  publishJson,
  publishTable,
  toJson,
  type ExportResult,
} from "../../present/render.js";

export interface HostProbe {
  /** "dir", "file", "other", or undefined when nothing is there. */
  readonly kind: (path: string) => "dir" | "file" | "other" | undefined;
}

export const hostProbe: HostProbe = {
  kind: (path) => {
    try {
      const stats = statSync(path);
      return stats.isDirectory() ? "dir" : stats.isFile() ? "file" : "other";
    } catch {
      return undefined;
    }
  },
};

/**
 * What must hold on this machine before connecting: the source is a directory holding the
 * Dockerfile; an export target's directory exists and the target is not a directory.
 * @throws UsageError
 */
export function checkHost(command: PublishCommand, probe: HostProbe = hostProbe): void {
  const source = probe.kind(command.source);
  if (source === undefined) {
    throw new UsageError(`--source ${command.source}: no such directory`, "publish");
  }
  if (source !== "dir") {
    throw new UsageError(`--source ${command.source}: not a directory`, "publish");
  }
  const dockerfile = join(command.source, command.dockerfile);
  if (probe.kind(dockerfile) !== "file") {
    throw new UsageError(
      `no Dockerfile at ${dockerfile} (give its path inside --source with --dockerfile)`,
      "publish",
    );
  }
  if (command.destination.kind === "export") {
    const file = command.destination.file;
    if (probe.kind(file) === "dir") {
      throw new UsageError(`--export ${file}: that is a directory; give a file name`, "publish");
    }
    if (probe.kind(dirname(file)) !== "dir") {
      throw new UsageError(
        `--export ${file}: the directory ${dirname(file)} does not exist`,
        "publish",
      );
    }
  }
}

export async function runPublish(command: PublishCommand, io: Io): Promise<void> {
  checkHost(command);
  io.err(duplicatesNote(command.duplicates));
  // Before any engine starts: does the registry answer, and take the credentials? Opened once,
  // here; the publish below uses it without asking again.
  const destination = command.destination;
  const target =
    destination.kind === "push"
      ? await openRegistry(
          destination.repository,
          {
            ...destination.credentials,
            plainHttp: destination.plainHttp,
            retries: destination.retries,
          },
          {
            onRetry: (retry) =>
              io.err(`${progressLine(retryEvent(retry), { width: 0, modeOf: () => undefined })}\n`),
          },
        )
      : undefined;
  if (target?.credentialsFrom !== undefined) {
    io.err(`credentials for ${target.ref.registry}: ${target.credentialsFrom}\n`);
  }

  await withEngine(
    async (client) => {
      const { defineImage } = await import("../../publish/define-image.js");
      const width = Math.max(...command.platforms.map((p) => p.length));
      const seconds = new Map<string, number>();
      // Filled once the engine has been probed, before any build starts.
      const modes = new Map<string, BuildMode>();
      const modeOf = (platform: string) => modes.get(platform);

      const image = await defineImage({
        client,
        source: client.host().directory(command.source),
        platforms: [...command.platforms],
        dockerfile: command.dockerfile,
        buildArgs: { ...command.buildArgs },
        ...(command.target === undefined ? {} : { target: command.target }),
        ...(command.sourceDateEpoch === undefined
          ? {}
          : { sourceDateEpoch: command.sourceDateEpoch }),
        onProgress: (event) => {
          if (event.kind === "build-done") seconds.set(event.platform, event.seconds);
          io.err(`${progressLine(event, { width, modeOf })}\n`);
        },
      });
      image.variants.forEach((v, i) => {
        if (v.mode !== undefined) modes.set(image.platforms[i] ?? "", v.mode);
      });
      io.err(`${emulationLine(image.emulation)}\n`);
      const format = {
        annotations: { ...command.annotations },
        labels: { ...command.labels },
        mediaTypes: command.mediaTypes,
        compression: command.compression,
      };

      if (destination.kind === "push") {
        const login = destination.credentials;
        const result = await image.publish(target ?? destination.repository, {
          ...format,
          verify: command.verify,
          scanBinaries: command.scan,
          tags: [...destination.tags],
          ...(destination.plainHttp === undefined ? {} : { plainHttp: destination.plainHttp }),
          ...(destination.retries === undefined ? {} : { retries: destination.retries }),
          ...(login === undefined
            ? {}
            : {
                username: login.username,
                password: client.setSecret("registry-password", login.password),
              }),
        });
        const report = { ...result, emulation: image.emulation };
        io.out(command.json ? toJson(publishJson(report)) : publishTable(report));
        return;
      }

      const tarball = await image.export(format);
      const path = await tarball.export(destination.file);
      const result: ExportResult = {
        path,
        size: statSync(path).size,
        platforms: image.variants.map((v, i) => {
          const platform = image.platforms[i] ?? "";
          return { platform, seconds: seconds.get(platform) ?? 0, mode: v.mode ?? "emulated" };
        }),
        emulation: image.emulation,
      };
      io.out(command.json ? toJson(exportJson(result)) : exportTable(result));
    },
    { onChoice: (choice) => io.err(`engine: ${choice.reason}\n`) },
  );
}
