// Shell completion is generated from the parser's own flag tables: each shell's script lists
// every command and every flag of every command (long and short forms).
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { parseCli } from "../../../src/cli/args.js";
import { COMMAND_OPTIONS, completionScript } from "../../../src/cli/completion.js";
import { SHELLS } from "../../../src/cli/completion-shells.js";
import { UsageError } from "../../../src/cli/usage.js";

const context = { env: {}, cwd: "/" };

describe.each(SHELLS)("completion %s", (shell) => {
  const script = completionScript(shell);

  test("lists every command", () => {
    for (const command of Object.keys(COMMAND_OPTIONS)) expect(script).toContain(command);
  });

  test.each(Object.entries(COMMAND_OPTIONS))("lists every flag of %s", (command, options) => {
    // The part of the script for this command: its case line (bash, zsh) or its lines (fish).
    const lines = script
      .split("\n")
      .filter((line) =>
        shell === "fish"
          ? line.includes(`__fish_seen_subcommand_from ${command}"`)
          : line.trimStart().startsWith(`${command})`),
      );
    const words = lines.join(" ").split(/[\s"()]+/);
    for (const [name, spec] of Object.entries(options)) {
      if (shell === "fish") {
        expect(
          lines.some((line) => line.endsWith(` -l ${name}`) || line.includes(` -l ${name} `)),
        ).toBe(true);
        if (spec.short !== undefined)
          expect(lines.join("\n")).toContain(` -s ${spec.short} -l ${name}`);
      } else {
        expect(words).toContain(`--${name}`);
        if (spec.short !== undefined) expect(words).toContain(`-${spec.short}`);
      }
    }
  });
});

describe("multiarch completion SHELL", () => {
  test("the bash script parses (bash -n)", () => {
    execFileSync("bash", ["-n"], {
      input: completionScript("bash"),
      stdio: ["pipe", "pipe", "pipe"],
    });
  });

  test("parsed; any other word refused", () => {
    expect(parseCli(["completion", "zsh"], context)).toEqual({ kind: "completion", shell: "zsh" });
    expect(() => parseCli(["completion", "tcsh"], context)).toThrow(UsageError);
    expect(() => parseCli(["completion"], context)).toThrow("completion takes one shell");
  });
});
