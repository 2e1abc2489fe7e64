/**
 * Statistics and the written report: JSON, a markdown table, an SVG chart.
 */

export interface RunRecord {
  readonly scenario: string;
  readonly contender: string;
  /** -1 for warm-up runs */
  readonly run: number;
  readonly ok: boolean;
  readonly seconds: number;
  /** Peak RSS of the client process tree's largest process (GNU time), KiB. */
  readonly maxRssKiB?: number;
  /** For the Dagger runners: the node client's own peak RSS, KiB. */
  readonly nodeRssKiB?: number;
  readonly phases?: Record<string, number>;
  /**
   * Compile scenarios: when gcc ran per platform, in seconds since the client was spawned
   * (stamped inside the RUN step, read back from the pushed image).
   */
  readonly compile?: Record<string, { readonly start: number; readonly end: number }>;
  /** A warm-up run made after the contender's build cache was emptied. */
  readonly cold?: boolean;
  readonly error?: string;
}

export interface Summary {
  readonly scenario: string;
  readonly contender: string;
  readonly runs: number;
  readonly failures: number;
  readonly warmupSeconds?: number | undefined;
  /** The warm-up run was a cold build (build cache emptied just before). */
  readonly warmupCold?: boolean | undefined;
  readonly median?: number | undefined;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** median over run indices of (this contender's time / multiarch's time) */
  readonly ratioToMultiarch?: number | undefined;
  readonly ratioMin?: number | undefined;
  readonly ratioMax?: number | undefined;
  readonly peakRssMiB?: number | undefined;
  readonly nodeRssMiB?: number | undefined;
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function summarise(
  records: readonly RunRecord[],
  scenarios: readonly string[],
  contenders: readonly string[],
  baseline = "multiarch",
): Summary[] {
  const out: Summary[] = [];
  for (const scenario of scenarios) {
    const base = new Map(
      records
        .filter((r) => r.scenario === scenario && r.contender === baseline && r.run >= 0 && r.ok)
        .map((r) => [r.run, r.seconds]),
    );
    for (const contender of contenders) {
      const all = records.filter((r) => r.scenario === scenario && r.contender === contender);
      if (all.length === 0) continue;
      const measured = all.filter((r) => r.run >= 0);
      const good = measured.filter((r) => r.ok);
      const secs = good.map((r) => r.seconds);
      const ratios = good.flatMap((r) => {
        const b = base.get(r.run);
        return b === undefined ? [] : [r.seconds / b];
      });
      const rss = good.flatMap((r) => (r.maxRssKiB === undefined ? [] : [r.maxRssKiB]));
      const nodeRss = good.flatMap((r) => (r.nodeRssKiB === undefined ? [] : [r.nodeRssKiB]));
      const warm = all.find((r) => r.run < 0 && r.ok);
      out.push({
        scenario,
        contender,
        runs: good.length,
        failures: measured.length - good.length + all.filter((r) => r.run < 0 && !r.ok).length,
        ...(warm === undefined
          ? {}
          : { warmupSeconds: warm.seconds, ...(warm.cold === true ? { warmupCold: true } : {}) }),
        ...(secs.length === 0
          ? {}
          : { median: median(secs), min: Math.min(...secs), max: Math.max(...secs) }),
        ...(ratios.length === 0
          ? {}
          : {
              ratioToMultiarch: median(ratios),
              ratioMin: Math.min(...ratios),
              ratioMax: Math.max(...ratios),
            }),
        ...(rss.length === 0 ? {} : { peakRssMiB: Math.max(...rss) / 1024 }),
        ...(nodeRss.length === 0 ? {} : { nodeRssMiB: Math.max(...nodeRss) / 1024 }),
      });
    }
  }
  return out;
}

const f1 = (x: number | undefined): string => (x === undefined ? "–" : x.toFixed(1));
const f2 = (x: number | undefined): string => (x === undefined ? "–" : x.toFixed(2));

export function markdownTable(
  summaries: readonly Summary[],
  titles: Record<string, string>,
  labels: Record<string, string>,
): string {
  const rows = [
    "| scenario | contender | median s | min–max s | ratio to multiarch (median, min–max) | first run s | peak RSS MiB | ok runs |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  let last = "";
  for (const s of summaries) {
    const scen = s.scenario === last ? "" : `**${s.scenario}**`;
    last = s.scenario;
    const ratio =
      s.ratioToMultiarch === undefined
        ? "–"
        : s.contender === "multiarch"
          ? "1.00"
          : `${f2(s.ratioToMultiarch)} (${f2(s.ratioMin)}–${f2(s.ratioMax)})`;
    const rss =
      s.nodeRssMiB === undefined
        ? f1(s.peakRssMiB)
        : `${f1(s.nodeRssMiB)} node / ${f1(s.peakRssMiB)} tree`;
    rows.push(
      `| ${scen} | ${labels[s.contender] ?? s.contender} | ${f1(s.median)} | ${f1(s.min)}–${f1(s.max)} | ${ratio} | ${f1(s.warmupSeconds)}${s.warmupCold === true ? " cold" : ""} | ${rss} | ${s.runs}${s.failures > 0 ? ` (${s.failures} failed)` : ""} |`,
    );
  }
  const legend = Object.entries(titles).map(([id, t]) => `- **${id}**: ${t}`);
  return `${rows.join("\n")}\n\n${legend.join("\n")}\n`;
}

const COLORS: Record<string, string> = {
  multiarch: "#2b6cb0",
  "multiarch-noverify": "#4c51bf",
  "raw-dagger": "#68a0d8",
  buildah: "#c05621",
  buildx: "#2f855a",
  buildctl: "#2f855a",
};

const esc = (s: string): string =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** Horizontal bars: median wall time per contender relative to multiarch, per scenario. */
export function svgChart(
  summaries: readonly Summary[],
  labels: Record<string, string>,
  subtitle: string,
  order: readonly string[] = [],
): string {
  const scenarios = [...new Set(summaries.map((s) => s.scenario))];
  const rank = (c: string): number => (order.includes(c) ? order.indexOf(c) : order.length);
  const contenders = [...new Set(summaries.map((s) => s.contender))].sort(
    (a, b) => rank(a) - rank(b),
  );
  const bar = 14;
  const groupGap = 14;
  const left = 150;
  const width = 900;
  const plotW = width - left - 80;
  const maxRatio = Math.max(
    1.5,
    ...summaries
      .map((s) => s.ratioMax ?? s.ratioToMultiarch ?? 0)
      .filter((x) => Number.isFinite(x)),
  );
  const scale = (r: number): number => (Math.min(r, maxRatio) / maxRatio) * plotW;
  const top = 58;
  const groupH = contenders.length * bar + groupGap;
  const height = top + scenarios.length * groupH + 40 + contenders.length * 0;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">Wall time relative to multiarch (median of per-run ratios; whiskers min–max; lower is faster)</text>`,
    `<text x="10" y="34" fill="#555">${esc(subtitle)}</text>`,
  ];
  let lx = 10;
  for (const c of contenders) {
    const label = labels[c] ?? c;
    parts.push(
      `<rect x="${lx}" y="42" width="10" height="10" fill="${COLORS[c] ?? "#888"}"/><text x="${lx + 14}" y="51">${esc(label)}</text>`,
    );
    lx += 14 + label.length * 6 + 14;
  }
  scenarios.forEach((scen, g) => {
    const y0 = top + g * groupH;
    parts.push(
      `<text x="${left - 6}" y="${y0 + (contenders.length * bar) / 2 + 4}" text-anchor="end" font-weight="bold">${esc(scen)}</text>`,
    );
    contenders.forEach((c, i) => {
      const s = summaries.find((x) => x.scenario === scen && x.contender === c);
      const y = y0 + i * bar;
      if (s?.ratioToMultiarch === undefined) {
        parts.push(`<text x="${left + 4}" y="${y + bar - 4}" fill="#999">n/a</text>`);
        return;
      }
      const w = scale(s.ratioToMultiarch);
      parts.push(
        `<rect x="${left}" y="${y + 1}" width="${w.toFixed(1)}" height="${bar - 3}" fill="${COLORS[c] ?? "#888"}"/>`,
      );
      if (s.ratioMin !== undefined && s.ratioMax !== undefined) {
        const a = left + scale(s.ratioMin);
        const b = left + scale(s.ratioMax);
        const ym = y + bar / 2;
        parts.push(
          `<line x1="${a.toFixed(1)}" y1="${ym}" x2="${b.toFixed(1)}" y2="${ym}" stroke="#222" stroke-width="1"/>`,
        );
      }
      parts.push(
        `<text x="${(left + Math.max(w, scale(s.ratioMax ?? 0)) + 4).toFixed(1)}" y="${y + bar - 4}">${s.ratioToMultiarch.toFixed(2)}× (${f1(s.median)} s)</text>`,
      );
    });
  });
  const x1 = left + scale(1);
  const yEnd = top + scenarios.length * groupH - groupGap;
  parts.push(
    `<line x1="${x1}" y1="${top - 4}" x2="${x1}" y2="${yEnd}" stroke="#000" stroke-dasharray="3,3"/>`,
    `<text x="${x1}" y="${yEnd + 14}" text-anchor="middle">1.0 = multiarch</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** Where a Dagger runner's wall time goes, from its phase marks (seconds, medians over runs). */
export function phaseTable(records: readonly RunRecord[], scenarios: readonly string[]): string {
  const segs = [
    "node+imports",
    "connect",
    "probe",
    "build",
    "push",
    "build+push",
    "read-back+close",
    "exit",
  ] as const;
  const rows = [
    `| scenario | contender | wall | ${segs.join(" | ")} |`,
    `| --- | --- | ---: | ${segs.map(() => "---:").join(" | ")} |`,
  ];
  for (const scenario of scenarios) {
    for (const contender of ["multiarch", "multiarch-noverify", "raw-dagger"]) {
      const rs = records.filter(
        (r) =>
          r.scenario === scenario && r.contender === contender && r.run >= 0 && r.ok && r.phases,
      );
      if (rs.length === 0) continue;
      const per = rs.map((r) => {
        const p = r.phases ?? {};
        const imp = p.importedAt ?? 0;
        const seg: Partial<Record<(typeof segs)[number], number | undefined>> = {
          "node+imports": imp,
          connect: p.connected,
          "read-back+close":
            p.exit !== undefined && p.pushDone !== undefined ? p.exit - p.pushDone : undefined,
          exit: p.exit !== undefined ? r.seconds - imp - p.exit : undefined,
        };
        if (p.probeStart !== undefined && p.buildStart !== undefined)
          seg.probe = p.buildStart - p.probeStart;
        if (p.pushStart !== undefined && p.buildStart !== undefined) {
          seg.build = p.pushStart - p.buildStart;
          if (p.pushDone !== undefined) seg.push = p.pushDone - p.pushStart;
        }
        if (p.pushDone !== undefined && p.buildStart !== undefined)
          seg["build+push"] = p.pushDone - p.buildStart;
        return { wall: r.seconds, seg };
      });
      const med = (xs: (number | undefined)[]): string => {
        const v = xs.filter((x): x is number => x !== undefined);
        return v.length === 0 ? "–" : (median(v) ?? 0).toFixed(1);
      };
      rows.push(
        `| ${scenario} | ${contender} | ${med(per.map((x) => x.wall))} | ${segs.map((s) => med(per.map((x) => x.seg[s]))).join(" | ")} |`,
      );
    }
  }
  return rows.join("\n") + "\n";
}

/** A ratio between two figures of the same contender, e.g. emulated / cross. */
export interface DerivedRatio {
  readonly id: string;
  readonly title: string;
  readonly numerator: string;
  /** A scenario's median, or its cold first run. */
  readonly denominator: string;
  readonly denominatorIsCold?: boolean;
}

export const DERIVED: readonly DerivedRatio[] = [
  {
    id: "emulated/cross",
    title: "emulated / cross (compile-emulated / compile-cross, the same C, 5 platforms)",
    numerator: "compile-emulated",
    denominator: "compile-cross",
  },
  {
    id: "5/1 emulated",
    title: "5 platforms / 1, emulated (compile-emulated / emulated-1)",
    numerator: "compile-emulated",
    denominator: "emulated-1",
  },
  {
    id: "5/1 cross",
    title: "5 platforms / 1, cross (scale-5 / scale-1)",
    numerator: "scale-5",
    denominator: "scale-1",
  },
  {
    id: "warm/cold",
    title:
      "warm rebuild, one file changed / cold build (compile-cross median / its cold first run)",
    numerator: "compile-cross",
    denominator: "compile-cross",
    denominatorIsCold: true,
  },
  {
    id: "nochange/cold",
    title: "warm rebuild, nothing changed / cold build (warm-nochange / compile-cross cold)",
    numerator: "warm-nochange",
    denominator: "compile-cross",
    denominatorIsCold: true,
  },
];

export interface DerivedValue {
  readonly ratio: number;
  /** Worst cases of the two ranges: min / max and max / min (one value when cold). */
  readonly low: number;
  readonly high: number;
}

export function derivedValue(
  d: DerivedRatio,
  contender: string,
  summaries: readonly Summary[],
): DerivedValue | undefined {
  const find = (scenario: string): Summary | undefined =>
    summaries.find((s) => s.scenario === scenario && s.contender === contender);
  const n = find(d.numerator);
  const m = find(d.denominator);
  if (n?.median === undefined || n.min === undefined || n.max === undefined || m === undefined)
    return undefined;
  if (d.denominatorIsCold === true) {
    if (m.warmupCold !== true || m.warmupSeconds === undefined) return undefined;
    return {
      ratio: n.median / m.warmupSeconds,
      low: n.min / m.warmupSeconds,
      high: n.max / m.warmupSeconds,
    };
  }
  if (m.median === undefined || m.min === undefined || m.max === undefined) return undefined;
  return { ratio: n.median / m.median, low: n.min / m.max, high: n.max / m.min };
}

/** One row per derived ratio, one column per contender; "" when no ratio can be formed. */
export function derivedTable(
  summaries: readonly Summary[],
  contenders: readonly string[],
  labels: Record<string, string>,
): string {
  const cols = contenders.filter((c) =>
    DERIVED.some((d) => derivedValue(d, c, summaries) !== undefined),
  );
  if (cols.length === 0) return "";
  const rows = [
    `| ratio | ${cols.map((c) => labels[c] ?? c).join(" | ")} |`,
    `| --- | ${cols.map(() => "---:").join(" | ")} |`,
  ];
  for (const d of DERIVED) {
    const cells = cols.map((c) => {
      const v = derivedValue(d, c, summaries);
      return v === undefined ? "–" : `${f2(v.ratio)} (${f2(v.low)}–${f2(v.high)})`;
    });
    rows.push(`| ${d.title} | ${cells.join(" | ")} |`);
  }
  return rows.join("\n") + "\n";
}

/**
 * Where the compile scenarios' time goes, per contender (medians over measured runs), on each
 * run's own timeline: before the first gcc starts (client start-up, context upload, pulls,
 * scheduling), from the first gcc start to the last gcc end, after it (export, push, read-back,
 * exit); gcc summed over platforms shows how much the platforms overlapped. The Dagger clients'
 * start-up (node, imports, connect) is shown apart: it is part of "before".
 */
export function stepTable(records: readonly RunRecord[], scenarios: readonly string[]): string {
  const rows = [
    "| scenario | contender | wall | before first gcc | of which client start-up | first gcc start → last gcc end | gcc summed over platforms | after last gcc |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const scenario of scenarios) {
    const contenders = [
      ...new Set(records.filter((r) => r.scenario === scenario).map((r) => r.contender)),
    ];
    for (const contender of contenders) {
      const rs = records.filter(
        (r) =>
          r.scenario === scenario &&
          r.contender === contender &&
          r.run >= 0 &&
          r.ok &&
          r.compile !== undefined &&
          Object.keys(r.compile).length > 0,
      );
      if (rs.length === 0) continue;
      const spans = rs.map((r) => Object.values(r.compile ?? {}));
      const first = spans.map((g) => Math.min(...g.map((x) => x.start)));
      const last = spans.map((g) => Math.max(...g.map((x) => x.end)));
      const summed = spans.map((g) => g.reduce((a, x) => a + (x.end - x.start), 0));
      const startup = rs.flatMap((r) =>
        r.phases?.importedAt === undefined || r.phases.connected === undefined
          ? []
          : [r.phases.importedAt + r.phases.connected],
      );
      const m = (xs: number[]): string => f1(median(xs));
      rows.push(
        `| ${scenario} | ${contender} | ${m(rs.map((r) => r.seconds))} | ${m(first)} | ${startup.length === 0 ? "–" : m(startup)} | ${m(last.map((l, i) => l - (first[i] ?? 0)))} | ${m(summed)} | ${m(rs.map((r, i) => r.seconds - (last[i] ?? 0)))} |`,
      );
    }
  }
  return rows.length === 2 ? "" : rows.join("\n") + "\n";
}
