/**
 * How values read in text, the same in every front end: short digests, sizes, seconds, and
 * aligned tables. Pure.
 */

/**
 * `sha256:0123456789ab` (12 hex digits, as docker shortens IDs); `-` for an empty digest (none
 * known); any other string unchanged.
 */
export function shortDigest(digest: string): string {
  if (digest === "") return "-";
  const match = /^(sha256:)([a-f0-9]{12})[a-f0-9]{52}$/.exec(digest);
  return match === null ? digest : `${match[1]}${match[2]}`;
}

/** `1234567` → `1.2 MB` (decimal units, as docker prints sizes). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** Seconds with one decimal: `12.3`. */
export function seconds(s: number): string {
  return s.toFixed(1);
}

/**
 * Left-aligned columns two spaces apart; no trailing spaces. Without a header, only the rows.
 */
export function table(
  header: readonly string[] | undefined,
  rows: readonly (readonly string[])[],
): string {
  const all = header === undefined ? rows : [header, ...rows];
  const columns = Math.max(0, ...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(...all.map((row) => (row[i] ?? "").length)),
  );
  return all
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * At most `max` characters of `text`; a longer text is cut and says how long it was, so a huge
 * value given by mistake does not flood a terminal or a log.
 */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** `text` without terminal control sequences (colours, cursor moves) that tools print. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_SEQUENCE, "");
}
