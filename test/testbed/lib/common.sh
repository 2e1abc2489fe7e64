# shellcheck shell=bash disable=SC2034
# Shared paths and helpers for the test bed. Sourced by testbed.sh; never run alone.
# Everything heavy lives outside the work tree so clones and CI runs share it.

: "${MULTIARCH_CACHE:=/var/cache/multiarch}"   # Go builds, binaries, rootfs tarballs
: "${MULTIARCH_STATE:=/var/lib/multiarch}"     # registry storage, credentials, engine state
: "${MULTIARCH_RUN:=/run/multiarch}"           # pid files of what `up` started
: "${MULTIARCH_LOGS:=/var/log/multiarch}"      # one log per service and per build step

REGISTRY_PORT=5000
AUTH_REGISTRY_PORT=5001
REGISTRY_ADDR="127.0.0.1:${REGISTRY_PORT}"
AUTH_REGISTRY_ADDR="127.0.0.1:${AUTH_REGISTRY_PORT}"
AUTH_CREDENTIALS_FILE="${MULTIARCH_STATE}/auth-registry/credentials.env"
# The same two registries on an address that module containers reach too (registry.sh says why).
REGISTRY_NET_IF=multiarch0
REGISTRY_NET_IP=10.86.0.1
TESTBED_REGISTRY_ADDR="${REGISTRY_NET_IP}:${REGISTRY_PORT}"
TESTBED_AUTH_REGISTRY_ADDR="${REGISTRY_NET_IP}:${AUTH_REGISTRY_PORT}"
ENGINE_SOCK="/run/dagger/engine.sock"

export DO_NOT_TRACK=1 DAGGER_NO_UPDATE_CHECK=1 DEBIAN_FRONTEND=noninteractive

mkdir -p "$MULTIARCH_CACHE" "$MULTIARCH_STATE" "$MULTIARCH_RUN" "$MULTIARCH_LOGS"

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'testbed: warning: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log and fail: a failed step always shows why.
die_with_log() {
  local log=$1; shift
  printf 'testbed: error: %s\n--- last 40 lines of %s ---\n' "$*" "$log" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

# apt-get install only what is missing; `apt-get update` at most once per `up`.
APT_UPDATED=0
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq >"$MULTIARCH_LOGS/apt.log" 2>&1 || die_with_log "$MULTIARCH_LOGS/apt.log" "apt-get update failed"
    APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$MULTIARCH_LOGS/apt.log" 2>&1 \
    || die_with_log "$MULTIARCH_LOGS/apt.log" "apt-get install ${missing[*]} failed"
}

# Require N GiB free where DIR lives before a step that writes a lot.
need_disk() {
  local dir=$1 gib=$2 avail
  mkdir -p "$dir"
  avail=$(df -Pk "$dir" | awk 'NR==2 {print int($4/1048576)}')
  [ "$avail" -ge "$gib" ] || die "not enough disk under $dir: ${avail} GiB free, ${gib} GiB needed. Free some space (or set MULTIARCH_CACHE/MULTIARCH_STATE elsewhere) and retry."
}

# A pid file names a process that `up` started; alive means it still runs.
pid_alive() {
  local f="$MULTIARCH_RUN/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# Wait up to SECONDS for COMMAND to succeed.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.25
  done
}

# Is something already listening on this TCP port of 127.0.0.1?
port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
