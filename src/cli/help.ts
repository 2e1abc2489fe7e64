/**
 * The CLI's help texts: full help for --help, and the short usage printed under a usage error.
 */
import { DEFAULT_RETRIES, MAX_RETRIES } from "../registry/retry-limits.js";
import type { HelpTopic } from "./usage.js";

const MAIN = `multiarch: build one container per CPU platform with Dagger and publish them as ONE
multi-platform image (an OCI image index), like docker buildx build --platform a,b --push.

Usage:
  multiarch publish [options] -t REGISTRY/REPO:TAG [-t ...] CONTEXT
  multiarch publish [options] --output type=oci,dest=FILE CONTEXT
  multiarch inspect REF [--json] [--username U --password-env VAR] [--plain-http]
  multiarch verify REF [--platforms P,Q] [--smoke CMD] [--no-scan] [--json] [--username U --password-env VAR]
  multiarch build --platform P --push-by-digest --address REGISTRY/REPO --source DIR [options]
  multiarch merge --address REGISTRY/REPO --tag T... SOURCE@DIGEST... [options]
  multiarch plan --platforms P,Q [--github-matrix | --json]
  multiarch completion bash|zsh|fish
  multiarch --help | --version

Commands:
  publish   build the Dockerfile in DIR for every platform, push them as one image index
  inspect   list the platforms, manifest digests and sizes of an image in a registry
  verify    check a published index: platforms, configs, blobs, binaries' CPU, a smoke command
  build     build ONE platform and push it by digest (a CI matrix job; no tag moves)
  merge     join images already in the registry into one index, verify it, then tag it
  plan      how each platform builds (native, cross, emulated), or a GitHub Actions matrix
  completion  a bash, zsh or fish completion script, from the flags each command parses

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

const PUBLISH = `Usage: multiarch publish [options] -t REGISTRY/REPO:TAG [-t ...] CONTEXT
       multiarch publish [options] --address REGISTRY/REPO [-t TAG ...] CONTEXT
       multiarch publish [options] --output type=oci,dest=FILE CONTEXT

Build the Dockerfile once per platform on the Dagger engine (natively, or under QEMU), then
push every platform's image as ONE image index under every tag, or write it to FILE.
Nothing is pushed unless every platform built; no tag moves until every repository has it.
The flags are docker buildx build's, where multiarch has the feature.

Source:
  CONTEXT                  the build context, a directory on this machine ('-': none, and the
                           Dockerfile on stdin); .dockerignore (or F.dockerignore) applies
  --source DIR             the same as CONTEXT
  -f, --file F             the Dockerfile, anywhere on disk ('-': stdin; default CONTEXT/Dockerfile)
  --dockerfile F           the Dockerfile, relative to CONTEXT
  --target S               build this stage of a multi-stage Dockerfile
  --build-arg K=V          a build argument (repeatable); a bare K takes its value from the
                           environment, and is not passed when K is unset
  --source-date-epoch N    seconds since the epoch, passed as SOURCE_DATE_EPOCH
  --no-cache               re-read the context from disk (the engine may still reuse cached steps)
  --pull                   accepted: base images are always resolved against their registry
  --secret id=ID,src=FILE  a build secret for RUN --mount=type=secret,id=ID (repeatable);
  --secret id=ID,env=VAR   id=ID,env=VAR reads it from the environment. Never printed

Platforms:
  --platform P             a platform, e.g. linux/arm64 or arm64 (repeatable; P,Q works too)
  --platforms P,Q          a comma-separated list (default: linux/amd64,linux/arm64)

Destination:
  -t, --tag REF            where to push: REGISTRY/REPO[:TAG] (repeatable; several repositories
                           get the same index); with --address, a bare TAG
  --address REGISTRY/REPO  the repository for bare tags, e.g. 127.0.0.1:5000/team/app (a :TAG
                           counts as a tag; default tag: latest)
  --push                   push (the default; for buildx command lines)
  --output type=registry   push (the default)
  --output type=oci,dest=FILE   write an OCI layout tarball to FILE instead of pushing
  --export FILE            the same as --output type=oci,dest=FILE
${REGISTRY_ACCESS}
Image:
  --annotation [LEVEL:]K=V an annotation (repeatable); LEVEL, as in buildx: manifest (the
                           default), index, manifest-descriptor, optionally limited to platforms
                           (manifest[linux/amd64]:K=V); index-descriptor is refused (no layout)
  --label K=V              a label in every platform's image config (repeatable)
  --media-types oci|docker manifest media types (default: oci)
  --compression gzip|zstd|uncompressed|estargz   layer compression (default: gzip)

Attestations (attached to each platform as OCI 1.1 referrers; the index keeps only platforms):
  --provenance[=V]         SLSA provenance: true or mode=min (build arg names), mode=max
                           (their values, secret-looking ones redacted), false (default)
  --sbom[=true|false]      an SPDX SBOM per platform, made by syft (on PATH or $MULTIARCH_SYFT)

Output:
  --metadata-file FILE     write buildx's metadata JSON: containerimage.digest (the index),
                           containerimage.descriptor, image.name (every pushed name, comma-joined)
  --iidfile FILE           write the index digest
  --progress MODE          auto|tty (progress lines), plain (those and every build step's own
                           output), rawjson (progress events as JSON lines), quiet (none)
  (with $GITHUB_OUTPUT set, digest=, imageid= and metadata= are appended to it)
  --no-verify              do not read the pushed index back and check it
  --no-scan                check the index, but not every binary's CPU (no layer downloads)
  --json                   print only the result, as JSON, on stdout (progress stays on stderr)
  -h, --help               this help

Engine: inside 'dagger run', its session; else _EXPERIMENTAL_DAGGER_RUNNER_HOST and
_EXPERIMENTAL_DAGGER_CLI_BIN when set; else an engine at Dagger's default socket
/run/dagger/engine.sock with a dagger CLI on PATH; else the Dagger SDK starts one itself.
  --engine PLATFORMS=RUNNER_HOST   build those platforms on another Dagger engine, e.g.
                           linux/arm64,linux/arm/v7=tcp://10.0.0.2:1234 (repeatable; one index)
  --fallback fail|emulate  an engine that is down or dies: fail (ENGINE_FAILED; default), or
                           build its platforms on the default engine instead

Example:
  multiarch publish -t 127.0.0.1:5000/team/app:1.0 -t 127.0.0.1:5000/team/app:latest \\
    --platform linux/amd64,linux/arm64 --build-arg VERSION=1.0 --push .
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

const BUILD = `Usage: multiarch build --platform P --push-by-digest --address REGISTRY/REPO --source DIR [options]

Build the Dockerfile in DIR for ONE platform and push its image by digest: no tag moves (the
engine's push names only the staging tag multiarch-staging). One CI matrix job per platform;
then 'multiarch merge' joins the digests into one index. --json prints the same keys as
publish --json: digest (the platform's manifest), refs (REPO@DIGEST), mediaType, platforms[].

Takes publish's source, image and registry options (see multiarch publish --help), except
--tag and --export.
  --platform P             the one platform to build (required)
  --push-by-digest         required: say that no tag is wanted
  -h, --help               this help
`;

const MERGE = `Usage: multiarch merge --address REGISTRY/REPO [--tag T]... SOURCE... [options]

Make ONE image index of images already in the registry (like docker buildx imagetools create):
each SOURCE's platform is read from its image config, a SOURCE that is an index is flattened
(its attestation entries left out), two sources of one platform are refused. Sources in other
repositories of the same registry are brought over (blobs mounted, else copied). The index is
stored by digest and verified; only then does any tag move.

  SOURCE                   REGISTRY/REPO@sha256:... (or :TAG), or sha256:... of --address's repo
  --address REGISTRY/REPO  where the index goes (a :TAG counts as --tag)
  --tag T                  a tag to point at the index (repeatable; default: latest)
  --annotation K=V         on the index (index:K=V too); manifest-descriptor:K=V on every entry
${REGISTRY_ACCESS}  --no-verify              do not verify the index before tagging it
  --no-scan                verify, but do not scan every binary's CPU (no layer downloads)
  --json                   print only the result, as JSON, on stdout
  -h, --help               this help

Example:
  multiarch merge --address 127.0.0.1:5000/team/app --tag 1.0 --tag latest \\
    127.0.0.1:5000/team/app@sha256:aaa... 127.0.0.1:5000/team/app@sha256:bbb...
`;

const PLAN = `Usage: multiarch plan --platforms P,Q [--source DIR [--dockerfile F]] [--engine HOST]… [--json]
       multiarch plan --platforms P,Q --github-matrix

Say how each platform would build on each engine (the default one, and each --engine): native, cross (a Dockerfile whose RUN steps
all run on the build machine) or emulated (QEMU), or unavailable. With --github-matrix, print
instead (no engine) one line of JSON for a GitHub Actions matrix: per platform its runner label
(linux/amd64 and linux/386 on ubuntu-24.04, linux/arm64 on ubuntu-24.04-arm, the rest on
ubuntu-24.04 under QEMU), whether it is emulated, and a slug for names.

  --platforms P,Q          the platforms (repeatable; --platform P works too)
  --source DIR             a build context: its Dockerfile decides native/cross/emulated
  --dockerfile F           the Dockerfile, relative to DIR (default: Dockerfile)
  --engine RUNNER_HOST     ask this engine too (repeatable; publish's PLATFORMS=RUNNER_HOST works)
  --github-matrix          print the matrix: {"include":[{"platform","runner","emulated","slug"}]}
  --json                   print the plan as JSON
  -h, --help               this help
`;

const HELP: Readonly<Record<HelpTopic, string>> = {
  main: MAIN,
  publish: PUBLISH,
  inspect: INSPECT,
  verify: VERIFY,
  build: BUILD,
  merge: MERGE,
  plan: PLAN,
};

/** The full help of a topic. */
export function helpText(topic: HelpTopic): string {
  return HELP[topic];
}

const SHORT: Readonly<Record<HelpTopic, string>> = {
  main: "usage: multiarch publish|inspect|verify|build|merge|plan [options]   (multiarch --help for more)",
  publish:
    "usage: multiarch publish [options] -t REGISTRY/REPO:TAG CONTEXT   (multiarch publish --help for more)",
  inspect: "usage: multiarch inspect REF [--json] [--username U --password-env VAR] [--plain-http]",
  verify:
    "usage: multiarch verify REF [--platforms P,Q] [--smoke CMD] [--no-scan] [--json]   (multiarch verify --help for more)",
  build:
    "usage: multiarch build --platform P --push-by-digest --address REGISTRY/REPO --source DIR [options]   (multiarch build --help for more)",
  merge:
    "usage: multiarch merge --address REGISTRY/REPO [--tag T]... SOURCE...   (multiarch merge --help for more)",
  plan: "usage: multiarch plan --platforms P,Q [--github-matrix | --json]   (multiarch plan --help for more)",
};

/** One usage line, printed under a usage error. */
export function shortUsage(topic: HelpTopic): string {
  return SHORT[topic];
}
