/**
 * Image references (`[registry/]repository[:tag][@digest]`), parsed and normalised the way the
 * docker CLI does: a first path component is a registry host only when it contains `.` or `:` or
 * is `localhost`; otherwise the image lives on Docker Hub, where one-component names get the
 * `library/` prefix. A reference with neither tag nor digest means tag `latest`.
 */
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { DIGEST_PATTERN } from "./digest.js";

export interface ImageReference {
  /** Registry host with optional port, e.g. `127.0.0.1:5000`, `ghcr.io`, `docker.io`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/busybox`, `team/app`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>`. When both tag and digest are given, registries resolve the digest. */
  readonly digest?: string;
}

export const DOCKER_HUB = "docker.io";
/** The tag a reference without tag or digest means. */
export const DEFAULT_TAG = "latest";

// The reference grammar of github.com/distribution/reference, restated.
export const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY_PATTERN = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST_PATTERN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:.]+\\])(?::[0-9]+)?$`,
);
/** Docker's limit on registry + repository together. */
const MAX_NAME_LENGTH = 255;

const EXPECTED_REFERENCE =
  "[registry/]repository[:tag][@sha256:<64 hex digits>], e.g. 127.0.0.1:5000/team/app:1.0";
const EXPECTED_REPOSITORY =
  "lower-case path components of letters and digits, joined by '/', with single '.' or '_', " +
  "double '_' or runs of '-' between them, e.g. team/my-app";
export const EXPECTED_TAG = "1 to 128 characters from [A-Za-z0-9_.-], not starting with '.' or '-'";
const EXPECTED_DIGEST = "sha256: followed by 64 lower-case hex digits";

function invalid(input: string, reason: string, expected = EXPECTED_REFERENCE): MultiarchError {
  return new MultiarchError(
    ErrorCode.INVALID_INPUT,
    `Invalid image reference ${JSON.stringify(input)}: ${reason}.`,
    { given: input, expected },
  );
}

/**
 * Parse and normalise an image reference.
 * @throws MultiarchError INVALID_INPUT naming the input and what would be accepted
 */
export function parseReference(input: string): ImageReference {
  const text = input.trim();
  if (text === "") throw invalid(input, "it is empty");
  if (text.includes("://")) {
    throw invalid(input, "it has a URL scheme; references name no protocol (see plainHttp)");
  }

  const [nameAndTag = "", digest, ...extra] = text.split("@");
  if (extra.length > 0) throw invalid(input, "it has more than one '@'");
  if (digest !== undefined && !DIGEST_PATTERN.test(digest)) {
    throw invalid(input, `bad digest ${JSON.stringify(digest)}`, EXPECTED_DIGEST);
  }

  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  let name = nameAndTag;
  let tag: string | undefined;
  const colon = nameAndTag.lastIndexOf(":");
  if (colon > nameAndTag.lastIndexOf("/")) {
    name = nameAndTag.slice(0, colon);
    tag = nameAndTag.slice(colon + 1);
    if (!TAG_PATTERN.test(tag)) {
      throw invalid(input, `bad tag ${JSON.stringify(tag)}`, EXPECTED_TAG);
    }
  }
  if (name === "") throw invalid(input, "it has no repository name");

  let registry = DOCKER_HUB;
  let repository = name;
  const slash = name.indexOf("/");
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      registry = first;
      repository = name.slice(slash + 1);
    }
  }
  if (!HOST_PATTERN.test(registry)) {
    throw invalid(input, `bad registry host ${JSON.stringify(registry)}`);
  }
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;

  const problem = repositoryProblem(repository);
  if (problem !== undefined) throw invalid(input, problem, EXPECTED_REPOSITORY);
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw invalid(input, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  }

  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** `registry/repository[:tag][@digest]`, always with the registry spelled out. */
export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? "" : `:${ref.tag}`;
  const digest = ref.digest === undefined ? "" : `@${ref.digest}`;
  return `${ref.registry}/${ref.repository}${tag}${digest}`;
}

function repositoryProblem(repository: string): string | undefined {
  if (repository === "") return "it has no repository name";
  if (repository !== repository.toLowerCase()) {
    return `repository ${JSON.stringify(repository)} must be lower case`;
  }
  if (!REPOSITORY_PATTERN.test(repository)) {
    return `bad repository name ${JSON.stringify(repository)}`;
  }
  return undefined;
}

/**
 * Check a repository path given on its own (as to the registry client).
 * @throws MultiarchError INVALID_INPUT
 */
export function assertRepository(repository: string): void {
  const problem = repositoryProblem(repository);
  if (problem === undefined) return;
  throw new MultiarchError(ErrorCode.INVALID_INPUT, `Invalid repository: ${problem}.`, {
    given: repository,
    expected: EXPECTED_REPOSITORY,
  });
}

/**
 * Check a manifest reference: a tag or a digest.
 * @throws MultiarchError INVALID_INPUT
 */
export function assertTagOrDigest(reference: string): void {
  if (TAG_PATTERN.test(reference) || DIGEST_PATTERN.test(reference)) return;
  throw new MultiarchError(
    ErrorCode.INVALID_INPUT,
    `Invalid manifest reference ${JSON.stringify(reference)}: it is neither a tag nor a digest.`,
    { given: reference, expected: `a tag (${EXPECTED_TAG}) or a digest (${EXPECTED_DIGEST})` },
  );
}

/**
 * Check a registry host (`host[:port]`, `[ipv6][:port]`), as given to the registry client.
 * @throws MultiarchError INVALID_INPUT
 */
export function assertRegistryHost(registry: string): void {
  if (HOST_PATTERN.test(registry)) return;
  throw new MultiarchError(
    ErrorCode.INVALID_INPUT,
    `Invalid registry ${JSON.stringify(registry)}.`,
    {
      given: registry,
      expected: "a host name or IP address with an optional port, e.g. 127.0.0.1:5000 or ghcr.io",
      hint: "give the host only: no scheme (http://), path or credentials",
    },
  );
}

/**
 * Check a digest.
 * @throws MultiarchError INVALID_INPUT
 */
export function assertDigest(digest: string): void {
  if (DIGEST_PATTERN.test(digest)) return;
  throw new MultiarchError(ErrorCode.INVALID_INPUT, `Invalid digest ${JSON.stringify(digest)}.`, {
    given: digest,
    expected: EXPECTED_DIGEST,
  });
}
