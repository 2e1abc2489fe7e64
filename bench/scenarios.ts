/**
 * The benchmark scenarios: one Dockerfile and build context each, the same for every contender.
 * Every measured run gets its own copy of the context; what changes between runs is what the
 * scenario is about (see `change`).
 */
import { generateC } from "./gen-c.js";

export const REGISTRY = process.env.MULTIARCH_REGISTRY ?? "127.0.0.1:5000";

/**
 * What differs between two runs of the same contender:
 *  - "source": one source file (version.h / stamp.txt) gets a new value every run, so the steps
 *    that read the sources (COPY, compile) run again; base images and toolchain layers are warm.
 *  - "none": the context is byte-for-byte the same on every run: the whole build is a cache hit.
 */
export type Change = "source" | "none";

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly platforms: readonly string[];
  readonly change: Change;
  /** Measured runs and warm-up runs in a full bench (the CLI's --runs/--warmup override). */
  readonly runs: number;
  readonly warmup: number;
  /**
   * The warm-up round is a cold build: each contender's build cache is emptied just before its
   * warm-up run (Dagger engine cache pruned, buildah store emptied, buildkitd pruned), so base
   * and toolchain images are pulled from the local registry again and every step runs.
   */
  readonly cold?: boolean;
  /** Only these contenders (default: all). */
  readonly contenders?: readonly string[];
  /** Files of the build context for a run, given the run's stamp. */
  readonly files: (stamp: string) => Record<string, string>;
  /**
   * The warm-up's context, when it need not repeat the measured work: the same Dockerfile (so
   * the same base and toolchain images get pulled and cached) over a one-file program, which
   * keeps an emulated warm-up from costing a full compile under QEMU.
   */
  readonly warmupFiles?: (stamp: string) => Record<string, string>;
  /**
   * A start-up scenario: no build, each contender's own command for this (its help text, or a
   * build refused for a bad platform), timed from spawn to exit. Contenders without a command
   * line of their own (raw Dagger, a library) have none and sit it out.
   */
  readonly startup?: "help" | "bad-input";
}

const C = generateC();
export const C_LINES = C.lines;

const cSources = (stamp: string): Record<string, string> => {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(C.files)) files[`src/${name}`] = text;
  files["src/version.h"] = `#define BENCH_VERSION "${stamp}"\n`;
  return files;
};

/** A one-file program for warm-ups: pulls what the real build pulls, compiles in a second. */
const tinySources = (stamp: string): Record<string, string> => ({
  "src/main.c": `#include <stdio.h>\nint main(void) { puts("${stamp}"); return 0; }\n`,
});

/**
 * A compile scenario's contexts for DOCKERFILE: the C code base for measured runs, and a
 * one-file program for warm-ups (same Dockerfile, so the same images get pulled).
 */
const compileContexts = (
  dockerfile: string,
): Pick<Scenario, "files"> & Required<Pick<Scenario, "warmupFiles">> => ({
  files: (s) => ({ Dockerfile: dockerfile, ...cSources(s) }),
  warmupFiles: (s) => ({ Dockerfile: dockerfile, ...tinySources(s) }),
});

const THREE = ["linux/amd64", "linux/arm64", "linux/arm/v7"] as const;
const FIVE = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x", "linux/ppc64le"];

const COPY_ONLY = `FROM busybox
COPY app/ /app/
RUN ["/bin/sh", "-c", "cat /app/stamp.txt && wc -c /app/* > /app/sizes.txt"]
`;

// The compile step stamps its own start and end (GNU date, epoch milliseconds) into
// /out/compile-span, which the final image carries as /compile-span: the bench reads it back
// from every pushed variant and places gcc on the run's own timeline (same kernel clock), so
// each contender's wall time splits into before gcc, gcc, and after gcc.
const TIMED = (cc: string): string =>
  `t0=$(date +%s%3N) && mkdir -p /out && ${cc} -O1 $LDFLAGS -o /out/app /src/*.c \\
 && echo "$t0 $(date +%s%3N)" > /out/compile-span`;

const COMPILE_EMULATED = `# gcc runs on each target platform: under QEMU for every foreign one.
FROM ${REGISTRY}/bench/gcc:bookworm AS build
COPY src/ /src/
RUN ${TIMED("gcc").replace("$LDFLAGS ", "")}
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
COPY --from=build /out/compile-span /compile-span
CMD ["app"]
`;

// Debian's cross compilers, picked by TARGETARCH, in a stage that runs on the build platform.
const CROSS_STAGE = `FROM --platform=$BUILDPLATFORM ${REGISTRY}/bench/cross:bookworm AS build
ARG TARGETARCH
COPY src/ /src/
RUN case "$TARGETARCH" in \\
      amd64) cc=gcc ;; \\
      arm64) cc=aarch64-linux-gnu-gcc ;; \\
      arm) cc=arm-linux-gnueabihf-gcc ;; \\
      s390x) cc=s390x-linux-gnu-gcc ;; \\
      ppc64le) cc=powerpc64le-linux-gnu-gcc ;; \\
      *) echo "no cross compiler for $TARGETARCH" >&2; exit 1 ;; \\
    esac \\
 && ${TIMED("$cc")}
`;

const COMPILE_CROSS = `${CROSS_STAGE.replace("$LDFLAGS ", "")}FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
COPY --from=build /out/compile-span /compile-span
CMD ["app"]
`;

const CROSS_STATIC = `${CROSS_STAGE.replace("$LDFLAGS", "-static")}FROM busybox
COPY --from=build /out/app /bin/app
COPY --from=build /out/compile-span /compile-span
CMD ["app"]
`;

const copyOnly = (stamp: string): Record<string, string> => ({
  Dockerfile: COPY_ONLY,
  "app/stamp.txt": `${stamp}\n`,
  "app/config.json": JSON.stringify({ name: "bench", replicas: 3, features: ["a", "b"] }, null, 2),
  "app/index.html": `<!doctype html><title>bench</title><p>${"hello ".repeat(200)}</p>\n`,
  "app/data.csv": Array.from({ length: 2000 }, (_, i) => `${i},${(i * 7919) % 1000},row${i}`).join(
    "\n",
  ),
});

/** Contenders of the scenarios where verification is not what differs (no verify-off run). */
const WITHOUT_NOVERIFY = ["multiarch", "raw-dagger", "buildah", "buildx", "buildctl"] as const;

/** The start-up scenarios' contenders: the command-line builders. */
const COMMANDS = ["multiarch", "buildah", "buildx"] as const;

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "startup-help",
    title: "start-up: `--help`, process start to exit",
    platforms: [],
    change: "none",
    runs: 5,
    warmup: 1,
    contenders: COMMANDS,
    files: copyOnly,
    startup: "help",
  },
  {
    id: "startup-bad-input",
    title:
      "start-up: a build refused for a bad platform (`--platform linux/bogus`), process start to exit",
    platforms: [],
    change: "none",
    runs: 5,
    warmup: 1,
    contenders: COMMANDS,
    files: copyOnly,
    startup: "bad-input",
  },
  {
    id: "compile-cross",
    title: `compile cross: ${C.lines} lines of C, Debian cross gcc in a $BUILDPLATFORM stage, 5 platforms (one file changed per run; first run cold)`,
    platforms: FIVE,
    change: "source",
    runs: 4,
    warmup: 1,
    cold: true,
    files: compileContexts(COMPILE_CROSS).files,
  },
  {
    id: "warm-nochange",
    title: "warm rebuild, nothing changed: compile cross again, 5 platforms",
    platforms: FIVE,
    change: "none",
    runs: 4,
    warmup: 1,
    files: compileContexts(COMPILE_CROSS).files,
  },
  {
    id: "copy-only",
    title: "copy-only: busybox + COPY 4 files, 3 platforms",
    platforms: THREE,
    change: "source",
    runs: 5,
    warmup: 1,
    contenders: WITHOUT_NOVERIFY,
    files: copyOnly,
  },
  {
    id: "compile-emulated",
    title: `compile emulated: the same C, gcc -O1 in each platform's own image (QEMU for 4 of them), 5 platforms`,
    platforms: FIVE,
    change: "source",
    runs: 2,
    warmup: 1,
    contenders: WITHOUT_NOVERIFY,
    ...compileContexts(COMPILE_EMULATED),
  },
  {
    id: "emulated-1",
    title: "compile emulated, 1 platform (linux/amd64: the same Dockerfile, nothing emulated)",
    platforms: ["linux/amd64"],
    change: "source",
    runs: 3,
    warmup: 1,
    contenders: WITHOUT_NOVERIFY,
    ...compileContexts(COMPILE_EMULATED),
  },
  ...[1, 2, 4, 5].map((n): Scenario => ({
    id: `scale-${n}`,
    title: `scaling: cross gcc -static into busybox, ${n} platform${n === 1 ? "" : "s"}`,
    platforms: FIVE.slice(0, n),
    change: "source",
    runs: 3,
    warmup: 1,
    contenders: WITHOUT_NOVERIFY,
    ...compileContexts(CROSS_STATIC),
  })),
];
