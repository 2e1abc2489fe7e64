/**
 * `multiarch merge`: one index from images already in the registry (mergeIndex). Talks to the
 * registry only; no engine.
 */
import { progressLine } from "../../present/render.js";
import { mergeTable } from "../../present/scale-out.js";
import { toJson } from "../../present/render.js";
import { mergeIndex } from "../../publish/merge-index.js";
import type { MergeCommand } from "../args-scale-out.js";
import type { Io } from "../io.js";

export async function runMerge(command: MergeCommand, io: Io): Promise<void> {
  const login = command.credentials;
  const result = await mergeIndex(command.sources, command.repository, {
    tags: [...command.tags],
    placedAnnotations: [...command.annotations],
    verify: command.verify,
    scanBinaries: command.scan,
    ...(login === undefined ? {} : { username: login.username, password: login.password }),
    ...(command.plainHttp === undefined ? {} : { plainHttp: command.plainHttp }),
    ...(command.retries === undefined ? {} : { retries: command.retries }),
    onProgress: (event) =>
      io.err(`${progressLine(event, { width: 0, modeOf: () => undefined })}\n`),
  });
  io.out(command.json ? toJson(result) : mergeTable(result));
}
