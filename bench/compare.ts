/**
 * Reproducibility check: does a second bench run land inside the first run's spread?
 * `npm run bench -- --compare bench/results/run1` compares bench/results/results.json (run 2)
 * with DIR/results.json (run 1) and writes bench/results/reproducibility.md.
 */
import { DERIVED, derivedValue, median, type DerivedValue, type Summary } from "./report.js";

export interface Comparison {
  readonly scenario: string;
  readonly contender: string;
  readonly run1: Summary;
  readonly run2: Summary;
  /** Run 2's median ratio within run 1's [min, max], both rounded to 2 decimals as reported. */
  readonly within: boolean;
  /** Run 2's [min, max] and run 1's [min, max] share at least one value (2 decimals). */
  readonly overlap: boolean;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * How often a second run's median would land inside the first run's min–max if nothing but
 * chance differed between them: N1 and N2 draws from one continuous distribution, simulated
 * with a fixed seed (so the figure is the same every time). With 3 runs a cell it is about 60%:
 * the check itself cannot expect every cell to pass unless cells get many more runs.
 */
export function chanceWithin(n1: number, n2: number, trials = 20_000): number {
  if (n1 < 1 || n2 < 1) return 0;
  let s = 0x9e3779b9;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  let hits = 0;
  for (let t = 0; t < trials; t++) {
    const a = Array.from({ length: n1 }, next);
    const m = median(Array.from({ length: n2 }, next)) ?? NaN;
    if (m >= Math.min(...a) && m <= Math.max(...a)) hits++;
  }
  return hits / trials;
}

/** Every scenario and contender with a ratio in both runs, in run 2's order; multiarch left out. */
export function compareRuns(
  run1: readonly Summary[],
  run2: readonly Summary[],
  baseline = "multiarch",
): Comparison[] {
  const out: Comparison[] = [];
  for (const b of run2) {
    if (b.contender === baseline) continue;
    const a = run1.find((s) => s.scenario === b.scenario && s.contender === b.contender);
    if (
      a?.ratioToMultiarch === undefined ||
      a.ratioMin === undefined ||
      a.ratioMax === undefined ||
      b.ratioToMultiarch === undefined ||
      b.ratioMin === undefined ||
      b.ratioMax === undefined
    )
      continue;
    const med = r2(b.ratioToMultiarch);
    out.push({
      scenario: b.scenario,
      contender: b.contender,
      run1: a,
      run2: b,
      within: med >= r2(a.ratioMin) && med <= r2(a.ratioMax),
      overlap: r2(b.ratioMin) <= r2(a.ratioMax) && r2(a.ratioMin) <= r2(b.ratioMax),
    });
  }
  return out;
}

const cell = (s: Summary): string =>
  `${(s.ratioToMultiarch ?? NaN).toFixed(2)} (${(s.ratioMin ?? NaN).toFixed(2)}–${(s.ratioMax ?? NaN).toFixed(2)})`;

export function comparisonMarkdown(
  rows: readonly Comparison[],
  labels: Record<string, string>,
  header: string,
): string {
  const within = rows.filter((r) => r.within).length;
  const overlap = rows.filter((r) => r.overlap).length;
  const expected = rows.reduce((sum, r) => sum + chanceWithin(r.run1.runs, r.run2.runs), 0);
  const lines = [
    header,
    "",
    `Ratio to multiarch per scenario and contender (median of per-run ratios, min–max). ` +
      `"Within spread?" asks whether run 2's median lies inside run 1's min–max, compared at the ` +
      `two decimals shown; "ranges overlap?" whether the two min–max ranges share a value.`,
    "",
    `**${within} of ${rows.length}** run-2 medians are within run 1's spread; ` +
      `${overlap} of ${rows.length} ranges overlap. ` +
      `Were the machine perfectly steady, chance alone would put about ${expected.toFixed(1)} of ` +
      `${rows.length} inside, with these run counts: a median of a few runs often falls outside ` +
      `another few runs' min–max (${[2, 3, 4, 5]
        .map((n) => `${pct(1 - chanceWithin(n, n))} of the time with ${n} runs a cell`)
        .join(", ")}; ${pct(chanceWithin(9, 9))} inside with 9).`,
    "",
    "| scenario | contender | run 1 median (min–max) | run 2 median (min–max) | within spread? | ranges overlap? |",
    "| --- | --- | ---: | ---: | :---: | :---: |",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${labels[r.contender] ?? r.contender} | ${cell(r.run1)} | ${cell(r.run2)} | ${r.within ? "yes" : "**no**"} | ${r.overlap ? "yes" : "no"} |`,
    ),
  ];
  return lines.join("\n") + "\n";
}

export interface DerivedComparison {
  readonly id: string;
  readonly title: string;
  readonly contender: string;
  readonly run1: DerivedValue;
  readonly run2: DerivedValue;
  /** Run 2's ratio within run 1's extremes (2 decimals). */
  readonly within: boolean;
}

/** The within-contender ratios (emulated / cross, 5 / 1, warm / cold) of both runs. */
export function compareDerived(
  run1: readonly Summary[],
  run2: readonly Summary[],
  contenders: readonly string[],
): DerivedComparison[] {
  const out: DerivedComparison[] = [];
  for (const d of DERIVED)
    for (const contender of contenders) {
      const a = derivedValue(d, contender, run1);
      const b = derivedValue(d, contender, run2);
      if (a === undefined || b === undefined) continue;
      const v = r2(b.ratio);
      out.push({
        id: d.id,
        title: d.title,
        contender,
        run1: a,
        run2: b,
        within: v >= r2(a.low) && v <= r2(a.high),
      });
    }
  return out;
}

export function derivedComparisonMarkdown(
  rows: readonly DerivedComparison[],
  labels: Record<string, string>,
): string {
  const cell = (v: DerivedValue): string =>
    `${v.ratio.toFixed(2)} (${v.low.toFixed(2)}–${v.high.toFixed(2)})`;
  const within = rows.filter((r) => r.within).length;
  return (
    [
      `Ratios within each contender (median over median, extremes in brackets): **${within} of ${rows.length}** ` +
        `run-2 values lie within run 1's extremes.`,
      "",
      "| ratio | contender | run 1 | run 2 | within? |",
      "| --- | --- | ---: | ---: | :---: |",
      ...rows.map(
        (r) =>
          `| ${r.id} | ${labels[r.contender] ?? r.contender} | ${cell(r.run1)} | ${cell(r.run2)} | ${r.within ? "yes" : "**no**"} |`,
      ),
    ].join("\n") + "\n"
  );
}
