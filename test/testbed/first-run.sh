#!/usr/bin/env bash
# What a first `npm ci && npm run demo` costs, phase by phase, from empty caches, on a machine
# whose shared test bed is running: nothing of that bed is touched. Usage (root):
#
#   test/testbed/first-run.sh [DIR]     DIR: where everything goes (default: a new /var/tmp dir)
#
# In DIR: a clone of this repository (npm ci with an empty npm cache, then the build), empty Go
# caches for the engine build, an empty bed cache (MULTIARCH_CACHE: apt lists, .debs, root
# filesystems) and a private registry on 127.0.0.1:$FIRST_RUN_REGISTRY_PORT (default 15000) that
# the demo's images are seeded into. The platform check runs in a binfmt_misc sandbox
# (sandbox-platforms.sh --refuse-i386: a kernel refusing i386 programs, issue 13's machine).
# The phases run as `testbed.sh up demo` runs them: the engine build in the background.
#
# Not measured here, as both would disturb the running bed: installing the Debian packages (the
# machine has them) and starting a second engine to publish the demo with an empty engine cache.
# On a quiet, fresh machine, `time (npm ci && npm run demo)` measures everything: `up` prints the
# same phases.
set -euo pipefail

SOURCE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "first-run.sh: needs root (the bed's steps do)" >&2; exit 1; }
ROOT=${1:-$(mktemp -d /var/tmp/multiarch-first-run.XXXXXX)}
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)
export MULTIARCH_CACHE="$ROOT/cache" MULTIARCH_STATE="$ROOT/state" MULTIARCH_RUN="$ROOT/run" \
  MULTIARCH_LOGS="$ROOT/logs" MULTIARCH_REGISTRY_PORT=${FIRST_RUN_REGISTRY_PORT:-15000}
export GOMODCACHE="$ROOT/go/mod" GOCACHE="$ROOT/go/cache" GOPATH="$ROOT/go/path" \
  npm_config_cache="$ROOT/npm-cache"
for d in "$MULTIARCH_CACHE" "$GOMODCACHE" "$GOCACHE" "$npm_config_cache"; do
  if [ -n "$(ls -A "$d" 2>/dev/null)" ]; then
    echo "first-run.sh: $d is not empty: give a new DIR (a first run starts from empty caches)" >&2
    exit 1
  fi
done

TESTBED_DIR="$SOURCE_REPO/test/testbed"
export REPO_DIR="$ROOT/repo" # the clone: engine.sh reads the Dagger version from its package.json
# shellcheck source=lib/common.sh
. "$TESTBED_DIR/lib/common.sh"
# shellcheck source=lib/qemu.sh
. "$TESTBED_DIR/lib/qemu.sh"
# shellcheck source=lib/engine.sh
. "$TESTBED_DIR/lib/engine.sh"
# shellcheck source=lib/registry.sh
. "$TESTBED_DIR/lib/registry.sh"
# shellcheck source=lib/seed.sh
. "$TESTBED_DIR/lib/seed.sh"

port_in_use "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken; set FIRST_RUN_REGISTRY_PORT to a free one"
private_registry_up() {
  _registry_write_config plain "$REGISTRY_ADDR" ""
  _registry_start plain "$REGISTRY_PORT" 200
}
trap '_registry_stop plain' EXIT

step "First run in $ROOT (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs)"
t0=$SECONDS
phase clone git clone --quiet --no-hardlinks "$SOURCE_REPO" "$REPO_DIR"
phase npm-ci bash -c 'cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null' _ "$REPO_DIR"
phase build bash -c 'cd "$1" && npm run -s build' _ "$REPO_DIR"
phase_start engine-build engine_build demo
phase registry private_registry_up
phase seed seed_images demo
phase platforms bash "$TESTBED_DIR/sandbox-platforms.sh" --refuse-i386
phase_wait engine-build
phase_report
step "First run: $((SECONDS - t0)) s in all, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
info "caches: $(du -sh "$MULTIARCH_CACHE" | cut -f1) bed, $(du -sh "$ROOT/go" | cut -f1) Go, $(du -sh "$npm_config_cache" | cut -f1) npm (rm -rf $ROOT when done)"
