/**
 * `multiarch publish`: check the host side (source directory, Dockerfile, export target) before
 * any engine starts, then build every platform and push one index, or export a tarball.
 */
import { readFileSync, statSync } from "node:fs";
import { appendFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { retryEvent } from "../../common/progress.js";
import type { BuildMode } from "../../plan/dockerfile-stages.js";
import { openRegistry } from "../../registry/open-registry.js";
import { STDIN, type Destination, type PublishCommand } from "../args.js";
import type { BuildCommand } from "../args-scale-out.js";
import type { Client, Directory } from "@dagger.io/dagger";
import type { OpenRegistry } from "../../registry/open-registry.js";
import { buildContext, readAllStdin } from "../build-context.js";
import { progressOutput } from "../progress-output.js";
import { MultiarchError } from "../../common/errors.js";
import { buildMetadata, githubOutputLines } from "../build-metadata.js";
import type { PublishResult } from "../../publish/result.js";
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
export function checkHost(
  command: PublishCommand | BuildCommand,
  probe: HostProbe = hostProbe,
): void {
  if (command.source !== undefined) {
    const source = probe.kind(command.source);
    if (source === undefined) {
      throw new UsageError(`context ${command.source}: no such directory`, "publish");
    }
    if (source !== "dir") {
      throw new UsageError(`context ${command.source}: not a directory`, "publish");
    }
  }
  const dockerfile = command.dockerfile;
  if (dockerfile !== STDIN && probe.kind(dockerfile) !== "file") {
    throw new UsageError(`no Dockerfile at ${dockerfile} (give its path with -f)`, "publish");
  }
  for (const [flag, file] of [
    ["--metadata-file", command.metadataFile],
    ["--iidfile", command.iidFile],
  ] as const) {
    if (file !== undefined && probe.kind(dirname(file)) !== "dir") {
      throw new UsageError(
        `${flag} ${file}: the directory ${dirname(file)} does not exist`,
        "publish",
      );
    }
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

/** publish, or build (one platform pushed by digest: the same steps, but no index and no tag). */
export async function runPublish(
  command: PublishCommand | BuildCommand,
  io: Io,
  env: Readonly<Record<string, string | undefined>> = {},
  readStdin: () => Promise<string> = readAllStdin,
): Promise<void> {
  checkHost(command);
  const progress = progressOutput(command.progress, io);
  for (const { input, canonical } of command.duplicates) {
    progress.note(duplicatesNote([{ input, canonical }]).trimEnd(), {
      kind: "note",
      duplicate: input,
      canonical,
    });
  }
  if (command.noCache) {
    progress.note(
      "note: --no-cache re-reads the context from disk; the Dagger engine offers no switch to rebuild cached steps",
      { kind: "note", noCache: "the context is re-read; cached steps may be reused" },
    );
  }
  // Secret files are read here; every secret value is scrubbed from any error, like the password.
  const buildSecrets = command.secrets.map((secret) =>
    "file" in secret ? { id: secret.id, value: readSecretFile(secret.id, secret.file) } : secret,
  );
  // Before any engine starts: does each registry answer, and take the credentials? Opened once,
  // here; the publish below uses them without asking again.
  const destination = command.destination;
  const targets =
    destination.kind === "push"
      ? await Promise.all(
          destination.targets.map(async ({ repository, tags }) => ({
            address: await openRegistry(
              repository,
              {
                ...destination.credentials,
                plainHttp: destination.plainHttp,
                retries: destination.retries,
              },
              {
                onRetry: (retry) => {
                  const event = retryEvent(retry);
                  progress.event(event, progressLine(event, { width: 0, modeOf: () => undefined }));
                },
              },
            ),
            tags,
          })),
        )
      : [];
  for (const { address } of targets) {
    if (address.credentialsFrom !== undefined) {
      progress.note(`credentials for ${address.ref.registry}: ${address.credentialsFrom}`, {
        kind: "credentials",
        registry: address.ref.registry,
        from: address.credentialsFrom,
      });
    }
  }

  const secretValues = buildSecrets.map((s) => s.value);
  await withEngine(
    async (client) => {
      const { defineImage } = await import("../../publish/define-image.js");
      const width = Math.max(...command.platforms.map((p) => p.length));
      const seconds = new Map<string, number>();
      // Filled once the engine has been probed, before any build starts.
      const modes = new Map<string, BuildMode>();
      const modeOf = (platform: string) => modes.get(platform);

      const context = await buildContext(client, command, readStdin);
      const [first, ...more] = targets;
      if (
        command.kind === "publish" &&
        command.engines.length > 0 &&
        destination.kind === "push" &&
        first !== undefined
      ) {
        if (more.length > 0) {
          throw new UsageError(
            "--engine pushes to one repository: give one -t/--address",
            "publish",
          );
        }
        const result = await publishOverEngines(command, destination, first, context, client, io);
        await writeBuildOutputs(command, result, env);
        return;
      }
      const image = await defineImage({
        client,
        source: context.directory,
        platforms: [...command.platforms],
        dockerfile: context.dockerfile,
        ...(command.source === undefined ? {} : { sourcePath: command.source }),
        buildArgs: { ...command.buildArgs },
        secrets: buildSecrets.map(({ id, value }) => client.setSecret(id, value)),
        ...(command.target === undefined ? {} : { target: command.target }),
        ...(command.sourceDateEpoch === undefined
          ? {}
          : { sourceDateEpoch: command.sourceDateEpoch }),
        onProgress: (event) => {
          if (event.kind === "build-done") seconds.set(event.platform, event.seconds);
          progress.event(event, progressLine(event, { width, modeOf }));
        },
      });
      image.variants.forEach((v, i) => {
        if (v.mode !== undefined) modes.set(image.platforms[i] ?? "", v.mode);
      });
      progress.note(emulationLine(image.emulation), { kind: "emulation", ...image.emulation });
      const format = {
        placedAnnotations: [...command.annotations],
        labels: { ...command.labels },
        mediaTypes: command.mediaTypes,
        compression: command.compression,
      };

      if (destination.kind === "push") {
        if (first === undefined) throw new Error("unreachable: a push without a target");
        const access = registryAccess(destination, client);
        const result =
          command.kind === "build"
            ? await image.pushByDigest(first.address, { ...format, ...access })
            : await image.publish(first.address, {
                ...format,
                ...access,
                verify: command.verify,
                scanBinaries: command.scan,
                provenance: command.provenance,
                sbom: command.sbom,
                tags: [...first.tags],
                alsoTo: more,
              });
        await writeBuildOutputs(command, result, env);
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
    {
      onChoice: (choice) =>
        progress.note(`engine: ${choice.reason}`, { kind: "engine", reason: choice.reason }),
      ...(progress.engineLog === undefined ? {} : { onLog: progress.engineLog }),
    },
  ).catch((error: unknown) => {
    throw scrubbed(error, secretValues);
  });
}

/** A secret file's contents. @throws UsageError when it cannot be read */
function readSecretFile(id: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new UsageError(`--secret id=${id}: cannot read ${file} (${reason})`, "publish");
  }
}

/** A failure with the given secret values scrubbed from its message and details. */
function scrubbed(error: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || !(error instanceof MultiarchError)) return error;
  return new MultiarchError(error.code, error.message, { ...error.details, cause: error, secrets });
}

/** --metadata-file, --iidfile and $GITHUB_OUTPUT, from the published index. */
async function writeBuildOutputs(
  command: PublishCommand | BuildCommand,
  result: PublishResult,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const metadata = buildMetadata(result);
  if (command.metadataFile !== undefined) {
    await writeFile(command.metadataFile, `${JSON.stringify(metadata, null, 2)}\n`);
  }
  if (command.iidFile !== undefined) await writeFile(command.iidFile, result.digest);
  const githubOutput = env["GITHUB_OUTPUT"];
  if (githubOutput !== undefined && githubOutput !== "") {
    await appendFile(githubOutput, githubOutputLines(metadata));
  }
}

/** `--engine` given: every platform on its engine, one index (publishRouted). */
/**
 * A push's registry transport, retries and credentials as the library's options; the password
 * goes to the engine as a Dagger secret, never as plain text.
 */
function registryAccess(destination: Extract<Destination, { kind: "push" }>, client: Client) {
  const login = destination.credentials;
  return {
    ...(destination.plainHttp === undefined ? {} : { plainHttp: destination.plainHttp }),
    ...(destination.retries === undefined ? {} : { retries: destination.retries }),
    ...(login === undefined
      ? {}
      : {
          username: login.username,
          password: client.setSecret("registry-password", login.password),
        }),
  };
}

async function publishOverEngines(
  command: PublishCommand,
  destination: Extract<Destination, { kind: "push" }>,
  target: { readonly address: OpenRegistry; readonly tags: readonly string[] },
  context: { readonly directory: Directory; readonly dockerfile: string },
  client: Client,
  io: Io,
): Promise<PublishResult> {
  const { publishRouted } = await import("../../publish/publish-routed.js");
  const width = Math.max(...command.platforms.map((p) => p.length));
  const report = await publishRouted(target.address, {
    client,
    source: context.directory,
    dockerfile: context.dockerfile,
    engines: command.engines,
    fallback: command.fallback,
    defaultEngine: process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"] ?? "default",
    platforms: [...command.platforms],
    buildArgs: { ...command.buildArgs },
    ...(command.target === undefined ? {} : { target: command.target }),
    ...(command.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: command.sourceDateEpoch }),
    placedAnnotations: [...command.annotations],
    labels: { ...command.labels },
    mediaTypes: command.mediaTypes,
    compression: command.compression,
    verify: command.verify,
    scanBinaries: command.scan,
    tags: [...target.tags],
    ...registryAccess(destination, client),
    onProgress: (event) => io.err(`${progressLine(event, { width, modeOf: () => undefined })}\n`),
  });
  io.err(`${emulationLine(report.emulation)}\n`);
  for (const f of report.fallbacks) {
    io.err(`FALLBACK: ${f.engine} failed; ${f.platforms.join(", ")} built on the default engine\n`);
  }
  io.out(command.json ? toJson(publishJson(report)) : publishTable(report));
  return report;
}
