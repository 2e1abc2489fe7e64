/**
 * `npm run bench:scan [-- --runs N] [--image REF]`
 *
 * Throughput of verify's architecture scan on the test bed's debian:bookworm-slim (amd64, arm64,
 * arm/v7): per variant, the layer download (getBlob: HTTP + sha256), then decompression + tar
 * walk + ELF header parse (readLayer), then whiteouts and the ELF check (mergeLayers,
 * checkBinaries), each timed on its own, one variant at a time; then the whole of verify() with
 * every variant in parallel, as users run it. Medians of N runs (default 5) after one warm-up.
 * Prints a table and writes bench/results/elf-scan.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parsePlatform } from "../src/platform/platform.js";
import { RegistryClient } from "../src/registry/client.js";
import {
  describePlatform,
  imageIndexSchema,
  imageManifestSchema,
} from "../src/registry/image-index.js";
import { parseReference } from "../src/registry/reference.js";
import { checkBinaries } from "../src/verify/checks.js";
import { readLayer } from "../src/verify/layer.js";
import { classifyEntry, mergeLayers } from "../src/verify/overlay.js";
import { verify } from "../src/verify/verify.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "results", "elf-scan.json");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg("--runs") ?? 5);
const image = arg("--image") ?? "127.0.0.1:5000/library/debian:bookworm-slim";

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const seconds = (start: number) => (performance.now() - start) / 1000;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

interface VariantFigures {
  platform: string;
  layers: number;
  compressedBytes: number;
  tarBytes: number;
  entries: number;
  files: number;
  elfFiles: number;
  mismatches: number;
  downloadSeconds: number;
  walkSeconds: number;
  checkSeconds: number;
}

async function measureVariant(
  client: RegistryClient,
  repository: string,
  platform: string,
  digest: string,
): Promise<VariantFigures> {
  const manifest = imageManifestSchema.parse((await client.getManifest(repository, digest))?.json);
  let start = performance.now();
  const blobs = [];
  for (const layer of manifest.layers) blobs.push(await client.getBlob(repository, layer.digest));
  const downloadSeconds = seconds(start);

  start = performance.now();
  const layers = [];
  for (const [i, blob] of blobs.entries()) layers.push(await readLayer(blob, String(i)));
  const walkSeconds = seconds(start);

  start = performance.now();
  const files = mergeLayers(layers.map((l) => l.entries.map(classifyEntry)));
  const mismatches = checkBinaries(files, parsePlatform(platform));
  const checkSeconds = seconds(start);

  return {
    platform,
    layers: layers.length,
    compressedBytes: blobs.reduce((n, b) => n + b.length, 0),
    tarBytes: layers.reduce((n, l) => n + l.tarBytes, 0),
    entries: layers.reduce((n, l) => n + l.entries.length, 0),
    files: files.length,
    elfFiles: files.filter((f) => f.elf.kind === "elf").length,
    mismatches: mismatches.length,
    downloadSeconds,
    walkSeconds,
    checkSeconds,
  };
}

async function main(): Promise<void> {
  const ref = parseReference(image);
  const client = new RegistryClient({ registry: ref.registry });
  const top = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? "latest");
  const index = imageIndexSchema.parse(top?.json);
  const variants = index.manifests.flatMap((m) =>
    m.platform === undefined ? [] : [{ platform: describePlatform(m.platform), digest: m.digest }],
  );

  const perVariant = new Map<string, VariantFigures[]>();
  const whole: number[] = [];
  for (let run = 0; run <= runs; run++) {
    for (const v of variants) {
      const figures = await measureVariant(client, ref.repository, v.platform, v.digest);
      if (run > 0) perVariant.set(v.platform, [...(perVariant.get(v.platform) ?? []), figures]);
    }
    const start = performance.now();
    const report = await verify(image, { throwOnProblem: false });
    if (!report.ok) throw new Error(`verify found problems in ${image}: ${report.problems.length}`);
    if (run > 0) whole.push(seconds(start));
    process.stderr.write(run === 0 ? "warm-up done\n" : `run ${run}/${runs} done\n`);
  }

  const rows = [...perVariant.entries()].map(([platform, all]) => {
    const first = all[0] as VariantFigures;
    const download = median(all.map((f) => f.downloadSeconds));
    const walk = median(all.map((f) => f.walkSeconds));
    const check = median(all.map((f) => f.checkSeconds));
    const scan = walk + check; // what the scan itself costs once the blobs are here
    return {
      platform,
      layers: first.layers,
      compressedMB: round(first.compressedBytes / 1e6, 1),
      tarMB: round(first.tarBytes / 1e6, 1),
      entries: first.entries,
      files: first.files,
      elfFiles: first.elfFiles,
      mismatches: first.mismatches,
      downloadSeconds: round(download, 3),
      walkSeconds: round(walk, 3),
      checkSeconds: round(check, 4),
      scanFilesPerSecond: Math.round(first.entries / scan),
      scanTarMBPerSecond: round(first.tarBytes / 1e6 / scan, 1),
      scanCompressedMBPerSecond: round(first.compressedBytes / 1e6 / scan, 1),
      endToEndFilesPerSecond: Math.round(first.entries / (download + scan)),
      endToEndTarMBPerSecond: round(first.tarBytes / 1e6 / (download + scan), 1),
    };
  });
  const totalEntries = rows.reduce((n, r) => n + r.entries, 0);
  const totalTarMB = rows.reduce((n, r) => n + r.tarMB, 0);
  const verifySeconds = median(whole);
  const result = {
    image,
    runs,
    method:
      "median of N runs after one warm-up; per variant one at a time: download = getBlob (HTTP + sha256), " +
      "walk = decompress + tar walk + ELF header parse, check = whiteouts + ELF check; verify = the whole " +
      "verify() call, variants in parallel",
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 1),
    },
    variants: rows,
    verify: {
      seconds: round(verifySeconds, 2),
      entries: totalEntries,
      tarMB: round(totalTarMB, 1),
      filesPerSecond: Math.round(totalEntries / verifySeconds),
      tarMBPerSecond: round(totalTarMB / verifySeconds, 1),
    },
  };

  console.log(`ELF scan throughput on ${image} (median of ${runs} runs)`);
  console.table(
    rows.map((r) => ({
      platform: r.platform,
      "entries/ELF": `${r.entries}/${r.elfFiles}`,
      "gz MB": r.compressedMB,
      "tar MB": r.tarMB,
      "download s": r.downloadSeconds,
      "walk s": r.walkSeconds,
      "scan files/s": r.scanFilesPerSecond,
      "scan tar MB/s": r.scanTarMBPerSecond,
      "e2e files/s": r.endToEndFilesPerSecond,
      "e2e tar MB/s": r.endToEndTarMBPerSecond,
    })),
  );
  console.log(
    `verify() on all ${rows.length} variants in parallel: ${result.verify.seconds} s, ` +
      `${result.verify.filesPerSecond} files/s, ${result.verify.tarMBPerSecond} tar MB/s ` +
      `(${result.machine.cpus} CPUs, load ${result.machine.loadAverage1mAtEnd})`,
  );
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
