/**
 * publishIndex: push every variant as ONE multi-platform image (an OCI image index), under
 * one or many tags that all name the same digest.
 */
import type { Secret } from "@dagger.io/dagger";
import { z } from "zod";
import { parseOptions } from "../common/parse-options.js";
import type { BuildMode } from "../plan/dockerfile-stages.js";
import { ErrorCode, MultiarchError, redact } from "../common/errors.js";
import { compressionSchema, imageFormat, mediaTypesSchema } from "../plan/image-format.js";
import { silent, type ProgressListener } from "../common/progress.js";
import { RegistryClient } from "../registry/client.js";
import { readIndex } from "../registry/image-index.js";
import { setIndexAnnotations } from "../registry/index-annotations.js";
import { MediaType } from "../registry/media-types.js";
import { parseReference, type ImageReference } from "../registry/reference.js";
import { buildAll, decorate, type Variant } from "../engine/variants.js";
import { verify } from "../verify/verify.js";

const TAG = /^[\w][\w.-]{0,127}$/;

const optionsSchema = z.object({
  /** Tags to push; default: the address's own tag, else `latest`. */
  tags: z
    .array(z.string().regex(TAG, "a tag: letters, digits, _ . -, at most 128"))
    .min(1)
    .optional(),
  username: z.string().min(1).optional(),
  annotations: z.record(z.string().min(1), z.string()).default({}),
  labels: z.record(z.string().min(1), z.string()).default({}),
  mediaTypes: mediaTypesSchema.default("oci"),
  compression: compressionSchema.default("gzip"),
  /** Talk to the registry over plain HTTP; default: only for loopback addresses. */
  plainHttp: z.boolean().optional(),
  /** Read the index back after pushing and check it (default true); see verify. */
  verify: z.boolean().default(true),
  /** With verify: check every ELF file's CPU in every variant (default true). */
  scanBinaries: z.boolean().default(true),
});

export type PublishIndexOptions = z.input<typeof optionsSchema> & {
  /** Registry password or token, as a Dagger secret. */
  password?: Secret;
  onProgress?: ProgressListener;
};

/** The names of publishIndex's options, derived from its schema (plus the password). */
export const PUBLISH_INDEX_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(optionsSchema.shape),
  "password",
]);

export interface PublishedPlatform {
  /** Canonical platform, `os/arch[/variant]`. */
  readonly platform: string;
  /** Digest of this platform's image manifest. */
  readonly digest: string;
  /** Bytes: manifest + config + compressed layers. */
  readonly size: number;
  /** Seconds its build took (0 when it was already built). */
  readonly seconds: number;
  readonly emulated: boolean;
  /** native, cross (nothing ran under QEMU) or emulated. */
  readonly mode: BuildMode;
}

export interface PublishResult {
  /** Digest of the image index. */
  readonly digest: string;
  /** `registry/repository:tag@digest`, one per tag. */
  readonly refs: readonly string[];
  readonly mediaType: string;
  readonly platforms: readonly PublishedPlatform[];
}

function invalid(what: string, given: string, expected: string): MultiarchError {
  return new MultiarchError(ErrorCode.INVALID_INPUT, `Invalid ${what}.`, { given, expected });
}

/** Registry errors from the engine that mean "your credentials are wrong or missing". */
const AUTH_ERROR =
  /\b(401|403|unauthori[sz]ed|denied|authentication required|insufficient_scope)\b/i;

export interface RegistryTarget {
  readonly ref: ImageReference;
  readonly registry: RegistryClient;
  /** Plaintext secrets to scrub from anything shown. */
  readonly secrets: readonly string[];
}

/**
 * Check a publish address and its credentials against the registry, before minutes of
 * building: is it there, and does it take these credentials?
 * @throws MultiarchError INVALID_INPUT, AUTH_FAILED, REGISTRY_ERROR
 */
export async function openRegistry(
  address: string,
  credentials: { username?: string; password?: Secret; plainHttp?: boolean } = {},
): Promise<RegistryTarget> {
  const { username, password, plainHttp } = credentials;
  const ref = parseReference(address);
  if (ref.digest !== undefined) {
    throw invalid(
      "address",
      address,
      "registry/repository[:tag], without a digest: the digest is the result",
    );
  }
  if ((username === undefined) !== (password === undefined)) {
    throw invalid(
      "credentials",
      username === undefined
        ? "a password without a username"
        : `username ${username} without a password`,
      "both a username and a password, or neither",
    );
  }
  const secret = password === undefined ? undefined : await password.plaintext();
  const registry = new RegistryClient({
    registry: ref.registry,
    ...(username === undefined || secret === undefined ? {} : { username, password: secret }),
    ...(plainHttp === undefined ? {} : { plainHttp }),
  });
  await registry.ping();
  return { ref, registry, secrets: secret === undefined ? [] : [secret] };
}

/**
 * Build every variant, then push them as one index to `address` (`registry/repo[:tag]`) and
 * point every tag at it. Nothing is pushed unless every variant built, and bad credentials are
 * caught before any build starts.
 * @throws MultiarchError INVALID_INPUT, AUTH_FAILED, REGISTRY_ERROR, BUILD_FAILED / QEMU_CRASH,
 * PUSH_FAILED, VERIFY_FAILED (after the push: what the registry serves is not what was built)
 */
export async function publishIndex(
  variants: readonly Variant[],
  address: string,
  options: PublishIndexOptions = {},
): Promise<PublishResult> {
  const { password, onProgress = silent, ...rest } = options;
  const opts = parseOptions(optionsSchema, rest, "publish options");
  const { ref, registry, secrets } = await openRegistry(address, {
    ...(opts.username === undefined ? {} : { username: opts.username }),
    ...(password === undefined ? {} : { password }),
    ...(opts.plainHttp === undefined ? {} : { plainHttp: opts.plainHttp }),
  });
  const tags = opts.tags ?? [ref.tag ?? "latest"];

  const built = await buildAll(
    variants.map((v) => ({
      ...v,
      container: decorate(v.container, opts.labels, opts.annotations),
    })),
    { onProgress, secrets },
  );

  const [first, ...others] = built;
  if (first === undefined) throw invalid("variants", "[]", "at least one variant");
  const repo = `${ref.registry}/${ref.repository}`;
  let publisher = first.container;
  if (opts.username !== undefined && password !== undefined) {
    publisher = publisher.withRegistryAuth(ref.registry, opts.username, password);
  }
  const start = performance.now();
  onProgress({ kind: "push-start", ref: `${repo}:${tags[0]}` });
  let pushed: string;
  try {
    pushed = await publisher.publish(`${repo}:${tags[0]}`, {
      platformVariants: others.map((v) => v.container),
      ...imageFormat(opts.mediaTypes, opts.compression),
    });
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
    const auth = AUTH_ERROR.test(message);
    throw new MultiarchError(
      auth ? ErrorCode.AUTH_FAILED : ErrorCode.PUSH_FAILED,
      auth
        ? `The registry ${ref.registry} refused the push: check the credentials.`
        : `Pushing to ${repo} failed.`,
      {
        stderr: message,
        cause: error,
        secrets,
        hint: auth
          ? "pass --username and the password of an account allowed to push to this repository"
          : "check that the registry is reachable and has space; nothing was tagged",
      },
    );
  }
  let digest = pushed.slice(pushed.lastIndexOf("@") + 1);

  // Further tags get the index's exact bytes, so they name the same digest.
  const index = await registry.getManifest(ref.repository, digest);
  if (index === undefined) {
    throw new MultiarchError(
      ErrorCode.PUSH_FAILED,
      `The registry does not serve the index it just accepted (${digest}).`,
      { secrets },
    );
  }
  for (const tag of tags.slice(1))
    await registry.putManifest(ref.repository, tag, index.bytes, index.mediaType);

  // Index annotations: Dagger puts `annotations` on each manifest only; add them to the OCI
  // index too (a Docker manifest list has no such field), under every tag: the index gets a new
  // digest, the manifests keep theirs.
  if (Object.keys(opts.annotations).length > 0 && index.mediaType === MediaType.OCI_INDEX) {
    digest = await setIndexAnnotations(registry, ref.repository, tags, opts.annotations);
  }
  onProgress({ kind: "push-done", digest, seconds: (performance.now() - start) / 1000 });

  // What the registry now serves must be what was built: every platform, no stray entry, and
  // binaries for the right CPU. One variant is a plain manifest, not an index: nothing to check.
  if (opts.verify && built.length > 1) {
    const verifyStart = performance.now();
    onProgress({ kind: "verify-start", ref: `${repo}@${digest}`, scanBinaries: opts.scanBinaries });
    await verify(`${repo}@${digest}`, {
      platforms: built.map((b) => b.platform),
      scanBinaries: opts.scanBinaries,
      ...(opts.username === undefined || password === undefined
        ? {}
        : { username: opts.username, password }),
      ...(opts.plainHttp === undefined ? {} : { plainHttp: opts.plainHttp }),
    });
    onProgress({ kind: "verify-done", seconds: (performance.now() - verifyStart) / 1000 });
  }

  const summary = await readIndex(registry, ref.repository, digest);
  // One variant is pushed as a plain image manifest, not an index: it is its own entry.
  const entries =
    summary?.kind === "index"
      ? summary.entries
      : summary === undefined
        ? []
        : [{ platform: built[0]?.platform, digest: summary.digest, size: summary.size }];
  return {
    digest,
    refs: tags.map((tag) => `${repo}:${tag}@${digest}`),
    mediaType: index.mediaType,
    platforms: built.map((b) => {
      const entry = entries.find((e) => e.platform === b.platform);
      return {
        platform: b.platform,
        digest: entry?.digest ?? "",
        size: entry?.size ?? 0,
        seconds: b.seconds,
        emulated: b.emulated,
        mode: b.mode,
      };
    }),
  };
}
