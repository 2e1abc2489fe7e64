// Every string flag of every command, given hostile values (empty, huge, control characters,
// unicode, shell-looking): each is refused with one line and exit 2 before anything starts, or
// accepted as the plain value it is; never a crash, never a raw control character or a whole huge
// value echoed to the terminal (what the CLI prints is checked, not only what the parser says). The test writes the table it checked to bad-input.md beside it.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isMultiarchError } from "../../../src/common/errors.js";
import {
  INSPECT_OPTIONS,
  parseCli,
  PUBLISH_OPTIONS,
  VERIFY_OPTIONS,
} from "../../../src/cli/args.js";
import { checkHost } from "../../../src/cli/commands/publish.js";
import { describeFailure, EXIT_USAGE } from "../../../src/cli/main.js";
import { UsageError } from "../../../src/cli/usage.js";

const FIXTURE = fileURLToPath(new URL("../../fixtures/cli-hello", import.meta.url));
const TABLE = fileURLToPath(new URL("bad-input.md", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const context = { env: { SET: "x" }, cwd: fileURLToPath(new URL(".", import.meta.url)) };

const VALUES: readonly (readonly [string, string])[] = [
  ["empty", ""],
  ["huge", "a".repeat(100_000)],
  ["control characters", "x\u0000y\u001b[31m\r\n\u0007"],
  ["unicode", "ünïcødé-☃-𝔘"],
  ["shell-looking", "$(rm -rf /); `id` | tee /tmp/x && echo $HOME"],
];

/** A valid command line of each command, to which one flag is added. */
const BASE: Readonly<Record<string, readonly string[]>> = {
  publish: ["publish", "--source", FIXTURE, "--address", "127.0.0.1:5000/team/app"],
  inspect: ["inspect", "127.0.0.1:5000/team/app:1"],
  verify: ["verify", "127.0.0.1:5000/team/app:1"],
};

const OPTIONS = { publish: PUBLISH_OPTIONS, inspect: INSPECT_OPTIONS, verify: VERIFY_OPTIONS };

interface Row {
  readonly command: string;
  readonly flag: string;
  readonly kind: string;
  readonly outcome: "refused, exit 2" | "accepted" | "CRASH";
  readonly said: string;
}

function attempt(command: keyof typeof OPTIONS, flag: string, value: string): Row {
  const kind = VALUES.find(([, v]) => v === value)?.[0] ?? "?";
  const base = [...(BASE[command] ?? [])];
  const at = base.indexOf(`--${flag}`);
  const argv = [...base];
  // `--flag=value`: the one spelling every string flag takes (--provenance and --sbom, as in
  // buildx, take a value only after `=`).
  if (at === -1) argv.push(`--${flag}=${value}`);
  else argv[at + 1] = value;
  try {
    const parsed = parseCli(argv, context);
    // Before any engine: publish checks its source and Dockerfile on this machine.
    if (parsed.kind === "publish") checkHost(parsed);
    return { command, flag, kind, outcome: "accepted", said: "" };
  } catch (error) {
    // What the CLI prints for it, and its exit status.
    const { text, code } = describeFailure(error);
    const refused = code === EXIT_USAGE && (error instanceof UsageError || isMultiarchError(error));
    return { command, flag, kind, outcome: refused ? "refused, exit 2" : "CRASH", said: text };
  }
}

const rows: Row[] = [];
for (const command of ["publish", "inspect", "verify"] as const) {
  for (const [flag, spec] of Object.entries(OPTIONS[command])) {
    if (spec.type !== "string") continue;
    for (const [, value] of VALUES) rows.push(attempt(command, flag, value));
  }
}

describe("hostile flag values", () => {
  it.each(rows)("$command --$flag ($kind): $outcome", (row) => {
    expect(row.outcome).not.toBe("CRASH");
    if (row.outcome === "refused, exit 2") {
      // What reaches the terminal: bounded, and no raw control character.
      // eslint-disable-next-line no-control-regex
      expect(row.said).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      for (const line of row.said.split("\n")) expect(line.length).toBeLessThan(600);
    }
  });

  it("covers every string flag with every kind of value, and writes the table", () => {
    const flags = new Set(rows.map((r) => `${r.command} --${r.flag}`));
    expect(rows).toHaveLength(flags.size * VALUES.length);
    // Paths relative to the repository, so the table is the same in every clone.
    const clip = (s: string) => {
      const text = s.replaceAll(ROOT, "");
      return (text.length > 90 ? `${text.slice(0, 90)}…` : text).replaceAll("|", "\\|");
    };
    const lines = [
      "# Hostile values for every string flag",
      "",
      "Written by test/unit/cli/bad-input.test.ts (`npm run test:unit`); do not edit by hand.",
      `${flags.size} flags × ${VALUES.length} kinds of value (${VALUES.map(([k]) => k).join(", ")}):`,
      `${rows.filter((r) => r.outcome === "refused, exit 2").length} refused with exit 2 before any engine or registry, ` +
        `${rows.filter((r) => r.outcome === "accepted").length} accepted as plain values, ` +
        `${rows.filter((r) => r.outcome === "CRASH").length} crashes.`,
      "",
      "| command | flag | value | outcome | what the CLI said (first 90 characters) |",
      "| --- | --- | --- | --- | --- |",
      ...rows.map(
        (r) =>
          `| ${r.command} | --${r.flag} | ${r.kind} | ${r.outcome} | ${clip(r.said.split("\n")[0] ?? "")} |`,
      ),
      "",
    ];
    writeFileSync(TABLE, lines.join("\n"));
  });
});
