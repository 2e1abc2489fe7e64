#!/usr/bin/env bash
# Bench set-up: installs/builds the peer builders the benchmark compares us with.
# Idempotent; everything is cached under /var/cache/multiarch/bench. Not part of
# the test path: `npm run bench` runs it first, for the peers it will run
# (`--no-setup` to skip it); by hand: bash bench/setup.sh [all|PEER...].
#
#   buildah           Debian packages (apt): buildah, and runc as its OCI runtime (Debian's
#                     crun refuses hosts with cgroups in hybrid mode, as ours are)
#   buildkitd/buildctl github.com/moby/buildkit from the Go module proxy
#   buildx            github.com/docker/buildx from the Go module proxy (standalone binary)
#   toolchains        bench/gcc and bench/cross images in the local registry (bench/seed-toolchains.ts)
#
# A failure is recorded in $CACHE/status/<peer> and makes this script exit 1; the
# bench stops on it unless told to run without that peer (--skip PEER).
set -uo pipefail

CACHE=${BENCH_CACHE:-/var/cache/multiarch/bench}
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
STATUS="$CACHE/status"
BUILDKIT_VERSIONS=${BUILDKIT_VERSIONS:-"v0.34.2 v0.33.1 v0.32.2"}
BUILDX_VERSIONS=${BUILDX_VERSIONS:-"v0.38.2 v0.37.2 v0.36.1"}
export DEBIAN_FRONTEND=noninteractive
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
mkdir -p "$BIN" "$LOGS" "$STATUS"

say() { printf 'bench-setup: %s\n' "$*" >&2; }
ok() { echo "ok $*" >"$STATUS/$1"; say "$1: ok ($2)"; }
FAILED=0
fail() { echo "failed: $2" >"$STATUS/$1"; say "$1: FAILED: $2"; FAILED=1; }

# The runtime the bench gives buildah (BUILDAH_RUNTIME): Debian's runc.
BUILDAH_RUNC=/usr/sbin/runc
setup_buildah() {
  if ! command -v buildah >/dev/null 2>&1 || [ ! -x "$BUILDAH_RUNC" ]; then
    say "installing buildah and runc from Debian"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends buildah runc uidmap fuse-overlayfs; } \
      >"$LOGS/apt-buildah.log" 2>&1; then
      fail buildah "apt-get install buildah runc failed (see $LOGS/apt-buildah.log)"
      return
    fi
  fi
  ok buildah "$(buildah --version), runtime $("$BUILDAH_RUNC" --version | head -n1)"
}

# Build MODULE's packages at the first VERSION that builds, into $BIN; prints the version used.
# `go install pkg@version` refuses buildkit and buildx (their go.mod has exclude/replace
# directives), so build inside a copy of the module instead, as its main module.
go_build_first() {
  local name=$1 module=$2 versions=$3 v log dir src; shift 3
  for v in $versions; do
    log="$LOGS/go-$name-$v.log"
    say "building $module@$v: $* (log: $log)"
    : >"$log"
    if dir=$(go mod download -json "$module@$v" 2>>"$log" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') && [ -d "$dir" ]; then
      src="$CACHE/src/$name-$v"
      rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$dir" "$src" && chmod -R u+w "$src"
      local pkg okall=1
      for pkg in "$@"; do
        (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/" "./$pkg") >>"$log" 2>&1 || { okall=0; break; }
      done
      rm -rf "$src"
      if [ "$okall" = 1 ]; then echo "$v"; return 0; fi
    fi
    say "  failed: $(grep -m1 -E 'not found|unknown revision|404|410 Gone|cannot find|error' "$log" || tail -n1 "$log")"
  done
  return 1
}

setup_buildkit() {
  if [ -x "$BIN/buildkitd" ] && [ -x "$BIN/buildctl" ]; then ok buildkit "$("$BIN/buildctl" --version)"; return; fi
  local v
  if v=$(go_build_first buildkit github.com/moby/buildkit "$BUILDKIT_VERSIONS" cmd/buildkitd cmd/buildctl); then
    ok buildkit "buildkit $v"
  else
    fail buildkit "no buildkit release among [$BUILDKIT_VERSIONS] builds from the Go module proxy (logs: $LOGS/go-buildkitd-*.log)"
  fi
}

setup_buildx() {
  if [ -x "$BIN/buildx" ]; then ok buildx "$("$BIN/buildx" version)"; return; fi
  local v
  if v=$(go_build_first buildx github.com/docker/buildx "$BUILDX_VERSIONS" cmd/buildx); then
    ok buildx "buildx $v"
  else
    fail buildx "no buildx release among [$BUILDX_VERSIONS] builds from the Go module proxy (logs: $LOGS/go-buildx-*.log)"
  fi
}

setup_time() {
  [ -x /usr/bin/time ] && return
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends time; } >"$LOGS/apt-time.log" 2>&1 \
    || say "could not install GNU time (peak RSS needs /usr/bin/time)"
}

# The toolchain images (gcc per platform, Debian cross compilers) in the local registry, made
# once with our own publish(); apt-get under QEMU for arm64 and arm/v7 takes minutes.
setup_toolchains() {
  local repo
  repo=$(cd "$(dirname "$0")/.." && pwd)
  eval "$(cd "$repo" && npm run -s testbed:env)"
  if (cd "$repo" && node_modules/.bin/tsx bench/seed-toolchains.ts) >"$LOGS/seed-toolchains.log" 2>&1; then
    ok toolchains "$(grep -c . "$LOGS/seed-toolchains.log") lines in $LOGS/seed-toolchains.log"
  else
    fail toolchains "seeding failed (see $LOGS/seed-toolchains.log)"
  fi
}

[ $# -gt 0 ] || set -- all
for peer in "$@"; do
  case "$peer" in
    buildah | buildkit | buildx | toolchains) ;;
    all) ;;
    *) say "usage: setup.sh [all|buildah|buildkit|buildx|toolchains]..."; exit 2 ;;
  esac
done
setup_time
for peer in "$@"; do
  case "$peer" in
    all) setup_buildah; setup_buildkit; setup_buildx; setup_toolchains ;;
    *) "setup_$peer" ;;
  esac
done
for f in "$STATUS"/*; do [ -f "$f" ] && printf '  %-9s %s\n' "$(basename "$f")" "$(cat "$f")" >&2; done
exit "$FAILED"
