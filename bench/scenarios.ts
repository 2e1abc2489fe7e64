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
  /** Files of the build context for a run, given the run's stamp. */
  readonly files: (stamp: string) => Record<string, string>;
}

const C = generateC();
export const C_LINES = C.lines;

const cSources = (stamp: string): Record<string, string> => {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(C.files)) files[`src/${name}`] = text;
  files["src/version.h"] = `#define BENCH_VERSION "${stamp}"\n`;
  return files;
};

const THREE = ["linux/amd64", "linux/arm64", "linux/arm/v7"] as const;
const FIVE = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x", "linux/ppc64le"];

const COPY_ONLY = `FROM busybox
COPY app/ /app/
RUN ["/bin/sh", "-c", "cat /app/stamp.txt && wc -c /app/* > /app/sizes.txt"]
`;

const COMPILE_EMULATED = `# gcc runs on each target platform: under QEMU for arm64 and arm/v7.
FROM ${REGISTRY}/bench/gcc:bookworm AS build
COPY src/ /src/
RUN mkdir -p /out && gcc -O1 -o /out/app /src/*.c
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
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
 && mkdir -p /out && $cc -O1 $LDFLAGS -o /out/app /src/*.c
`;

const COMPILE_CROSS = `${CROSS_STAGE.replace("$LDFLAGS ", "")}FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
CMD ["app"]
`;

const CROSS_STATIC = `${CROSS_STAGE.replace("$LDFLAGS", "-static")}FROM busybox
COPY --from=build /out/app /bin/app
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

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "copy-only",
    title: "copy-only: busybox + COPY 4 files, 3 platforms",
    platforms: THREE,
    change: "source",
    runs: 3,
    warmup: 1,
    files: copyOnly,
  },
  {
    id: "compile-emulated",
    title: `compile emulated: gcc -O1, ${C.lines} lines of C, in each platform's image, 3 platforms`,
    platforms: THREE,
    change: "source",
    runs: 2,
    warmup: 1,
    files: (s) => ({ Dockerfile: COMPILE_EMULATED, ...cSources(s) }),
  },
  {
    id: "compile-cross",
    title: `compile cross: the same C, Debian cross gcc in a $BUILDPLATFORM stage, 3 platforms (warm rebuild, one file changed)`,
    platforms: THREE,
    change: "source",
    runs: 2,
    warmup: 1,
    files: (s) => ({ Dockerfile: COMPILE_CROSS, ...cSources(s) }),
  },
  {
    id: "warm-nochange",
    title: "warm rebuild, nothing changed: compile cross again, 3 platforms",
    platforms: THREE,
    change: "none",
    runs: 3,
    warmup: 1,
    files: (s) => ({ Dockerfile: COMPILE_CROSS, ...cSources(s) }),
  },
  ...[5, 4, 2, 1].map((n): Scenario => ({
    id: `scale-${n}`,
    title: `scaling: cross gcc -static into busybox, ${n} platform${n === 1 ? "" : "s"}`,
    platforms: FIVE.slice(0, n),
    change: "source",
    // Warm already: the cross toolchain from compile-cross, busybox from copy-only.
    runs: 2,
    warmup: 0,
    files: (s) => ({ Dockerfile: CROSS_STATIC, ...cSources(s) }),
  })),
];
