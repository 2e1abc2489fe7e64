import { describe, expect, it } from "vitest";
import { chanceWithin, compareDerived, compareRuns } from "../../../bench/compare.js";
import {
  DERIVED,
  derivedTable,
  derivedValue,
  stepTable,
  summarise,
  type RunRecord,
} from "../../../bench/report.js";

const rec = (
  scenario: string,
  contender: string,
  run: number,
  seconds: number,
  extra: Partial<RunRecord> = {},
): RunRecord => ({ scenario, contender, run, ok: true, seconds, ...extra });

describe("summarise", () => {
  it("pairs each run with multiarch's run of the same index and takes the median ratio", () => {
    const records = [
      rec("s", "multiarch", -1, 30, { cold: true }),
      rec("s", "buildx", -1, 20, { cold: true }),
      rec("s", "multiarch", 0, 10),
      rec("s", "buildx", 0, 5),
      rec("s", "multiarch", 1, 20),
      rec("s", "buildx", 1, 4),
      rec("s", "multiarch", 2, 10),
      rec("s", "buildx", 2, 6),
    ];
    const [base, bx] = summarise(records, ["s"], ["multiarch", "buildx"]);
    expect(base).toMatchObject({ median: 10, min: 10, max: 20, ratioToMultiarch: 1 });
    // per-run ratios 0.5, 0.2, 0.6: not median(buildx) / median(multiarch) = 0.5
    expect(bx).toMatchObject({ median: 5, ratioToMultiarch: 0.5, ratioMin: 0.2, ratioMax: 0.6 });
    expect(bx).toMatchObject({ warmupSeconds: 20, warmupCold: true, runs: 3, failures: 0 });
  });

  it("counts failed runs and leaves them out of the figures", () => {
    const records = [
      rec("s", "multiarch", 0, 10),
      rec("s", "buildah", 0, 99, { ok: false, error: "exit 1" }),
      rec("s", "multiarch", 1, 10),
      rec("s", "buildah", 1, 8),
    ];
    const bh = summarise(records, ["s"], ["multiarch", "buildah"])[1];
    expect(bh).toMatchObject({ runs: 1, failures: 1, median: 8, ratioToMultiarch: 0.8 });
  });
});

describe("derived ratios", () => {
  const records = [
    ...[40, 44, 42].map((s, i) => rec("compile-emulated", "multiarch", i, s)),
    ...[10, 12, 11].map((s, i) => rec("compile-cross", "multiarch", i, s)),
    rec("compile-cross", "multiarch", -1, 55, { cold: true }),
    ...[3, 3, 4].map((s, i) => rec("warm-nochange", "multiarch", i, s)),
    ...[8, 8, 8].map((s, i) => rec("emulated-1", "multiarch", i, s)),
  ];
  const summaries = summarise(
    records,
    ["compile-emulated", "compile-cross", "warm-nochange", "emulated-1"],
    ["multiarch"],
  );
  const byId = (id: string) => {
    const d = DERIVED.find((x) => x.id === id);
    if (d === undefined) throw new Error(id);
    return derivedValue(d, "multiarch", summaries);
  };

  it("divides one scenario's median by another's, with the extremes of both ranges", () => {
    expect(byId("emulated/cross")).toEqual({ ratio: 42 / 11, low: 40 / 12, high: 44 / 10 });
    expect(byId("5/1 emulated")).toEqual({ ratio: 42 / 8, low: 40 / 8, high: 44 / 8 });
  });

  it("divides by the cold first run where asked, and only when that run was cold", () => {
    expect(byId("warm/cold")).toEqual({ ratio: 11 / 55, low: 10 / 55, high: 12 / 55 });
    expect(byId("nochange/cold")?.ratio).toBeCloseTo(3 / 55);
    const warmOnly = summarise(
      records.map((r) => (r.cold === true ? { ...r, cold: false } : r)),
      ["compile-cross"],
      ["multiarch"],
    );
    const d = DERIVED.find((x) => x.id === "warm/cold");
    expect(d && derivedValue(d, "multiarch", warmOnly)).toBeUndefined();
  });

  it("shows a dash where a scenario did not run", () => {
    const table = derivedTable(summaries, ["multiarch"], { multiarch: "multiarch (our SDK)" });
    expect(table).toContain("| ratio | multiarch (our SDK) |");
    expect(table).toMatch(/5 platforms \/ 1, cross \(scale-5 \/ scale-1\) \| – \|/);
    expect(table).toContain("3.82 (3.33–4.40)");
  });
});

describe("stepTable", () => {
  it("places gcc on each run's timeline: before, first start to last end, summed, after", () => {
    const records = [
      rec("compile-cross", "buildx", 0, 5, {
        compile: { "linux/amd64": { start: 1, end: 2 }, "linux/arm64": { start: 1.5, end: 4 } },
      }),
      rec("compile-cross", "multiarch", 0, 9, {
        compile: { "linux/amd64": { start: 4, end: 5.2 }, "linux/arm64": { start: 5, end: 7 } },
        phases: { importedAt: 2, connected: 0.5 },
      }),
      rec("copy-only", "multiarch", 0, 4),
    ];
    const table = stepTable(records, ["compile-cross", "copy-only"]);
    expect(table).toContain("| compile-cross | buildx | 5.0 | 1.0 | – | 3.0 | 3.5 | 1.0 |");
    expect(table).toContain("| compile-cross | multiarch | 9.0 | 4.0 | 2.5 | 3.0 | 3.2 | 2.0 |");
    expect(table).not.toContain("copy-only");
  });
});

describe("compareRuns", () => {
  it("asks whether run 2's median ratio lies in run 1's range, at two decimals", () => {
    const run = (ratios: number[]) =>
      summarise(
        ratios.flatMap((r, i) => [rec("s", "multiarch", i, 10), rec("s", "buildx", i, 10 * r)]),
        ["s"],
        ["multiarch", "buildx"],
      );
    const [inside] = compareRuns(run([0.3, 0.5, 0.4]), run([0.35, 0.452, 0.41]));
    expect(inside).toMatchObject({ within: true, overlap: true });
    const [outside] = compareRuns(run([0.3, 0.5, 0.4]), run([0.6, 0.52, 0.55]));
    expect(outside).toMatchObject({ within: false, overlap: false });
  });
});

describe("compareDerived", () => {
  it("asks whether run 2's within-contender ratio lies in run 1's extremes", () => {
    const run = (emulated: number[], cross: number[]) =>
      summarise(
        [
          ...emulated.map((s, i) => rec("compile-emulated", "buildx", i, s)),
          ...cross.map((s, i) => rec("compile-cross", "buildx", i, s)),
        ],
        ["compile-emulated", "compile-cross"],
        ["buildx"],
      );
    const first = run([40, 44], [10, 11]); // 42 / 10.5 = 4.0, extremes 40/11–44/10
    const [same] = compareDerived(first, run([41, 43], [10, 10]), ["buildx"]);
    expect(same).toMatchObject({ id: "emulated/cross", contender: "buildx", within: true });
    const [slower] = compareDerived(first, run([60, 62], [10, 10]), ["buildx"]);
    expect(slower?.within).toBe(false);
  });
});

describe("chanceWithin", () => {
  it("is the chance that another run's median lands in a run's min–max, by run count", () => {
    // Exact for 1 run each: never (a point has no width); 2 runs: 1/3 for one draw inside two.
    expect(chanceWithin(1, 1)).toBe(0);
    expect(chanceWithin(2, 1)).toBeCloseTo(1 / 3, 1);
    expect(chanceWithin(3, 3)).toBeCloseTo(0.6, 1);
    expect(chanceWithin(9, 9)).toBeGreaterThan(0.95);
    expect(chanceWithin(5, 5)).toBe(chanceWithin(5, 5));
  });
});
