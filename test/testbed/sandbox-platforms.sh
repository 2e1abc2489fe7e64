#!/usr/bin/env bash
# Run the bed's platform check (qemu_check_platforms, lib/qemu.sh) in a binfmt_misc sandbox:
# a user and mount namespace with its own, empty binfmt_misc (Linux 6.7 and later give each
# user namespace that mounts one its own instance), so handlers registered here leave the host's
# untouched, and the shared engine with them. Usage:
#
#   sandbox-platforms.sh [--refuse-i386]
#
# --refuse-i386 makes this kernel refuse i386 programs the way a kernel without IA32 emulation
# does: a handler for the i386 ELF header whose interpreter is not a program, so exec'ing an i386
# binary fails with "exec format error" (ENOEXEC), as on such machines. Handlers registered
# later take precedence, so the check's qemu-i386 then runs them.
#
# Prints the check's findings (one "PLATFORM native|emulated MACHINE" line each), then
# "handlers:" and the handlers the sandbox ended with. Needs root and the bed's cached busybox
# .debs (testbed:up seeds them); writes its state to a temporary directory.
set -euo pipefail

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
refuse_i386=0
case "${1:-}" in
  --refuse-i386) refuse_i386=1 ;;
  "") ;;
  *) echo "usage: sandbox-platforms.sh [--refuse-i386]" >&2; exit 2 ;;
esac

if [ "${SANDBOX_PLATFORMS_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "sandbox-platforms.sh: needs root" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  SANDBOX_PLATFORMS_INSIDE=1 SANDBOX_WORK=$work \
    unshare --user --map-root-user --mount -- bash "${BASH_SOURCE[0]}" "$@"
  exit
fi

binfmt=/proc/sys/fs/binfmt_misc
mount -t binfmt_misc binfmt_misc "$binfmt" || {
  echo "sandbox-platforms.sh: this kernel gives a user namespace no binfmt_misc of its own (Linux 6.7 and later do)" >&2
  exit 1
}
if [ -n "$(find "$binfmt" -mindepth 1 -maxdepth 1 ! -name register ! -name status)" ]; then
  echo "sandbox-platforms.sh: the sandbox's binfmt_misc is not empty: it is the host's" >&2
  exit 1
fi
# The bed's own cache (the .debs), the sandbox's own state, logs and findings.
export MULTIARCH_RUN="$SANDBOX_WORK/run" MULTIARCH_LOGS="$SANDBOX_WORK/logs" MULTIARCH_STATE="$SANDBOX_WORK/state"
# shellcheck source=lib/common.sh
. "$TESTBED_DIR/lib/common.sh"
# shellcheck source=lib/qemu.sh
. "$TESTBED_DIR/lib/qemu.sh"
# shellcheck source=lib/seed.sh
. "$TESTBED_DIR/lib/seed.sh"

if [ "$refuse_i386" = 1 ]; then
  printf 'not a program\n' >"$SANDBOX_WORK/refuse" && chmod +x "$SANDBOX_WORK/refuse"
  # The i386 ELF header qemu-i386 is registered for, so the same programs are refused.
  printf ':refuse-i386:M::%s:%s:%s:F' "$QEMU_I386_MAGIC" "$QEMU_I386_MASK" "$SANDBOX_WORK/refuse" \
    >"$binfmt/register"
fi

qemu_check_platforms
cat "$PLATFORMS_FILE"
echo "handlers: $(find "$binfmt" -mindepth 1 -maxdepth 1 ! -name register ! -name status -printf '%f\n' | sort | tr '\n' ' ')"
