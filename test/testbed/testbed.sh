#!/usr/bin/env bash
# The project's test bed: a Dagger engine built from Go modules, QEMU user
# emulation, two local OCI registries, multi-platform base images made from
# Debian packages and the engine's builtin Go and TypeScript SDK images (so that
# `dagger call` runs modules). Usage: testbed.sh up|status|env|down
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTBED_DIR/../.." && pwd)
export REPO_DIR # read by lib/engine.sh

# shellcheck source=lib/common.sh
. "$TESTBED_DIR/lib/common.sh"
# shellcheck source=lib/qemu.sh
. "$TESTBED_DIR/lib/qemu.sh"
# shellcheck source=lib/engine.sh
. "$TESTBED_DIR/lib/engine.sh"
# shellcheck source=lib/registry.sh
. "$TESTBED_DIR/lib/registry.sh"
# shellcheck source=lib/engines.sh
. "$TESTBED_DIR/lib/engines.sh"
# shellcheck source=lib/seed.sh
. "$TESTBED_DIR/lib/seed.sh"
# shellcheck source=lib/sdk-images.sh
. "$TESTBED_DIR/lib/sdk-images.sh"
# shellcheck source=lib/actionlint.sh
. "$TESTBED_DIR/lib/actionlint.sh"
# shellcheck source=lib/syft.sh
. "$TESTBED_DIR/lib/syft.sh"

usage() {
  cat >&2 <<EOF
usage: testbed.sh up [demo]|status [demo]|env|down
  up       start everything (builds and seeds on first use; seconds when already up)
  up demo  only what 'npm run demo' needs: no SDK images, no binfmt installer image, and
           debian:bookworm-slim for this machine's platform only (a later 'up' adds the rest)
  status   exit 0 only when the engines, both registries, the emulators and the images answer
  env      print export lines for the dagger CLI and @dagger.io/dagger: eval "\$(testbed.sh env)"
  down     stop what 'up' started; caches stay
EOF
  exit 2
}

require_root() {
  [ "$(id -u)" = 0 ] || die "the test bed needs root (it installs packages, registers binfmt handlers and runs the engine)"
}

# WHAT: all (default) or demo.
testbed_what() {
  case ${1:-all} in
    all | demo) echo "${1:-all}" ;;
    *) usage ;;
  esac
}

cmd_up() {
  require_root
  local what t0=$SECONDS
  what=$(testbed_what "${1:-}")
  # Every package the steps below ask for, in one apt run: the engine build then runs in the
  # background while the images are seeded (each step still asks for its own packages).
  # Clients we did not write (skopeo, umoci, jq), with which the engine tests read back what
  # was published.
  phase packages need_packages skopeo umoci jq "${QEMU_PACKAGES[@]}" "${REGISTRY_PACKAGES[@]}" \
    "${ENGINE_BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" "${SEED_PACKAGES[@]}" "${ACTIONLINT_PACKAGES[@]}"
  # The Go build takes minutes of CPU; seeding mostly waits on downloads: side by side.
  phase_start engine-build engine_build "$what"
  phase qemu qemu_up
  phase registries registry_up
  phase seed seed_images "$what"
  # The linter of the example workflows (examples/github-actions); not needed by the demo.
  if [ "$what" = all ]; then phase actionlint actionlint_up; fi
  # Before the engine starts: it probes the platforms it can run at start-up.
  phase platforms qemu_check_platforms
  phase_wait engine-build
  phase engine engine_up "$what"
  if [ "$what" = all ]; then
    # The SDK images need the engine's schema; the engine then needs their digests (a restart
    # when they changed, the first time only).
    phase sdk-images sdk_images_up
    phase engine-restart engine_up
    # Two more engines, each in a network namespace of its own (routing platforms to engines).
    phase extra-engines extra_engines_up
    # The SBOM generator --sbom runs (a Go build the first time, cached).
    phase syft syft_up
  fi
  phase_report
  step "Test bed up ($what) in $((SECONDS - t0)) s"
  cmd_status "$what"
}

cmd_status() {
  local what down=()
  what=$(testbed_what "${1:-}")
  engine_status || down+=(engine)
  if [ "$what" = all ]; then extra_engines_status || down+=("extra engines"); fi
  registry_status || down+=(registries)
  qemu_status || down+=(emulators)
  seed_status "$what" || down+=("base images")
  if [ "$what" = all ]; then sdk_status || down+=("SDK images"); fi
  if [ "$what" = all ]; then actionlint_status || down+=(actionlint); fi
  if [ "$what" = all ]; then syft_status || down+=(syft); fi
  echo "logs:       $MULTIARCH_LOGS"
  echo "caches:     $MULTIARCH_CACHE (binaries, Debian packages, root filesystems)"
  if [ ${#down[@]} -gt 0 ]; then
    local IFS=,
    echo "testbed: not ready (${down[*]}: see above); run 'npm run testbed:up'" >&2
    return 1
  fi
}

cmd_env() {
  cat <<EOF
export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$ENGINE_SOCK
export _EXPERIMENTAL_DAGGER_CLI_BIN=$ENGINE_BIN_DIR/dagger
export DAGGER_PROGRESS=plain
export DAGGER_MODULE=$CLI_MODULE_DIR
export DAGGER_NO_NAG=1
export DO_NOT_TRACK=1
export DAGGER_NO_UPDATE_CHECK=1
export MULTIARCH_REGISTRY=$REGISTRY_ADDR
export MULTIARCH_AUTH_REGISTRY=$AUTH_REGISTRY_ADDR
export MULTIARCH_AUTH_CREDENTIALS_FILE=$AUTH_CREDENTIALS_FILE
export TESTBED_REGISTRY=$TESTBED_REGISTRY_ADDR
export TESTBED_AUTH_REGISTRY=$TESTBED_AUTH_REGISTRY_ADDR
export TESTBED_ENGINE_LOG=$ENGINE_LOG
export TESTBED_ACTIONLINT=$ACTIONLINT_BIN
export TESTBED_ENGINES="$(extra_engine_runner_hosts)"
EOF
}

cmd_down() {
  require_root
  extra_engines_down
  engine_down
  registry_down
  step "Test bed stopped (caches kept in $MULTIARCH_CACHE)"
}

case "${1:-}" in
  up) cmd_up "${2:-}" ;;
  status) cmd_status "${2:-}" ;;
  env) cmd_env ;;
  down) cmd_down ;;
  *) usage ;;
esac
