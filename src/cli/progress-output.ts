/**
 * What `--progress` shows on stderr: auto and tty, our one-line-per-event progress (there is no
 * full-screen display); plain, those lines and the engine's own log (each step and its output,
 * colour codes dropped); rawjson, each progress event as one JSON line; quiet, nothing but
 * errors. Results on stdout are the same in every mode.
 */
import type { ProgressEvent } from "../common/progress.js";
import { stripAnsi } from "../common/text.js";
import type { ProgressMode } from "./args.js";
import type { Io } from "./io.js";

export interface ProgressOutput {
  /** A line of human progress (a note, the engine chosen, emulation), with its JSON form. */
  readonly note: (line: string, json: Readonly<Record<string, unknown>>) => void;
  /** A progress event, with its human line. */
  readonly event: (event: ProgressEvent, line: string) => void;
  /** The engine's own log, when this mode shows it. */
  readonly engineLog: ((text: string) => void) | undefined;
}

export function progressOutput(mode: ProgressMode, io: Io): ProgressOutput {
  switch (mode) {
    case "quiet":
      return { note: () => {}, event: () => {}, engineLog: undefined };
    case "rawjson":
      return {
        note: (_, json) => io.err(`${JSON.stringify(json)}\n`),
        event: (event) => io.err(`${JSON.stringify(event)}\n`),
        engineLog: undefined,
      };
    case "plain":
      return {
        note: (line) => io.err(`${line}\n`),
        event: (_, line) => io.err(`${line}\n`),
        engineLog: (text) => io.err(stripAnsi(text)),
      };
    case "auto":
    case "tty":
      return {
        note: (line) => io.err(`${line}\n`),
        event: (_, line) => io.err(`${line}\n`),
        engineLog: undefined,
      };
  }
}
