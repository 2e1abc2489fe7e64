/**
 * verify: read a published image index back from the registry and check that it is what a
 * multi-platform image should be — the platforms asked for and no others, configs that agree
 * with the index, every blob present, binaries for the right CPU in every variant (read from the
 * layers, never run), and optionally a smoke command that runs in every variant on the engine.
 */
import type { Client, Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import { ErrorCode, isMultiarchError, MultiarchError } from "../common/errors.js";
import {
  formatPlatform,
  parsePlatform,
  parsePlatforms,
  type Platform,
} from "../platform/platform.js";
import { defaultClient } from "../engine/sdk.js";
import { retryEvent, type ProgressListener } from "../common/progress.js";
import type { RegistryClient } from "../registry/client.js";
import { openRegistry } from "../registry/open-registry.js";
import { retriesSchema } from "../registry/retry.js";
import {
  describePlatform,
  rawPlatform,
  safeParseConfigPlatform,
  safeParseManifestDocument,
  type Descriptor,
  type ImageManifest,
  type OciPlatform,
  type Parsed,
} from "../registry/image-index.js";
import { IMAGE_CONFIG_MEDIA_TYPES } from "../registry/media-types.js";
import {
  DEFAULT_TAG,
  formatReference,
  parseReference,
  type ImageReference,
} from "../registry/reference.js";
import {
  binaryProblems,
  checkBinaries,
  checkBlobs,
  checkConfigPlatform,
  checkMediaType,
  checkPlatforms,
  checkSmoke,
  type BlobFacts,
  type Problem,
} from "./checks.js";
import {
  buildxAttestationTarget,
  verifyIndexAttestation,
  verifyReferrers,
  type RequiredAttestations,
} from "./attestations.js";
import { readLayer } from "./layer.js";
import { cachedLayerRead, defaultLayerCacheDir } from "./layer-cache.js";
import { classifyEntry, mergeLayers } from "./overlay.js";
import {
  failureSummary,
  reportReference,
  type BinaryScan,
  type PlatformVerification,
  type SmokeResult,
  type VerifyReport,
} from "./report.js";
import type { SmokeAuth } from "./smoke.js";

const optionsSchema = z.object({
  /** The platforms the index must hold, exactly (none missing, none extra). */
  platforms: z.union([z.string(), z.array(z.string())]).optional(),
  username: z.string().min(1).optional(),
  /** Talk to the registry over plain HTTP; default: only for loopback addresses. */
  plainHttp: z.boolean().optional(),
  /** Read every variant's layers and check its ELF binaries' CPU (default true). */
  scanBinaries: z.boolean().default(true),
  /**
   * Where the scan keeps what each layer holds, by digest, so a layer is downloaded and walked
   * once (default: ~/.cache/multiarch/layers, see defaultLayerCacheDir); false: no cache.
   */
  layerCache: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** A command to run in every variant: argv, or a string for `sh -c`. */
  smoke: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
  /** Retries of a registry request answered 429 or 5xx, or whose connection failed. */
  retries: retriesSchema.optional(),
  /**
   * Attestations every platform must have (publish asks for what it attached). Whatever is
   * attached is read and checked either way.
   */
  attestations: z.object({ provenance: z.boolean(), sbom: z.boolean() }).partial().default({}),
  /** Throw VERIFY_FAILED naming every problem (default true); else only report them. */
  throwOnProblem: z.boolean().default(true),
});

export type VerifyOptions = z.input<typeof optionsSchema> & {
  /** Registry password or token: plain text, or a Dagger secret. */
  password?: string | Secret;
  /** Engine client for smoke runs (default: the global `dag`). Unused without `smoke`. */
  client?: Client;
  /** Told of every registry retry. */
  onProgress?: ProgressListener;
};

/** VERIFY_FAILED, carrying the whole report. */
export class VerifyError extends MultiarchError {
  constructor(readonly report: VerifyReport) {
    super(ErrorCode.VERIFY_FAILED, failureSummary(report), {
      given: reportReference(report),
      hint: "republish the image, or fix the platforms, binaries or command named above",
    });
  }
}

/** Layer downloads at a time, across every variant: bounds memory on big images. */
const LAYER_CONCURRENCY = 4;

interface Context {
  readonly registry: RegistryClient;
  readonly repository: string;
  readonly scan: boolean;
  /** Where layer reads are kept by digest; undefined: no cache. */
  readonly layerCache: string | undefined;
  readonly limit: <T>(work: () => Promise<T>) => Promise<T>;
  readonly required: RequiredAttestations;
}

/**
 * Check the index `ref` names. Needs an engine connection only for `smoke`.
 * @returns the report; with `throwOnProblem: false` also when it has problems
 * @throws MultiarchError VERIFY_FAILED (a VerifyError with `.report`) naming every problem;
 *   INVALID_INPUT / INVALID_PLATFORM for bad arguments; AUTH_FAILED, REGISTRY_ERROR (registry
 *   unreachable) when the registry cannot be read at all
 */
export async function verify(ref: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { password, client: given, onProgress, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "verify options");
  const reference = parseReference(ref);
  const expected =
    opts.platforms === undefined ? undefined : parsePlatforms(opts.platforms).platforms;
  // Not pinged: a registry that cannot be read at all fails the first read just as clearly.
  const { registry, secrets } = await openRegistry(
    reference,
    { username: opts.username, password, plainHttp: opts.plainHttp, retries: opts.retries },
    { ping: false },
  );
  const [plaintext] = secrets;
  if (onProgress !== undefined) registry.onRetry((retry) => onProgress(retryEvent(retry)));
  const ctx: Context = {
    registry,
    repository: reference.repository,
    scan: opts.scanBinaries,
    layerCache: opts.layerCache === false ? undefined : (opts.layerCache ?? defaultLayerCacheDir()),
    limit: limiter(LAYER_CONCURRENCY),
    required: opts.attestations,
  };

  const report = await inspect(ctx, reference, expected);
  let platforms = report.platforms;
  const problems = [...report.problems];

  if (opts.smoke !== undefined && report.digest !== "") {
    // The Dagger SDK loads only here: verify without smoke needs no engine, and starts faster.
    const { smokeCommand, smokeRun } = await import("./smoke.js");
    const client = given ?? (await defaultClient());
    const command = smokeCommand(opts.smoke);
    let auth: SmokeAuth | undefined;
    if (opts.username !== undefined && plaintext !== undefined) {
      auth = {
        registry: reference.registry,
        username: opts.username,
        password:
          password === undefined || typeof password === "string"
            ? client.setSecret(`multiarch-verify-${reference.registry}`, plaintext)
            : password,
        secret: plaintext,
      };
    }
    const repo = `${reference.registry}/${reference.repository}`;
    const runs = await Promise.all(
      platforms.map(async (p): Promise<SmokeResult | undefined> => {
        if (!isSupported(p.platform) || p.config === undefined) return undefined;
        return smokeRun(
          client,
          { platform: p.platform, image: `${repo}@${p.digest}` },
          command,
          auth,
        );
      }),
    );
    platforms = platforms.map((p, i) => {
      const smoke = runs[i];
      if (smoke === undefined) return p;
      problems.push(...checkSmoke(p.platform, smoke));
      return { ...p, smoke };
    });
  }

  const result: VerifyReport = {
    ...report,
    ok: problems.length === 0,
    platforms,
    problems,
  };
  if (!result.ok && opts.throwOnProblem) throw new VerifyError(result);
  return result;
}

/** Everything but the smoke runs: the registry alone. */
async function inspect(
  ctx: Context,
  reference: ImageReference,
  expected: readonly Platform[] | undefined,
): Promise<VerifyReport> {
  const ref = formatReference(
    reference.digest === undefined
      ? reference
      : {
          registry: reference.registry,
          repository: reference.repository,
          digest: reference.digest,
        },
  );
  const name = reference.digest ?? reference.tag ?? DEFAULT_TAG;
  const empty = { ref, digest: "", mediaType: "", ok: false, platforms: [] };
  const read = await served(() => ctx.registry.getManifest(ctx.repository, name));
  if (!read.ok) return { ...empty, problems: [{ kind: "malformed", message: read.reason }] };
  const top = read.value;
  if (top === undefined) {
    return {
      ...empty,
      problems: [{ kind: "not-found", message: `The registry has no manifest ${ref}.` }],
    };
  }
  const base = { ...empty, digest: top.digest, mediaType: top.mediaType };
  const parsed = safeParseManifestDocument(top.json, top.mediaType, ref);
  if (!parsed.ok) return { ...base, problems: [{ kind: "malformed", message: parsed.reason }] };
  const doc = parsed.value;

  if (doc.kind === "manifest") {
    // Not an index: say so, and still check the one image it is.
    const image = await verifyImage(ctx, top.digest, doc.manifest, undefined);
    const variant = await withReferrers(ctx, image);
    return {
      ...base,
      platforms: [variant.verification],
      problems: [
        ...checkMediaType(top.mediaType),
        // Its config's platform stands for the index's one entry: name what is missing or extra.
        ...checkPlatforms([{ digest: top.digest, platform: variant.config }], expected),
        ...variant.problems,
      ],
    };
  }

  const entries = doc.index.manifests;
  const problems: Problem[] = [
    ...checkMediaType(top.mediaType),
    ...checkPlatforms(entries, expected),
  ];
  // buildx's attestation manifests are entries too, but about a platform, not platforms.
  const digests = new Set(entries.map((e) => e.digest));
  const isAttestation = (e: Descriptor) => digests.has(buildxAttestationTarget(e) ?? "");
  const variants = await Promise.all(
    entries
      .filter((entry) => !isAttestation(entry))
      .map(async (entry) => withReferrers(ctx, await verifyEntry(ctx, entry))),
  );
  const inIndex = await Promise.all(
    entries.filter(isAttestation).map(async (entry) => {
      const about = buildxAttestationTarget(entry) ?? "";
      const variant = variants.find((v) => v.verification.digest === about);
      const platform = variant?.verification.platform ?? "none";
      const where = {
        registry: ctx.registry,
        repository: ctx.repository,
        platform,
        subject: about,
      };
      return { about, ...(await verifyIndexAttestation(where, entry)) };
    }),
  );
  const platforms = variants.map((v) => {
    const extra = inIndex.filter((a) => a.about === v.verification.digest);
    const attestations = [
      ...(v.verification.attestations ?? []),
      ...extra.flatMap((a) => a.attestations),
    ];
    return attestations.length === 0 ? v.verification : { ...v.verification, attestations };
  });
  return {
    ...base,
    platforms,
    problems: [
      ...problems,
      ...variants.flatMap((v) => v.problems),
      ...inIndex.flatMap((a) => a.problems),
    ],
  };
}

/** A platform's OCI 1.1 referrers, read and checked (see verifyReferrers). */
async function withReferrers(ctx: Context, variant: VariantOutcome): Promise<VariantOutcome> {
  const { platform, digest } = variant.verification;
  if (platform === "none" || platform.startsWith("unknown/")) return variant;
  const where = { registry: ctx.registry, repository: ctx.repository, platform, subject: digest };
  const read = await served(() => verifyReferrers(where, ctx.required));
  if (!read.ok) {
    return {
      ...variant,
      problems: [
        ...variant.problems,
        { platform, kind: "attestation-malformed", message: read.reason },
      ],
    };
  }
  const { attestations, problems } = read.value;
  return {
    ...variant,
    verification:
      attestations.length === 0 ? variant.verification : { ...variant.verification, attestations },
    problems: [...variant.problems, ...problems],
  };
}

interface VariantOutcome {
  readonly verification: PlatformVerification;
  readonly problems: readonly Problem[];
  /** The image config's platform, when it was read. */
  readonly config?: OciPlatform;
}

async function verifyEntry(ctx: Context, entry: Descriptor): Promise<VariantOutcome> {
  const platform = entry.platform === undefined ? "none" : describePlatform(entry.platform);
  const missing = {
    verification: { platform, digest: entry.digest, blobs: { found: 0, referenced: 1 } },
  };
  const read = await served(() => ctx.registry.getManifest(ctx.repository, entry.digest));
  if (!read.ok)
    return { ...missing, problems: [{ platform, kind: "malformed", message: read.reason }] };
  const child = read.value;
  if (child === undefined) {
    return {
      ...missing,
      problems: checkBlobs(platform, [
        { what: "image manifest", digest: entry.digest, exists: false },
      ]),
    };
  }
  const where = ctx.registry.describe(ctx.repository, entry.digest);
  const parsed = safeParseManifestDocument(child.json, child.mediaType || entry.mediaType, where);
  if (!parsed.ok)
    return { ...missing, problems: [{ platform, kind: "malformed", message: parsed.reason }] };
  const doc = parsed.value;
  if (doc.kind === "index") {
    return {
      ...missing,
      problems: [
        {
          platform,
          kind: "malformed",
          message: `Index entry ${entry.digest} is itself an index; platform entries must be image manifests.`,
        },
      ],
    };
  }
  return verifyImage(ctx, entry.digest, doc.manifest, entry.platform);
}

/**
 * One image manifest: blobs present, config platform as declared, binaries for that platform.
 * @param declared the index entry's platform; undefined for a manifest verified on its own
 */
async function verifyImage(
  ctx: Context,
  digest: string,
  manifest: ImageManifest,
  declared: OciPlatform | undefined,
): Promise<VariantOutcome> {
  const { registry, repository } = ctx;
  const blobs: BlobFacts[] = await Promise.all([
    registry
      .blobExists(repository, manifest.config.digest)
      .then((exists) => ({ what: "config", digest: manifest.config.digest, exists })),
    ...manifest.layers.map((layer, i) =>
      registry.blobExists(repository, layer.digest).then((exists) => ({
        what: `layer ${i + 1}/${manifest.layers.length}`,
        digest: layer.digest,
        exists,
      })),
    ),
  ]);

  let config: OciPlatform | undefined;
  const problems: Problem[] = [];
  const label = () => (declared === undefined ? configName(config) : describePlatform(declared));
  const configPresent = blobs[0]?.exists === true;
  if (configPresent && IMAGE_CONFIG_MEDIA_TYPES.includes(manifest.config.mediaType)) {
    const blob = await served(() => registry.getBlob(repository, manifest.config.digest));
    const parsed = blob.ok
      ? safeParseConfigPlatform(blob.value, registry.describe(repository, digest))
      : blob;
    if (parsed.ok) config = parsed.value;
    else problems.push({ platform: label(), kind: "malformed", message: parsed.reason });
  }
  const platform = label();
  problems.push(...checkBlobs(platform, blobs));
  if (declared !== undefined && config !== undefined) {
    problems.push(...checkConfigPlatform(platform, declared, config));
  }

  let scan: BinaryScan | undefined;
  const target = supportedPlatform(declared ?? config);
  const isUnknown = (declared ?? config)?.os === "unknown";
  if (ctx.scan && target !== undefined && !isUnknown && blobs.every((b) => b.exists)) {
    const read = await served(() => scanImage(ctx, manifest, target));
    if (read.ok) {
      scan = read.value;
      problems.push(...binaryProblems(platform, scan.mismatches));
    } else {
      problems.push({ platform, kind: "unreadable-layer", message: read.reason });
    }
  }

  const found = 1 + blobs.filter((b) => b.exists).length;
  return {
    verification: {
      platform,
      digest,
      ...(config === undefined ? {} : { config: rawPlatform(config) }),
      blobs: { found, referenced: 1 + blobs.length },
      ...(scan === undefined ? {} : { scan }),
    },
    problems,
    ...(config === undefined ? {} : { config }),
  };
}

/** Download, decompress and walk every layer; apply whiteouts; check every binary. */
async function scanImage(
  ctx: Context,
  manifest: ImageManifest,
  platform: Platform,
): Promise<BinaryScan> {
  const start = performance.now();
  const layers = await Promise.all(
    manifest.layers.map((layer, i) =>
      ctx.limit(async () => {
        const where = `${i + 1}/${manifest.layers.length} (${layer.digest})`;
        const { layer: read } = await cachedLayerRead(ctx.layerCache, layer.digest, async () =>
          readLayer(await ctx.registry.getBlob(ctx.repository, layer.digest), where),
        );
        return read;
      }),
    ),
  );
  const files = mergeLayers(layers.map((l) => l.entries.map(classifyEntry)));
  return {
    layers: layers.length,
    files: files.length,
    elfFiles: files.filter((f) => f.elf.kind === "elf").length,
    compressedBytes: manifest.layers.reduce((n, l) => n + l.size, 0),
    tarBytes: layers.reduce((n, l) => n + l.tarBytes, 0),
    entries: layers.reduce((n, l) => n + l.entries.length, 0),
    seconds: (performance.now() - start) / 1000,
    mismatches: checkBinaries(files, platform),
  };
}

function supportedPlatform(platform: OciPlatform | undefined): Platform | undefined {
  if (platform === undefined || platform.os !== "linux") return undefined;
  try {
    return parsePlatform(rawPlatform(platform));
  } catch {
    return undefined;
  }
}

function isSupported(name: string): boolean {
  try {
    return formatPlatform(parsePlatform(name)) === name;
  } catch {
    return false;
  }
}

function configName(config: OciPlatform | undefined): string {
  return config === undefined ? "none" : describePlatform(config);
}

/**
 * `read()`, or the finding that stopped it: the registry answered (2xx) with bytes that are not
 * what was asked for, or a layer is no tar archive. Those are problems of the image, for the
 * report. Anything else (unreachable, refused, HTTP errors) propagates: then nothing was read
 * that could be verified.
 */
async function served<T>(read: () => Promise<T>): Promise<Parsed<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (!isFinding(error)) throw error;
    return { ok: false, reason: firstLine(error) };
  }
}

function isFinding(error: unknown): error is MultiarchError {
  if (isMultiarchError(error, ErrorCode.VERIFY_FAILED)) return true; // readLayer: no tar archive
  const status = isMultiarchError(error, ErrorCode.REGISTRY_ERROR)
    ? error.details.status
    : undefined;
  return status !== undefined && status >= 200 && status < 300;
}

function firstLine(error: Error): string {
  return error.message.split("\n")[0] ?? error.message;
}

/** Run at most `n` tasks at a time. */
function limiter(n: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiting one.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}
