/**
 * publishIndex: push every variant as ONE multi-platform image (an OCI image index), under one or
 * many tags that all name the same digest. Its steps, in order: open the registry (once), build
 * every variant, push (under a staging tag), make the index final (annotations, stored by
 * digest), attach attestations to its platforms (when asked), verify it by digest, move every
 * tag to it, report. A failure at any step before the
 * last leaves every tag where it was.
 */
import type { Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { parseOptions } from "../common/parse-options.js";
import { retryEvent, silent, type ProgressListener } from "../common/progress.js";
import { buildVariants, decorate, type BuiltVariant, type Variant } from "../engine/variants.js";
import type { ManifestResult } from "../registry/client.js";
import { annotationsAt, type PlacedAnnotation } from "../plan/annotations.js";
import { imageOptionsSchema } from "../plan/image-format.js";
import { openRegistry, type OpenRegistry, type RegistryLogin } from "../registry/open-registry.js";
import { retriesSchema } from "../registry/retry.js";
import { DEFAULT_TAG, EXPECTED_TAG, TAG_PATTERN } from "../registry/reference.js";
import { parseReference, type ImageReference } from "../registry/reference.js";
import { verify, type VerifyOptions } from "../verify/verify.js";
import {
  attestationOptionsSchema,
  attestIndex,
  wantsAttestations,
  type BuildFacts,
  type PlatformAttestations,
} from "../attest/attest-index.js";
import { pushVariants, STAGING_TAG } from "./push-variants.js";
import { publishResult, type PublishResult } from "./result.js";
import { finalIndex, moveTags } from "./tag-index.js";

const optionsSchema = imageOptionsSchema.merge(attestationOptionsSchema).extend({
  /** Tags to push; default: the address's own tag, else `latest`. */
  tags: z
    .array(z.string().regex(TAG_PATTERN, `a tag: ${EXPECTED_TAG}`))
    .min(1)
    .optional(),
  username: z.string().min(1).optional(),
  /** Talk to the registry over plain HTTP; default: only for loopback addresses. */
  plainHttp: z.boolean().optional(),
  /** Read the index back after pushing and check it (default true); see verify. */
  verify: z.boolean().default(true),
  /** With verify: check every ELF file's CPU in every variant (default true). */
  scanBinaries: z.boolean().default(true),
  /**
   * Retries of a registry request answered 429 or 5xx or whose connection failed, and of the
   * engine's push as a whole (default 4, at most 10; 0: none). Each is announced as a `retry`
   * progress event.
   */
  retries: retriesSchema.optional(),
});

export type ParsedOptions = z.output<typeof optionsSchema>;

const alsoToTagsSchema = z.object({ tags: optionsSchema.shape.tags.unwrap() });

export type PublishIndexOptions = z.input<typeof optionsSchema> & {
  /** Registry password or token, as a Dagger secret. */
  password?: Secret;
  /** How the variants were built, for provenance (defineImage passes it). */
  buildFacts?: BuildFacts;
  onProgress?: ProgressListener;
  /**
   * More repositories (same login) to push the same index to, each with its own tags; no tag
   * moves anywhere until every repository holds the verified index.
   */
  alsoTo?: readonly { readonly address: string | OpenRegistry; readonly tags: readonly string[] }[];
};

/** The names of publishIndex's options, derived from its schema (plus the password). */
export const PUBLISH_INDEX_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(optionsSchema.shape),
  "password",
  "alsoTo",
]);

/**
 * Build every variant, then push them as one index to `address` (`registry/repo[:tag]`, or a
 * registry already opened with openRegistry) and point every tag at it. Nothing is pushed unless
 * every variant built, and bad credentials are caught before any build starts.
 * @throws MultiarchError INVALID_INPUT, AUTH_FAILED, REGISTRY_ERROR, BUILD_FAILED / QEMU_CRASH,
 * PUSH_FAILED, VERIFY_FAILED (after the push: what the registry serves is not what was built; no
 * tag was moved)
 */
export async function publishIndex(
  variants: readonly Variant[],
  address: string | OpenRegistry,
  options: PublishIndexOptions = {},
): Promise<PublishResult> {
  return publishStaged(stageOnOneEngine(variants), variants.length, address, options);
}

/** What a stage is given: where to push, and the publish's options, parsed. */
export interface StageContext {
  readonly target: OpenRegistry;
  readonly options: ParsedOptions;
  readonly password: Secret | undefined;
  readonly onProgress: ProgressListener;
  /** Every credential of every destination, scrubbed from build errors. */
  readonly secrets: readonly string[];
}

/** What a stage did: every variant built, and the digest of what it pushed (no user tag moved). */
export interface Staged {
  readonly built: readonly BuiltVariant[];
  readonly pushed: string;
  /** When the first push began (performance.now()), for the push's duration. */
  readonly pushStart: number;
}

/**
 * The first steps of a publish: build every variant and push them to the context's target,
 * under a staging tag (no user tag moves). One engine (stageOnOneEngine), or several
 * (publish/publish-routed.ts).
 */
export type Stage = (context: StageContext) => Promise<Staged>;

/**
 * publishIndex with its first steps given: `stage` builds `count` variants and pushes them;
 * then, as for any publish, the index is made final, verified by digest, and every tag moved to
 * it (alsoTo repositories get the variants `stage` built, pushed by the default engine).
 */
export async function publishStaged(
  firstSteps: Stage,
  count: number,
  address: string | OpenRegistry,
  options: PublishIndexOptions = {},
): Promise<PublishResult> {
  const { password, onProgress = silent, alsoTo = [], buildFacts = {}, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "publish options");
  checkPlacement(opts, count);
  for (const { tags } of alsoTo) parseOptions(alsoToTagsSchema, { tags }, "alsoTo tags");
  const login = { ...opts, password };
  const target = await openTarget(address, login);
  const more = await Promise.all(
    alsoTo.map(async ({ address: other, tags }) => ({
      target: await openTarget(other, login),
      tags,
    })),
  );
  const tags = opts.tags ?? [target.ref.tag ?? DEFAULT_TAG];
  const attest = { facts: buildFacts, startedOn: new Date() };
  return publishTo([{ target, tags }, ...more], firstSteps, opts, password, onProgress, attest);
}

/**
 * Index and descriptor annotations need an OCI index to hold them: refused before any build
 * when there will be none, rather than silently dropped.
 * @throws MultiarchError INVALID_INPUT
 */
function checkPlacement(opts: ParsedOptions, variants: number): void {
  const misplaced = opts.placedAnnotations.find((a) => a.level !== "manifest");
  if (misplaced === undefined) return;
  const reason =
    misplaced.level === "index-descriptor"
      ? "it describes an OCI layout's index.json, and a push writes none"
      : opts.mediaTypes === "docker"
        ? "a Docker manifest list has no annotations field (use mediaTypes oci)"
        : variants < 2
          ? "one platform is pushed as a single manifest, with no index"
          : undefined;
  if (reason === undefined) return;
  throw new MultiarchError(
    ErrorCode.INVALID_INPUT,
    `A ${misplaced.level} annotation cannot be placed: ${reason}.`,
    { given: `${misplaced.level}:${misplaced.key}`, hint: "drop it, or give it another level" },
  );
}

/**
 * A publish address names where to push; the digest is the result, so it cannot be given.
 * @throws MultiarchError INVALID_INPUT
 */
export function publishAddress(address: string): ImageReference {
  const ref = parseReference(address);
  if (ref.digest === undefined) return ref;
  throw new MultiarchError(ErrorCode.INVALID_INPUT, "Invalid address.", {
    given: address,
    expected: "registry/repository[:tag], without a digest: the digest is the result",
  });
}

/**
 * The registry to publish to: an address (checked by publishAddress) opened with the login's
 * credentials, transport and retries, or a registry the caller opened already.
 */
export async function openTarget(
  address: string | OpenRegistry,
  login: Pick<RegistryLogin, "username" | "password" | "plainHttp" | "retries">,
): Promise<OpenRegistry> {
  if (typeof address !== "string") return address;
  const { username, password, plainHttp, retries } = login;
  return openRegistry(publishAddress(address), { username, password, plainHttp, retries });
}

/**
 * Verify what `where` names, as a publish's last step before tags move: with the login's
 * credentials, transport and retries, told to `onProgress` (verify-start, verify-done).
 * @throws MultiarchError VERIFY_FAILED, REGISTRY_ERROR, AUTH_FAILED
 */
export async function verifyPublished(
  where: string,
  checks: Pick<VerifyOptions, "platforms" | "attestations"> & { readonly scanBinaries: boolean },
  login: Pick<RegistryLogin, "username" | "password" | "plainHttp" | "retries">,
  onProgress: ProgressListener,
): Promise<void> {
  const start = performance.now();
  onProgress({ kind: "verify-start", ref: where, scanBinaries: checks.scanBinaries });
  const { username, password, plainHttp, retries } = login;
  await verify(where, {
    ...checks,
    ...(username === undefined || password === undefined ? {} : { username, password }),
    ...(plainHttp === undefined ? {} : { plainHttp }),
    ...(retries === undefined ? {} : { retries }),
    onProgress,
  });
  onProgress({ kind: "verify-done", seconds: (performance.now() - start) / 1000 });
}

/** One repository to publish to, and the tags to point at the index there. */
interface Destination {
  readonly target: OpenRegistry;
  readonly tags: readonly string[];
}

async function publishTo(
  destinations: readonly Destination[],
  firstSteps: Stage,
  opts: ParsedOptions,
  password: Secret | undefined,
  onProgress: ProgressListener,
  attest: AttestInputs,
): Promise<PublishResult> {
  const stops = destinations.map(({ target }) =>
    target.registry.onRetry((retry) => onProgress(retryEvent(retry))),
  );
  try {
    const [primary] = destinations;
    if (primary === undefined) throw new Error("unreachable: no destination");
    // No user tag moves until the very end: in every repository the engine pushes under the
    // staging tag, the index is made final (annotations) and verified by digest, and only then
    // does any tag name it.
    const { built, pushed, pushStart } = await firstSteps({
      target: primary.target,
      options: opts,
      password,
      onProgress,
      secrets: destinations.flatMap(({ target }) => target.secrets),
    });
    const staged: ({ destination: Destination } & Finished)[] = [];
    for (const destination of destinations) {
      const start = destination === primary ? pushStart : performance.now();
      const digest =
        destination === primary
          ? pushed
          : await pushStaged(built, destination.target, STAGING_TAG, opts, password, onProgress);
      const finished = await finish(
        destination.target,
        digest,
        start,
        built,
        opts,
        password,
        onProgress,
        attest,
      );
      staged.push({ destination, ...finished });
    }
    for (const { destination, index } of staged) {
      await moveTags(destination.target, index, destination.tags);
    }
    const [first, ...more] = staged;
    if (first === undefined) throw new Error("unreachable: no destination");
    const { registry, ref } = first.destination.target;
    const result = await publishResult(
      registry,
      ref.repository,
      first.index,
      first.destination.tags,
      built,
      first.attestations,
    );
    const moreRefs = more.flatMap(({ destination: { target, tags }, index }) =>
      tags.map((tag) => `${target.registry.describe(target.ref.repository, tag)}@${index.digest}`),
    );
    return { ...result, refs: [...result.refs, ...moreRefs] };
  } finally {
    for (const stop of stops) stop();
  }
}

/**
 * The stage of a publish on one engine: build every variant, then (only when all built) the
 * engine pushes them as one index under `tag` (default: the staging tag).
 */
export function stageOnOneEngine(variants: readonly Variant[], tag = STAGING_TAG): Stage {
  return async ({ target, options: opts, password, onProgress, secrets }) => {
    const placed = opts.placedAnnotations;
    const built = await buildVariants(
      decorate(variants, opts.labels, (platform) => ({
        ...opts.annotations,
        ...annotationsAt(placed, "manifest", platform),
      })),
      { onProgress, secrets },
    );
    const pushStart = performance.now();
    const pushed = await pushStaged(built, target, tag, opts, password, onProgress);
    return { built, pushed, pushStart };
  };
}

/** The engine pushes `built` under `tag` (a staging tag: no user tag moves); its digest. */
export function pushStaged(
  built: readonly BuiltVariant[],
  target: OpenRegistry,
  tag: string,
  opts: ParsedOptions,
  password: Secret | undefined,
  onProgress: ProgressListener,
): Promise<string> {
  const { ref } = target;
  onProgress({ kind: "push-start", ref: `${ref.registry}/${ref.repository}:${tag}` });
  return pushVariants(built, target, {
    tag,
    username: opts.username,
    password,
    mediaTypes: opts.mediaTypes,
    compression: opts.compression,
    retries: opts.retries,
    onRetry: (notice) => onProgress(retryEvent({ ...notice, operation: "push" })),
  });
}

/** What provenance records beyond the options: how it was built, and when the publish began. */
interface AttestInputs {
  readonly facts: BuildFacts;
  readonly startedOn: Date;
}

interface Finished {
  readonly index: ManifestResult;
  readonly attestations: readonly PlatformAttestations[];
}

/**
 * Make what was pushed (`pushed`) the final index, attach its attestations and verify it; no tag
 * moves.
 */
async function finish(
  target: OpenRegistry,
  pushed: string,
  start: number,
  built: readonly BuiltVariant[],
  opts: ParsedOptions,
  password: Secret | undefined,
  onProgress: ProgressListener,
  attest: AttestInputs,
): Promise<Finished> {
  const { ref } = target;
  const repo = `${ref.registry}/${ref.repository}`;
  const placed = opts.placedAnnotations;
  const index = await finalIndex(
    target,
    pushed,
    { ...opts.annotations, ...annotationsAt(placed, "index") },
    (platform, current) => descriptorAnnotations(placed, platform, current),
  );
  onProgress({
    kind: "push-done",
    digest: index.digest,
    seconds: (performance.now() - start) / 1000,
  });

  // Attestations are referrers of the platform manifests, attached before any tag names the
  // index: the index keeps only real platforms, and a failure here moves no tag.
  const attestations = wantsAttestations(opts)
    ? await attestIndex(
        { target, options: opts, facts: attest.facts, startedOn: attest.startedOn, onProgress },
        index,
        built.map((b) => b.platform),
      )
    : [];

  // What the registry serves must be what was built: every platform, no stray entry, and
  // binaries for the right CPU. One variant is a plain manifest, not an index: nothing to check.
  if (opts.verify && built.length > 1) {
    await verifyPublished(
      `${repo}@${index.digest}`,
      {
        platforms: built.map((b) => b.platform),
        scanBinaries: opts.scanBinaries,
        attestations: { provenance: opts.provenance !== false, sbom: opts.sbom },
      },
      { ...opts, password },
      onProgress,
    );
  }
  return { index, attestations };
}

/**
 * An index entry's annotations: the engine copies each manifest's annotations onto its entry;
 * buildx's levels keep manifest-level ones on the manifest only, and put manifest-descriptor
 * ones on the entry.
 */
function descriptorAnnotations(
  placed: readonly PlacedAnnotation[],
  platform: string,
  current: Readonly<Record<string, string>>,
): Record<string, string> {
  const manifestOnly = annotationsAt(placed, "manifest", platform);
  const kept = Object.entries(current).filter(([key, value]) => manifestOnly[key] !== value);
  return { ...Object.fromEntries(kept), ...annotationsAt(placed, "manifest-descriptor", platform) };
}
