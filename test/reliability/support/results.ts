// The figures the reliability tests measure, written by the tests themselves: one JSON file of
// sections (each test file owns one) and the Markdown page README "Reliability" links, made
// from it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";

const DIR = fileURLToPath(new URL("../results/", import.meta.url));
const JSON_FILE = `${DIR}reliability.json`;
const MARKDOWN_FILE = `${DIR}reliability.md`;

export interface Section {
  readonly title: string;
  /** What was run, in a sentence or two. */
  readonly setup: string;
  /** Figure name → value, in order. */
  readonly figures: Readonly<Record<string, string | number>>;
  /** Optional detail rows (one line each). */
  readonly notes?: readonly string[];
}

/** Replace section `key` and rewrite both files (formatted as `npm run lint` expects). */
export async function recordSection(key: string, section: Section): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const all = existsSync(JSON_FILE)
    ? (JSON.parse(readFileSync(JSON_FILE, "utf8")) as Record<string, Section & { date: string }>)
    : {};
  all[key] = { ...section, date: new Date().toISOString().slice(0, 10) };
  const config = (await resolveConfig(MARKDOWN_FILE)) ?? {};
  writeFileSync(JSON_FILE, await format(JSON.stringify(all), { ...config, parser: "json" }));
  const lines = [
    "# Reliability figures",
    "",
    "Written by the tests under test/reliability (`npm run test:reliability`) and",
    "test/e2e/publish/tag-order.test.ts; do not edit by hand.",
    "",
  ];
  for (const [name, s] of Object.entries(all).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## ${s.title}`, "", `${s.setup} (${s.date}, test key \`${name}\`)`, "");
    lines.push("| figure | value |", "| --- | --- |");
    for (const [figure, value] of Object.entries(s.figures)) lines.push(`| ${figure} | ${value} |`);
    if (s.notes !== undefined && s.notes.length > 0) {
      lines.push("", ...s.notes.map((note) => `- ${note}`));
    }
    lines.push("");
  }
  writeFileSync(MARKDOWN_FILE, await format(lines.join("\n"), { ...config, parser: "markdown" }));
}
