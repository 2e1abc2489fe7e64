/**
 * The CLI's help texts: full help for --help, and the short usage printed under a usage error.
 */
import { DEFAULT_RETRIES, MAX_RETRIES } from "../registry/retry-limits.js";
import type { HelpTopic } from "./usage.js";

const MAIN = `multiarch: build one container per CPU platform with Dagger and publish them as ONE
multi-platform image (an OCI image index), like docker buildx build --platform a,b --push.

Usage:
  multiarch publish --source DIR --address REGISTRY/REPO[:TAG] [options]
  multiarch publish --source DIR --export FILE [options]
  multiarch inspect REF [--json] [--username U --password-env VAR] [--plain-http]
  multiarch verify REF [--platforms P,Q] [--smoke CMD] [--no-scan] [--json] [--username U --password-env VAR]
  multiarch --help | --version

Commands:
  publish   build the Dockerfile in DIR for every platform, push them as one image index
  inspect   list the platforms, manifest digests and sizes of an image in a registry
  verify    check a published index: platforms, configs, blobs, binaries' CPU, a smoke command

Run 'multiarch COMMAND --help' for its options.

Exit status: 0 done, 1 failed, 2 bad input (nothing was built or pushed).
`;

/** How to reach a registry: the same options for publish, inspect and verify. */
const REGISTRY_ACCESS = `  --username U             registry user name; needs --password-env
  --password-env VAR       read the registry password from the environment variable VAR
                           (without --username: the credentials docker login stored, from
                           $DOCKER_CONFIG/config.json or ~/.docker/config.json and its helpers)
  --plain-http             talk HTTP, not HTTPS (default: HTTP only for localhost and 127.x)
  --retries N              retry a registry request answered 429 or 5xx, or a dropped
                           connection, up to N times with growing waits (default ${DEFAULT_RETRIES}, max ${MAX_RETRIES}, 0: none)
`;

const PUBLISH = `Usage: multiarch publish --source DIR --address REGISTRY/REPO[:TAG] [options]
       multiarch publish --source DIR --export FILE [options]

Build the Dockerfile in DIR once per platform on the Dagger engine (natively, or under QEMU),
then push every platform's image as ONE image index under every tag, or write it to FILE.
Nothing is pushed unless every platform built.

Source:
  --source DIR             the build context, a directory on this machine (required)
  --dockerfile F           the Dockerfile, relative to DIR (default: Dockerfile)
  --target S               build this stage of a multi-stage Dockerfile
  --build-arg K=V          a build argument (repeatable)
  --source-date-epoch N    seconds since the epoch, passed as SOURCE_DATE_EPOCH

Platforms:
  --platform P             a platform, e.g. linux/arm64 or arm64 (repeatable; P,Q works too)
  --platforms P,Q          a comma-separated list (default: linux/amd64,linux/arm64)

Destination:
  --address REGISTRY/REPO  where to push, e.g. 127.0.0.1:5000/team/app (a :TAG counts as --tag)
  --tag T                  a tag to push (repeatable; default: the address's tag, else latest)
${REGISTRY_ACCESS}  --export FILE            write an OCI layout tarball to FILE instead of pushing

Image:
  --annotation K=V         an annotation on every platform's manifest (repeatable)
  --label K=V              a label in every platform's image config (repeatable)
  --media-types oci|docker manifest media types (default: oci)
  --compression gzip|zstd|uncompressed|estargz   layer compression (default: gzip)

Output:
  --no-verify              do not read the pushed index back and check it
  --no-scan                check the index, but not every binary's CPU (no layer downloads)
  --json                   print only the result, as JSON, on stdout (progress stays on stderr)
  -h, --help               this help

Engine: inside 'dagger run', its session; else _EXPERIMENTAL_DAGGER_RUNNER_HOST and
_EXPERIMENTAL_DAGGER_CLI_BIN when set; else an engine at Dagger's default socket
/run/dagger/engine.sock with a dagger CLI on PATH; else the Dagger SDK starts one itself.

Example:
  multiarch publish --source . --address 127.0.0.1:5000/team/app --tag 1.0 --tag latest \\
    --platforms linux/amd64,linux/arm64 --build-arg VERSION=1.0
`;

const INSPECT = `Usage: multiarch inspect REF [--json] [--username U --password-env VAR] [--plain-http]

Read the image index (or single-platform manifest) that REF names in its registry and list each
platform with its manifest digest and size (manifest + config + compressed layers). No engine.

  REF                      REGISTRY/REPO[:TAG] or REGISTRY/REPO@sha256:..., e.g. 127.0.0.1:5000/app:1.0
  --json                   print the summary as JSON
${REGISTRY_ACCESS}  -h, --help               this help

Exit status: 0 found, 1 not found or the registry failed, 2 bad input.
`;

const VERIFY = `Usage: multiarch verify REF [--platforms P,Q] [--smoke CMD] [--no-scan] [--json]
                       [--username U --password-env VAR] [--plain-http]

Read the image index REF names back from its registry and check it: an index (not a single
manifest), exactly the platforms asked for and no unknown/unknown (attestation) entry, each
image config saying the platform its entry says, every blob present, and every executable and
shared library in every variant built for that platform's CPU (read from the layers, never run).

  REF                      REGISTRY/REPO[:TAG] or REGISTRY/REPO@sha256:..., e.g. 127.0.0.1:5000/app:1.0
  --platforms P,Q          the platforms the index must hold, no more, no fewer (repeatable;
                           --platform P works too)
  --smoke CMD              run CMD (through sh -c) in every variant on the Dagger engine, emulated
                           where needed; a failure on any platform fails the check
  --no-scan                skip the binary scan (it downloads every layer)
  --json                   print the report as JSON
${REGISTRY_ACCESS}  -h, --help               this help

Exit status: 0 verified, 1 a problem was found (each is named) or the registry failed, 2 bad input.
`;

const HELP: Readonly<Record<HelpTopic, string>> = {
  main: MAIN,
  publish: PUBLISH,
  inspect: INSPECT,
  verify: VERIFY,
};

/** The full help of a topic. */
export function helpText(topic: HelpTopic): string {
  return HELP[topic];
}

const SHORT: Readonly<Record<HelpTopic, string>> = {
  main: "usage: multiarch publish|inspect|verify [options]   (multiarch --help for more)",
  publish:
    "usage: multiarch publish --source DIR --address REGISTRY/REPO [options]   (multiarch publish --help for more)",
  inspect: "usage: multiarch inspect REF [--json] [--username U --password-env VAR] [--plain-http]",
  verify:
    "usage: multiarch verify REF [--platforms P,Q] [--smoke CMD] [--no-scan] [--json]   (multiarch verify --help for more)",
};

/** One usage line, printed under a usage error. */
export function shortUsage(topic: HelpTopic): string {
  return SHORT[topic];
}
