// startSession against stand-in `dagger` CLIs (shell scripts): how it reads the connect line, and
// what it says when the session never gets that far. The real session is tested on the bed
// (test/e2e/cli: every publish there connects through it).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogTail } from "../../../src/engine/connection.js";
import { startSession } from "../../../src/engine/session.js";

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-session-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function fakeCli(script: string): string {
  const path = join(work, "dagger");
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("startSession", () => {
  it("resolves with the port and token the session prints, passing its arguments as the SDK does", async () => {
    const args = join(work, "args");
    const cli = fakeCli(
      `echo "$@" > '${args}'\necho 'connecting' >&2\necho '{"port":41234,"session_token":"tok-1"}'\nsleep 30`,
    );
    const log = new LogTail();
    const session = await startSession(cli, log, process.env);
    session.close();
    expect([session.port, session.token]).toEqual([41234, "tok-1"]);
    expect(readFileSync(args, "utf8")).toMatch(
      /^session --label dagger\.io\/sdk\.name:nodejs --label dagger\.io\/sdk\.version:\S+\n$/,
    );
  });

  it("rejects, saying how it ended, when the session exits before it is ready", async () => {
    const log = new LogTail();
    const cli = fakeCli(`echo 'unknown progress type "auto"' >&2\nexit 1`);
    await expect(startSession(cli, log, process.env)).rejects.toThrow(
      /session ended \(exit 1\) before it was ready/,
    );
    expect(log.text).toContain('unknown progress type "auto"');
  });

  it("rejects when the first line is not connect parameters", async () => {
    const cli = fakeCli(`echo 'hello'\nsleep 30`);
    await expect(startSession(cli, new LogTail(), process.env)).rejects.toThrow(
      /printed no connect parameters: hello/,
    );
  });

  it("rejects when the CLI cannot be started", async () => {
    await expect(startSession(join(work, "missing"), new LogTail(), process.env)).rejects.toThrow(
      /ENOENT/,
    );
  });
});
