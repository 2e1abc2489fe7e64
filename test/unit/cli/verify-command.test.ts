// `multiarch verify`: argv → the typed command, and bad input → a UsageError (exit 2).
import { describe, expect, it } from "vitest";
import { parseCli, type Command } from "../../../src/cli/args.js";
import { UsageError } from "../../../src/cli/usage.js";
import { helpText } from "../../../src/cli/help.js";
import type { Io } from "../../../src/cli/io.js";
import { run } from "../../../src/cli/main.js";

const context = { env: { REG_PASSWORD: "s3cr3t-pw" }, cwd: "/work/here" };
const REF = "127.0.0.1:5000/team/app:1.0";

describe("parseCli verify", () => {
  it.each<[string[], Command]>([
    [[REF], { kind: "verify", ref: REF, scan: true, json: false }],
    [
      ["127.0.0.1:5000/team/app", "--platforms", "amd64,armhf", "--platform", "s390x"],
      {
        kind: "verify",
        ref: "127.0.0.1:5000/team/app:latest",
        platforms: ["linux/s390x", "linux/amd64", "linux/arm/v7"],
        scan: true,
        json: false,
      },
    ],
    [
      [REF, "--smoke", "uname -m", "--no-scan", "--json", "--plain-http"],
      { kind: "verify", ref: REF, smoke: "uname -m", scan: false, plainHttp: true, json: true },
    ],
    [
      [REF, "--username", "ci", "--password-env", "REG_PASSWORD"],
      {
        kind: "verify",
        ref: REF,
        scan: true,
        json: false,
        credentials: { username: "ci", passwordEnv: "REG_PASSWORD", password: "s3cr3t-pw" },
      },
    ],
    [
      [`127.0.0.1:5000/app@sha256:${"a".repeat(64)}`],
      {
        kind: "verify",
        ref: `127.0.0.1:5000/app@sha256:${"a".repeat(64)}`,
        scan: true,
        json: false,
      },
    ],
  ])("%j", (argv, want) => {
    expect(parseCli(["verify", ...argv], context)).toEqual(want);
  });

  it.each([
    [[], /missing REF/],
    [[REF, "other"], /one REF/],
    [[REF, "--platforms", "sparc"], /--platforms: Invalid platform "sparc"/],
    [[REF, "--smoke", ""], /--smoke needs a command/],
    [[REF, "--username", "ci"], /--password-env/],
    [[REF, "--scan"], /unknown option --scan for verify/],
    [["HTTP://x"], /REF/],
  ])("%j is a usage error", (argv, message) => {
    const parse = () => parseCli(["verify", ...argv], context);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });

  it("has its own help", () => {
    expect(parseCli(["verify", "--help"], context)).toEqual({ kind: "help", topic: "verify" });
    expect(parseCli(["help", "verify"], context)).toEqual({ kind: "help", topic: "verify" });
    expect(helpText("verify")).toContain("--smoke CMD");
    expect(helpText("main")).toContain("verify    check a published index");
  });

  it("exits 2 on bad input, before touching a registry", async () => {
    const io: Io & { stderr: string } = {
      stderr: "",
      out: () => undefined,
      err(text) {
        this.stderr += text;
      },
    };
    expect(await run(["verify"], io, context)).toBe(2);
    expect(io.stderr).toContain("usage: multiarch verify REF");
  });
});
